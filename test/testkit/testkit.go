// Package testkit holds what tests across the tree share and the CDK does
// not come into: building a Go command and comparing a generated document
// with the committed one. Plain Go, so the game's tests stay free of jsii.
package testkit

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Build compiles the Go package pkg (as `go build` names it) from the
// folder dir and returns the binary's path, in a folder removed after the
// test.
func Build(t testing.TB, dir, pkg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(filepath.Clean(pkg)))
	if pkg == "." || pkg == ".." {
		bin = filepath.Join(filepath.Dir(bin), "main")
	}
	build := exec.Command("go", "build", "-o", bin, pkg)
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build %s in %s: %v\n%s", pkg, dir, err, out)
	}
	return bin
}

// Golden compares the committed document at path with want, what the code
// generates. With UPDATE_DOCS=1 (make docs) it writes want first. It fails
// the test, naming the document and how to regenerate it, when they differ.
func Golden(t testing.TB, path, want, from string) {
	t.Helper()
	if os.Getenv("UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run make docs", err)
	}
	if string(got) != want {
		t.Fatalf("%s differs from %s: run make docs and review the change", path, from)
	}
}

// BlackHole listens on loopback, takes every connection and never answers,
// as a dead instance behind a security group that drops packets does. It
// returns the address; everything closes with the test.
func BlackHole(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	return ln.Addr().String()
}
