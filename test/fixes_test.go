package test

import (
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/stacks"
)

// fixSets are the sets every flaw is checked against: each fix applied
// alone to the baseline (with the fixes it requires), and each step of the
// canonical path from the baseline to the target.
func fixSets(t *testing.T) []stacks.FixSet {
	t.Helper()
	var out []stacks.FixSet
	seen := map[string]bool{}
	add := func(fixes ...stacks.Fix) {
		set := stacks.NewFixSet(fixes...)
		for _, f := range fixes {
			// Add what the fix requires: the parser names it.
			if _, err := stacks.ParseFixSet(set.String()); err != nil {
				for _, need := range stacks.AllFixes {
					if strings.Contains(err.Error(), string(f)+" requires "+string(need)) {
						set = stacks.NewFixSet(append(set.Fixes(), need)...)
					}
				}
			}
		}
		if _, err := stacks.ParseFixSet(set.String()); err != nil {
			t.Fatalf("fix set %s: %v", set, err)
		}
		if !seen[set.String()] {
			seen[set.String()] = true
			out = append(out, set)
		}
	}
	for _, f := range stacks.AllFixes {
		add(f)
	}
	for i := range stacks.AllFixes {
		add(stacks.AllFixes[:i+1]...)
	}
	return out
}

// Every flaw is in a template exactly when the catalog says it remains:
// until its fix is applied, or the part it lives on is gone.
func TestEveryFlawGoesWithItsFixAndOnlyThen(t *testing.T) {
	for _, set := range fixSets(t) {
		t.Run(set.String(), func(t *testing.T) {
			tpl := synth(t, set.String(), synthOptions{})
			for _, flaw := range stacks.Flaws {
				t.Run(string(flaw.ID), func(t *testing.T) {
					present, evidence := flawChecks[flaw.ID](t, tpl)
					if want := set.Present(flaw.ID); present != want {
						t.Errorf("%s present = %v, want %v (fixed by %s): %s", flaw.ID, present, want, flaw.FixedBy, evidence)
					}
				})
			}
		})
	}
}

func TestTargetPassesTemplateValidation(t *testing.T) {
	dir := t.TempDir()
	synth(t, "all", synthOptions{validate: true, outdir: dir})
	expectCleanValidation(t, dir)
}

func TestSubnetsFixMovesOnlyTheFleet(t *testing.T) {
	base, wide := synth(t, "none", synthOptions{}), synth(t, "subnets", synthOptions{})
	// Every subnet of the baseline keeps its logical ID and CIDR.
	for _, s := range base.ofType("AWS::EC2::Subnet") {
		after, ok := wide.resources[s.id]
		if !ok {
			t.Errorf("subnet %s deleted", s.id)
			continue
		}
		if text(after["Properties"]) != text(s.body["Properties"]) {
			t.Errorf("subnet %s changed: CloudFormation would replace it", s.id)
		}
	}
	// The forgotten instance stays where it was: the fix must not replace it.
	if a, b := base.one(t, "AWS::EC2::Instance"), wide.one(t, "AWS::EC2::Instance"); a.id != b.id || text(a.prop("SubnetId")) != text(b.prop("SubnetId")) {
		t.Errorf("forgotten instance moved from %s to %s", text(a.prop("SubnetId")), text(b.prop("SubnetId")))
	}
	// The fleet now launches into a /20.
	g := wide.one(t, "AWS::AutoScaling::AutoScalingGroup")
	for _, id := range refs(g.prop("VPCZoneIdentifier")) {
		if bits := prefix(t, resource{id, wide.resources[id]}).Bits(); bits != 20 {
			t.Errorf("fleet subnet %s is a /%d, want /20", id, bits)
		}
	}
}

func TestDeployFixChecksHealthOverHTTP(t *testing.T) {
	tpl := synth(t, "deploy", synthOptions{})
	clb := tpl.one(t, "AWS::ElasticLoadBalancing::LoadBalancer")
	if target := clb.prop("HealthCheck", "Target"); target != "HTTP:8080/healthz" {
		t.Errorf("health check target %v, want HTTP:8080/healthz", target)
	}
	g := tpl.one(t, "AWS::AutoScaling::AutoScalingGroup")
	if g.prop("HealthCheckType") != "ELB" || g.prop("HealthCheckGracePeriod") != float64(60) {
		t.Errorf("group health check %v grace %v", g.prop("HealthCheckType"), g.prop("HealthCheckGracePeriod"))
	}
}

func TestCleanupLeavesOneNatGatewayAndNoIdleResources(t *testing.T) {
	tpl := synth(t, "cleanup", synthOptions{})
	for typ, want := range map[string]int{"AWS::EC2::NatGateway": 1, "AWS::EC2::EIP": 1, "AWS::EC2::Volume": 0, "AWS::EC2::Instance": 0} {
		if n := len(tpl.ofType(typ)); n != want {
			t.Errorf("%d %s, want %d", n, typ, want)
		}
	}
}
