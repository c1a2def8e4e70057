package test

import (
	"slices"
	"testing"

	"github.com/unicorn-rentals/gameday/gates/plan"
	"github.com/unicorn-rentals/gameday/spec"
)

func replacementRules(t *testing.T) plan.Replacements {
	t.Helper()
	rules, err := plan.LoadReplacements("../" + plan.ReplacementDB)
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func changeOf(p plan.Plan, typ string, actions ...plan.Action) []plan.Change {
	var out []plan.Change
	for _, c := range append(slices.Clone(p.Update), p.Cleanup...) {
		if c.Type == typ && slices.Contains(actions, c.Action) {
			out = append(out, c)
		}
	}
	return out
}

// The update plan of each step of the path, from the CDK CLI's own
// replacement rules: what is added, changed, replaced and removed, in
// CloudFormation's order.
func TestTheUpdatePlanOfEachStep(t *testing.T) {
	rules := replacementRules(t)
	for i, f := range spec.AllFixes {
		from, to := spec.NewFixSet(spec.AllFixes[:i]...), spec.NewFixSet(spec.AllFixes[:i+1]...)
		before, after := synth(t, from.String(), synthOptions{}), synth(t, to.String(), synthOptions{})
		pl := plan.Update(before.raw, after.raw, rules)
		t.Run(string(f), func(t *testing.T) {
			if len(pl.Update) == 0 {
				t.Fatal("no change")
			}
			// Dependencies first in the update, dependents first in cleanup.
			pos := map[string]int{}
			for i, c := range pl.Update {
				pos[c.ID] = i
			}
			for i, c := range pl.Update {
				for _, d := range refs(after.resources[c.ID]) {
					if j, ok := pos[d]; ok && j > i {
						t.Errorf("%s is updated before %s, which it refers to", c.ID, d)
					}
				}
			}
			// Nothing that holds the game's address or its network is
			// replaced or might be.
			for _, typ := range []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::CloudFront::Distribution", "AWS::CloudFront::VpcOrigin", "AWS::ElasticLoadBalancing::LoadBalancer"} {
				if cs := changeOf(pl, typ, plan.Replace, plan.MayReplace); len(cs) > 0 {
					t.Errorf("%s: %v", typ, cs)
				}
			}
		})
		switch f {
		case spec.FixCache:
			if len(changeOf(pl, "AWS::CloudFront::Distribution", plan.Add)) != 1 || len(pl.Cleanup) != 0 {
				t.Errorf("cache: %s", pl)
			}
		case spec.FixDeploy:
			// TCP to HTTP: a health check changed, not added or removed.
			if len(changeOf(pl, "AWS::ElasticLoadBalancing::LoadBalancer", plan.Modify)) != 1 {
				t.Errorf("deploy: the Classic LB's health check change is not an update in place:\n%s", pl)
			}
		case spec.FixFargate:
			// Instance targets to IP targets: TargetType replaces the group.
			if cs := changeOf(pl, "AWS::ElasticLoadBalancingV2::TargetGroup", plan.Replace); len(cs) != 2 || !slices.Contains(cs[0].Properties, "TargetType") {
				t.Errorf("fargate: the target group is not replaced for its TargetType:\n%s", pl)
			}
			if len(changeOf(pl, "AWS::AutoScaling::AutoScalingGroup", plan.Remove)) != 1 {
				t.Errorf("fargate: the fleet is not removed in cleanup:\n%s", pl)
			}
		}
	}
}
