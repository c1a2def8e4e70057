package test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// goList runs go list in the repository's root and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// The game's domain and the game itself import no CDK code: data flows
// one way, from the config to the stacks, never back into the game.
func TestTheGameAndItsDomainImportNoCDK(t *testing.T) {
	deps := goList(t, "-deps", "-test", "-f", "{{.ImportPath}}", "./config/...", "./catalog/...", "./contract/...", "./teamsfile/...", "./cfn/...", "./game/...", "./test/testkit/...")
	if len(deps) < 50 {
		t.Fatalf("go list gave %d packages: the listing is broken", len(deps))
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "github.com/aws/aws-cdk-go/") || strings.HasPrefix(p, "github.com/aws/jsii-runtime-go") ||
			p == "github.com/unicorn-rentals/gameday/stacks" || strings.HasPrefix(p, "github.com/unicorn-rentals/gameday/constructs/") {
			t.Errorf("the game or its domain depends on %s", p)
		}
	}
}

// Every call into a team's account goes through one package: only
// game/accounts imports the AWS SDK's services, and the board does not
// depend on it (the command gives it a LiveBill).
func TestOnlyTheAccountsPackageCallsAWS(t *testing.T) {
	callers := 0
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, "github.com/aws/aws-sdk-go-v2/") {
				if fields[0] != "github.com/unicorn-rentals/gameday/game/accounts" {
					t.Errorf("%s imports %s: calls into team accounts belong in game/accounts", fields[0], imp)
				}
				callers++
			}
		}
	}
	if callers == 0 {
		t.Fatal("no package imports the AWS SDK: the listing is broken")
	}
	if deps := goList(t, "-deps", "-f", "{{.ImportPath}}", "./game/board"); slices.ContainsFunc(deps, func(d string) bool { return strings.Contains(d, "aws-sdk-go-v2") }) {
		t.Error("game/board depends on the AWS SDK")
	}
}

// largeFileAllowed names the tracked files allowed over maxTrackedBytes,
// each with its reason. Every other large file is build output or data
// that belongs elsewhere: a clone carries every version of it for good.
var largeFileAllowed = map[string]string{}

// maxTrackedBytes is the largest file a commit may add unless allowed.
const maxTrackedBytes = 1 << 20

// layers places every package of the repository: a package imports only
// packages of lower layers, and those of its own layer where the layer
// says so (Go keeps them free of cycles). Data flows one way: context ->
// config -> stacks -> templates -> gates; scenario -> engine -> board.
// A new package fails the test until it is placed here.
var layers = []struct {
	name     string
	packages []string // import paths below the module, a trailing /... for a tree
	within   bool     // its packages may import each other
}{
	{"leaves: the service's wire contract, the template reader", []string{"service/api", "cfn"}, false},
	{"the domain: names, the catalog, the teams file, the app's configuration", []string{"contract", "catalog", "teamsfile", "config"}, true},
	{"the constructs", []string{"constructs/..."}, true},
	{"the game's core", []string{"game"}, false},
	{"the stacks; the board, the accounts and the local game; the gates; the example to copy", []string{"stacks", "game/board", "game/accounts", "game/local", "game/cmd/internal/cli", "gates", "gates/plan", "examples/target"}, false},
	{"the commands", []string{"", "game/cmd/gameday", "game/cmd/localgame", "gates/cmd/check", "gates/cmd/plan", "examples/target/cmd/target"}, false},
	{"the whole-app tests", []string{"test/..."}, true},
}

const module = "github.com/unicorn-rentals/gameday"

// layerOf is the layer of an import path in the repository, -1 for none.
func layerOf(pkg string) int {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	for i, l := range layers {
		for _, p := range l.packages {
			if tree, ok := strings.CutSuffix(p, "/..."); ok && (rel == tree || strings.HasPrefix(rel, tree+"/")) || rel == p {
				return i
			}
		}
	}
	return -1
}

