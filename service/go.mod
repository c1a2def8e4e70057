module github.com/unicorn-rentals/gameday/service

go 1.26
