package cli

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAFileIsWrittenWholeOrNotAtAll(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "teams.txt")
	if err := os.WriteFile(path, []byte("the last good file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("the deploy failed half way")
	err := WriteFile(path, func(w io.Writer) error {
		io.WriteString(w, "half a file")
		return failed
	})
	if !errors.Is(err, failed) {
		t.Errorf("error %v, want the write's", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "the last good file\n" {
		t.Errorf("after a failed write the file holds %q, want it as it was", b)
	}
	if err := WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "new\n"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new\n" {
		t.Errorf("after a good write the file holds %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want the file alone: temporary files are left behind", len(entries))
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
}

// A full disk shows at write or at close: /dev/full fails every write.
func TestAFailedCloseOrWriteIsReported(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("/dev/full, the device that is always full: %v", err)
	}
	run := func() (err error) {
		defer CloseFile(f, &err)
		_, err = f.WriteString("results")
		return err
	}
	if err := run(); err == nil || !strings.Contains(err.Error(), "no space") {
		t.Errorf("writing to a full disk: %v, want the error", err)
	}
	g, _ := os.CreateTemp(t.TempDir(), "x")
	g.Close()
	run = func() (err error) {
		defer CloseFile(g, &err)
		return nil
	}
	if err := run(); err == nil || !strings.Contains(err.Error(), "writing") {
		t.Errorf("a close that fails: %v, want it reported", err)
	}
}
