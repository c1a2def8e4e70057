// Package binary ships the hash service to EC2: a static linux binary,
// cross-compiled from the service's source at synth time and uploaded as a
// CDK file asset.
package binary

import (
	"cmp"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// FileName is the binary's name inside the asset and on the instance.
const FileName = "hashsvc"

// Props configures the build.
type Props struct {
	// SourceDir is the service's module folder (the one with go.mod).
	// Required.
	SourceDir string
	// GoArch is the target architecture, "amd64" or "arm64". Default "amd64".
	GoArch string
}

// Binary is the built service as an S3 asset.
type Binary struct {
	constructs.Construct
	Asset awss3assets.Asset
}

// New builds the service for linux. The asset's hash is taken from the
// source, not the build output, so synthesizing the same source twice, on
// any machine and Go version, gives the same hash and cdk diff stays quiet.
// The build runs with the local Go toolchain (the CDK app itself runs with
// go run, so it is there); Docker with the golang image is the fallback.
func New(scope constructs.Construct, id string, props Props) *Binary {
	b := &Binary{Construct: constructs.NewConstruct(scope, &id)}
	arch := cmp.Or(props.GoArch, "amd64")
	build := &goBuild{dir: props.SourceDir, goarch: arch}
	b.Asset = awss3assets.NewAsset(b.Construct, jsii.String("Asset"), &awss3assets.AssetProps{
		Path:          jsii.String(props.SourceDir),
		AssetHashType: awscdk.AssetHashType_SOURCE,
		// Only what goes into the binary counts towards its hash.
		Exclude: jsii.Strings("*_test.go", "testdata", "*.md", "Dockerfile", ".dockerignore"),
		Bundling: &awscdk.BundlingOptions{
			Local:      build,
			Image:      awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1.26-alpine")),
			Command:    jsii.Strings("sh", "-c", build.shell("/asset-output/"+FileName)),
			OutputType: awscdk.BundlingOutput_SINGLE_FILE,
		},
	})
	return b
}

// goBuild cross-compiles the service with the local Go toolchain.
type goBuild struct{ dir, goarch string }

func (g *goBuild) args(output string) []string {
	return []string{"build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", output, "."}
}

func (g *goBuild) env() []string {
	return []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + g.goarch}
}

// shell is the same build as one command for the Docker fallback, which
// builds a copy of the source without its VCS metadata.
func (g *goBuild) shell(output string) string {
	words := append(g.env(), "GOFLAGS=-buildvcs=false", "go")
	words = append(words, g.args(output)...)
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	return "env " + strings.Join(quoted, " ")
}

// TryBundle implements awscdk.ILocalBundling. A false return makes the CDK
// try Docker, so the reason is printed first.
func (g *goBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	cmd := exec.Command("go", g.args(filepath.Join(*outputDir, FileName))...)
	cmd.Dir = g.dir
	// The parent's environment carries GOPATH, GOCACHE and the proxy settings.
	cmd.Env = append(os.Environ(), g.env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the hash service in %s for linux/%s with the local Go failed (%v); trying Docker:\n%s\n", g.dir, g.goarch, err, out)
		return jsii.Bool(false)
	}
	return jsii.Bool(true)
}
