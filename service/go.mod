module github.com/unicorn-rentals/gameday/service

go 1.26

toolchain go1.27.3
