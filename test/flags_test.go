package test

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/config"
)

// recommendedFlags reads the feature flags the pinned aws-cdk-lib
// recommends, the ones cdk init writes into a new project's cdk.json, from
// the library's own package inside the Go module.
func recommendedFlags(t *testing.T) (map[string]any, string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Version}}", "github.com/aws/aws-cdk-go/awscdk/v2").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dir, version, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	tgz := filepath.Join(dir, "jsii", "aws-cdk-lib-"+strings.TrimPrefix(version, "v")+".tgz")
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s has no recommended-feature-flags.json", tgz)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "package/recommended-feature-flags.json" {
			var flags map[string]any
			if err := json.NewDecoder(tr).Decode(&flags); err != nil {
				t.Fatal(err)
			}
			return flags, "aws-cdk-lib " + version
		}
	}
}

// cdk.json carries every feature flag the pinned aws-cdk-lib recommends,
// with its recommended value, unless gates/feature-flag-exceptions.json
// says why not.
func TestCdkJSONHasTheRecommendedFeatureFlags(t *testing.T) {
	recommended, lib := recommendedFlags(t)
	if len(recommended) < 50 {
		t.Fatalf("%s recommends %d flags: the reading is broken", lib, len(recommended))
	}
	ours, err := config.CDKJSONContext("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../gates/feature-flag-exceptions.json")
	if err != nil {
		t.Fatal(err)
	}
	var exceptions []struct {
		Flag   string `json:"flag"`
		Value  any    `json:"value"`
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(raw, &exceptions); err != nil {
		t.Fatalf("gates/feature-flag-exceptions.json: %v", err)
	}
	excepted := map[string]any{}
	for _, e := range exceptions {
		if strings.TrimSpace(e.Reason) == "" {
			t.Errorf("gates/feature-flag-exceptions.json: %s has no reason", e.Flag)
		}
		excepted[e.Flag] = e.Value
	}
	for flag, want := range recommended {
		got, ok := ours[flag]
		if v, ok := excepted[flag]; ok {
			want = v
		}
		switch {
		case !ok:
			t.Errorf("cdk.json lacks %s, which %s recommends (%v)", flag, lib, want)
		case !reflect.DeepEqual(got, want):
			t.Errorf("cdk.json sets %s to %v; %s recommends %v: set it, or say why not in gates/feature-flag-exceptions.json", flag, got, lib, fmt.Sprint(want))
		}
	}
}
