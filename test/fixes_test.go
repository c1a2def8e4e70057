package test

import (
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/stacks"
)

// builtFixes are the fixes that synthesize today.
func builtFixes(t *testing.T) []stacks.Fix {
	var out []stacks.Fix
	for _, f := range stacks.AllFixes {
		if _, err := stacks.ParseFixSet(string(f)); err == nil {
			out = append(out, f)
		} else if !strings.Contains(err.Error(), "not built yet") && !strings.Contains(err.Error(), "requires") {
			t.Fatalf("fix %s: %v", f, err)
		}
	}
	return out
}

// Each built fix, applied alone to the baseline, removes exactly the flaws
// the catalog says it removes and leaves every other flaw in place.
func TestEachFixRemovesItsFlawsAndOnlyThose(t *testing.T) {
	for _, fix := range builtFixes(t) {
		t.Run(string(fix), func(t *testing.T) {
			tpl := synth(t, string(fix), synthOptions{})
			for _, flaw := range stacks.Flaws {
				t.Run(string(flaw.ID), func(t *testing.T) {
					present, evidence := flawChecks[flaw.ID](t, tpl)
					switch {
					case flaw.FixedBy == fix && present:
						t.Errorf("%s should remove %s, yet: %s", fix, flaw.ID, evidence)
					case flaw.FixedBy != fix && !present:
						t.Errorf("%s should leave %s alone, yet: %s", fix, flaw.ID, evidence)
					}
				})
			}
		})
	}
}

func TestBuiltFixesTogetherPassTemplateValidation(t *testing.T) {
	var names []string
	for _, f := range builtFixes(t) {
		names = append(names, string(f))
	}
	if len(names) == 0 {
		t.Skip("no fix is built")
	}
	dir := t.TempDir()
	synth(t, strings.Join(names, ","), synthOptions{validate: true, outdir: dir})
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
