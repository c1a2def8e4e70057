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