// Nothing lower imports anything higher, and nothing sideways across
// layers: stacks and the game never import each other.
func TestEveryPackageImportsOnlyLowerLayers(t *testing.T) {
	checked := 0
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...", module+"/service/api") {
		fields := strings.Fields(line)
		pkg := fields[0]
		layer := layerOf(pkg)
		if layer < 0 {
			t.Errorf("%s is in no layer: place it in test/layout_test.go's layers", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			checked++
			il := layerOf(imp)
			if il >= 0 && (il < layer || il == layer && layers[layer].within) {
				continue
			}
			t.Errorf("%s (%s) imports %s (%s): a package imports only lower layers", pkg, layers[layer].name, imp, layers[max(il, 0)].name)
		}
	}
	if checked < 40 {
		t.Fatalf("%d imports checked: the listing is broken", checked)
	}
}

// The CDK app links no part of the game: synth neither builds nor runs
// the scoreboard, the engine or the calls into team accounts.
func TestTheCDKAppLinksNoPartOfTheGame(t *testing.T) {
	deps := goList(t, "-deps", "-f", "{{.ImportPath}}", ".")
	if !slices.Contains(deps, module+"/stacks") {
		t.Fatalf("the app does not depend on stacks: the listing is broken")
	}
	for _, d := range deps {
		if d == module+"/game" || strings.HasPrefix(d, module+"/game/") || strings.HasPrefix(d, "github.com/aws/aws-sdk-go-v2/service/") {
			t.Errorf("the CDK app links %s", d)
		}
	}
}

// A clone stays small: no tracked file over 1 MiB but the allowed ones.
func TestNoLargeFileIsTracked(t *testing.T) {
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 100 {
		t.Fatalf("git ls-files listed %d files: the listing is broken", len(files))
	}
	for _, f := range files {
		info, err := os.Lstat(filepath.Join("..", f))
		if err != nil {
			continue // deleted in the work tree, not yet committed
		}
		if info.Size() > maxTrackedBytes {
			if _, ok := largeFileAllowed[f]; !ok {
				t.Errorf("%s is tracked and %d bytes (over %d): remove it with git rm --cached, ignore it if it is build output, or allow it with a reason in largeFileAllowed", f, info.Size(), maxTrackedBytes)
			}
		}
	}
	for f := range largeFileAllowed {
		if !slices.Contains(files, f) {
			t.Errorf("largeFileAllowed names %s, which is not tracked: remove it from the list", f)
		}
	}
}

// What `go build` writes where it runs (the app's, a command's and the
// service's binaries) and make's folders are ignored, so git add -A never
// commits them.
func TestBuildOutputIsIgnored(t *testing.T) {
	outputs := []string{"gameday", "unicorn-rentals", "check", "plan", "localgame", "service/service", "bin/gameday", "out/none/UnicornRentals.template.json", "cdk.out/manifest.json", "node_modules", "test/test.test"}
	for _, o := range outputs {
		// One path a call: check-ignore gives up on every path when one
		// lies beyond a symbolic link.
		cmd := exec.Command("git", "check-ignore", "--no-index", "--quiet", o)
		cmd.Dir = ".."
		if err := cmd.Run(); err != nil {
			t.Errorf("%s is not ignored (%v): add it to .gitignore", o, err)
		}
	}
}

// The target's constructs are the pattern, not the hash service: what is
// the service's (its cache key, health path, port, container) the stacks
// pass in. Only the baseline's fleet, which installs the service on its
// instances, imports it.
func TestTheTargetsConstructsImportNothingOfTheService(t *testing.T) {
	lines := goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./constructs/...")
	if len(lines) < 10 {
		t.Fatalf("go list gave %d construct packages: the listing is broken", len(lines))
	}
	for _, line := range lines {
		fields := strings.Fields(line)
		if fields[0] == "github.com/unicorn-rentals/gameday/constructs/fleet" {
			continue
		}
		if slices.ContainsFunc(fields[1:], func(imp string) bool { return strings.HasPrefix(imp, "github.com/unicorn-rentals/gameday/service") }) {
			t.Errorf("%s imports the hash service: take what is the service's as a prop", fields[0])
		}
	}
}
