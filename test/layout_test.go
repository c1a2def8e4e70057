package test

import (
	"os/exec"
	"strings"
	"testing"
)

// The game's domain and the game itself import no CDK code: data flows
// one way, from the config to the stacks, never back into the game.
func TestTheGameAndItsDomainImportNoCDK(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", "./spec/...", "./game/...", "./test/testkit/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
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
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	callers := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
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
	cmd = exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./game/board")
	cmd.Dir = ".."
	deps, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if strings.Contains(string(deps), "aws-sdk-go-v2") {
		t.Error("game/board depends on the AWS SDK")
	}
}
