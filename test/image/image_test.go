// Package image proves what the hash service's container image holds for
// each platform, without Docker: BuildKit's own Dockerfile frontend turns
// service/Dockerfile into the build graph that `docker build --platform`
// would run, and the test reads the compile step and the image config
// from it. Base images are not fetched: a resolver answers for them with
// an empty config of the platform asked for.
package image

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// offline stands in for the registry: every base image is an empty image
// of the platform asked for, so nothing leaves the machine.
type offline struct{}

func (offline) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	cfg, err := json.Marshal(ocispecs.Image{Platform: p})
	return ref, digest.FromBytes(cfg), cfg, err
}

// build is what BuildKit would run for the Dockerfile on an amd64
// builder, targeting platform.
type build struct {
	execs []*pb.ExecOp
	image dockerspec.DockerOCIImageConfig
	arch  string
}

func evaluate(t *testing.T, dockerfile string, target ocispecs.Platform) build {
	t.Helper()
	df, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := dockerfile2llb.Dockerfile2LLB(ctx, df, dockerfile2llb.ConvertOpt{
		Config:         dockerui.Config{BuildPlatforms: []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}}},
		TargetPlatform: &target,
		MetaResolver:   offline{},
	})
	if err != nil {
		t.Fatalf("BuildKit cannot read %s: %v", dockerfile, err)
	}
	def, err := res.State.Marshal(ctx, llb.Platform(target))
	if err != nil {
		t.Fatal(err)
	}
	b := build{image: res.Image.Config, arch: res.Image.Architecture}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			t.Fatal(err)
		}
		if e := op.GetExec(); e != nil {
			b.execs = append(b.execs, e)
		}
	}
	return b
}

var shellVar = regexp.MustCompile(`\$\{?(\w+)\}?`)

// compileEnv is the GOOS and GOARCH the `go build` step runs with: the
// shell expands the step's own assignments from the environment BuildKit
// gives it (the Dockerfile's ARGs).
func compileEnv(t *testing.T, b build) (goos, goarch string) {
	t.Helper()
	for _, e := range b.execs {
		script := strings.Join(e.Meta.Args, " ")
		if !strings.Contains(script, "go build") {
			continue
		}
		env := map[string]string{}
		for _, kv := range e.Meta.Env {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		for _, word := range strings.Fields(script) {
			k, v, ok := strings.Cut(word, "=")
			if ok && (k == "GOOS" || k == "GOARCH") {
				env[k] = shellVar.ReplaceAllStringFunc(v, func(ref string) string { return env[shellVar.FindStringSubmatch(ref)[1]] })
			}
		}
		return env["GOOS"], env["GOARCH"]
	}
	t.Fatal("no go build step in the Dockerfile")
	return "", ""
}

// dockerfiles are the project's images: the hash service's and the
// gameday binary's (the facilitator stack's board and workers).
var dockerfiles = []string{"../../service/Dockerfile", "../../game/Dockerfile"}

func TestTheImageHoldsABinaryOfItsOwnPlatform(t *testing.T) {
	for _, file := range dockerfiles {
		for _, arch := range []string{"arm64", "amd64"} {
			b := evaluate(t, file, ocispecs.Platform{OS: "linux", Architecture: arch})
			if goos, goarch := compileEnv(t, b); goos != "linux" || goarch != arch {
				t.Errorf("%s: docker build --platform linux/%s compiles for %s/%s", file, arch, goos, goarch)
			}
			if b.arch != arch {
				t.Errorf("%s: linux/%s: the image says it is %s", file, arch, b.arch)
			}
		}
	}
}

// runsAsNonRoot evaluates a Dockerfile for arm64 and checks that its
// image runs entrypoint as distroless's nonroot user, 65532.
func runsAsNonRoot(t *testing.T, dockerfile, entrypoint string) build {
	t.Helper()
	b := evaluate(t, dockerfile, ocispecs.Platform{OS: "linux", Architecture: "arm64"})
	if b.image.User != "65532:65532" {
		t.Errorf("%s: user %q, want 65532:65532 (distroless nonroot)", dockerfile, b.image.User)
	}
	if got := strings.Join(b.image.Entrypoint, " "); got != entrypoint {
		t.Errorf("%s: entrypoint %q, want %s", dockerfile, got, entrypoint)
	}
	return b
}

func TestTheGamedayImageRunsTheStaticBinaryAsNonRoot(t *testing.T) {
	// The database's access point writes as 65532; the stack's commands
	// are gameday's subcommands.
	b := runsAsNonRoot(t, "../../game/Dockerfile", "/gameday")
	for _, e := range b.execs {
		if script := strings.Join(e.Meta.Args, " "); strings.Contains(script, "go build") {
			if !strings.Contains(script, "CGO_ENABLED=0") || !strings.Contains(script, "./game/cmd/gameday") {
				t.Errorf("build step %q: want a static build of ./game/cmd/gameday", script)
			}
		}
	}
}

func TestTheImageRunsAsNonRootWithAHealthCheck(t *testing.T) {
	b := runsAsNonRoot(t, "../../service/Dockerfile", "/hashsvc")
	if _, ok := b.image.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("exposed ports %v, want 8080/tcp", b.image.ExposedPorts)
	}
	// Distroless has no shell: the check must be an exec form.
	if hc := b.image.Healthcheck; hc == nil || strings.Join(hc.Test, " ") != "CMD /hashsvc -healthcheck" {
		t.Errorf("health check %+v, want CMD /hashsvc -healthcheck", hc)
	}
}

