// Package cli starts the game's commands the same way: stopped by Ctrl-C
// or SIGTERM through their context, errors printed once with the command's
// name, exit status 2 on failure.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
)

// Run is a command's body: testable with any arguments and streams.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Main runs run with the process's arguments and streams, and exits.
func Main(name string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, name+":", err)
		}
		os.Exit(2)
	}
}

// Flags is a command's flag set: errors and help go to stderr, and
// parsing returns them rather than exiting.
func Flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// ParseFlagsOnly parses a command that takes flags and nothing else: an
// argument left over is an error naming it.
func ParseFlagsOnly(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q: this command takes flags only (-h lists them)", fs.Name(), fs.Arg(0))
	}
	return nil
}

// ContextFlags collect repeated -c key=value, as the CDK CLI takes them.
type ContextFlags map[string]string

func (c ContextFlags) String() string { return fmt.Sprint(map[string]string(c)) }

// Set takes one key=value.
func (c ContextFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("-c %q: want key=value, such as -c fixes=none", v)
	}
	c[k] = val
	return nil
}

// Get is the value of key, nil when not given: the form config.FromContext reads.
func (c ContextFlags) Get(key string) any {
	if v, ok := c[key]; ok {
		return v
	}
	return nil
}

// WriteFile writes a file whole or not at all: write fills a temporary
// file beside path, which is synced, closed and renamed over path only if
// every step worked. A failed write, a full disk found at close, or a
// crash leaves what was at path as it was.
func WriteFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// CloseFile closes a file written as it goes and reports a failed close,
// which can be the first sign of a full disk: use it as
// defer cli.CloseFile(f, &err).
func CloseFile(f *os.File, err *error) {
	if cerr := f.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("writing %s: %w", f.Name(), cerr)
	}
}
