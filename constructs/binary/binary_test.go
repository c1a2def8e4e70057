package binary

import (
	"crypto/sha256"
	"debug/elf"
	"os"
	"path/filepath"
	"testing"
)

// These tests call the local bundler directly: no jsii runtime needed.

func build(t *testing.T, goarch string) (path string, sum [32]byte) {
	t.Helper()
	out := t.TempDir()
	ok := (&goBuild{dir: "../../service", goarch: goarch}).TryBundle(&out, nil)
	if ok == nil || !*ok {
		t.Fatalf("local build for %s failed", goarch)
	}
	path = filepath.Join(out, FileName)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, sha256.Sum256(b)
}

func TestBuildsAStaticLinuxBinaryForEachArchitecture(t *testing.T) {
	for goarch, machine := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		path, _ := build(t, goarch)
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s: not an ELF binary: %v", goarch, err)
		}
		if f.Machine != machine {
			t.Errorf("%s: machine %v, want %v", goarch, f.Machine, machine)
		}
		// Static: no interpreter, so it runs on any Linux, distroless included.
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: dynamically linked", goarch)
			}
		}
		f.Close()
	}
}

func TestBuildIsReproducible(t *testing.T) {
	_, first := build(t, "amd64")
	_, second := build(t, "amd64")
	if first != second {
		t.Error("two builds of the same source differ")
	}
}

func TestFailedBuildDeclines(t *testing.T) {
	out := t.TempDir()
	ok := (&goBuild{dir: t.TempDir(), goarch: "amd64"}).TryBundle(&out, nil)
	if ok == nil || *ok {
		t.Error("a build of an empty folder must report false so the CDK falls back to Docker")
	}
}

func TestDockerFallbackRunsTheSameBuild(t *testing.T) {
	got := (&goBuild{goarch: "arm64"}).shell("/asset-output/hashsvc")
	want := "env 'CGO_ENABLED=0' 'GOOS=linux' 'GOARCH=arm64' 'GOFLAGS=-buildvcs=false' 'go' 'build' '-trimpath' '-ldflags=-s -w -buildid=' '-o' '/asset-output/hashsvc' '.'"
	if got != want {
		t.Errorf("fallback command\n %s\nwant\n %s", got, want)
	}
}