// The check itself: a default on an automatic platform argument is taken
// as the user's value (docker/buildx#510), and the test sees it.
func TestAPlatformArgumentWithADefaultIsCaught(t *testing.T) {
	raw, err := os.ReadFile("../../service/Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	broken := regexp.MustCompile(`(?m)^ARG TARGETARCH\s*$`).ReplaceAllString(string(raw), "ARG TARGETARCH=amd64")
	if broken == string(raw) {
		t.Fatal("service/Dockerfile declares no bare ARG TARGETARCH")
	}
	path := t.TempDir() + "/Dockerfile"
	os.WriteFile(path, []byte(broken), 0o644)
	if _, goarch := compileEnv(t, evaluate(t, path, ocispecs.Platform{OS: "linux", Architecture: "arm64"})); goarch != "amd64" {
		t.Errorf("with ARG TARGETARCH=amd64 an arm64 build compiles for %s; the check cannot see the mistake", goarch)
	}
}

// goRelease is the toolchain the Makefile pins: what every build, test
// and image uses.
var goRelease = regexp.MustCompile(`(?m)^export GOTOOLCHAIN := (go\d+\.\d+\.\d+)$`)

// Build, test and ship with one Go release: the Makefile's, which .ci/run,
// the README and go.mod name too, and which each image's go build step
// runs with.
func TestEveryBuildUsesTheSameGoRelease(t *testing.T) {
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	m := goRelease.FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile pins no Go release: want export GOTOOLCHAIN := goX.Y.Z")
	}
	release := string(m[1])
	for file, want := range map[string]string{
		"../../.ci/run":         "export GOTOOLCHAIN=" + release,
		"../../README.md":       "export GOTOOLCHAIN=" + release,
		"../../go.mod":          "toolchain " + release,
		"../../service/go.mod":  "toolchain " + release,
		"../../game/Dockerfile": "ENV GOTOOLCHAIN=" + release,
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not say %q, the Makefile's release", file, want)
		}
	}
	for _, file := range dockerfiles {
		b := evaluate(t, file, ocispecs.Platform{OS: "linux", Architecture: "arm64"})
		found := false
		for _, e := range b.execs {
			if strings.Contains(strings.Join(e.Meta.Args, " "), "go build") {
				found = slices.Contains(e.Meta.Env, "GOTOOLCHAIN="+release)
			}
		}
		if !found {
			t.Errorf("%s: the go build step does not run with GOTOOLCHAIN=%s", file, release)
		}
	}
}
