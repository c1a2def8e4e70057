package test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/gates/plan"
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
	for i, f := range catalog.AllFixes {
		from, to := catalog.NewFixSet(catalog.AllFixes[:i]...), catalog.NewFixSet(catalog.AllFixes[:i+1]...)
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
		for _, want := range stepPlans[f] {
			if got := len(changeOf(pl, want.typ, want.action)); got != want.n || want.noCleanup && len(pl.Cleanup) != 0 {
				t.Errorf("%s: %d %s of %s (want %d%s): %s\n%s", f, got, want.action, want.typ, want.n, map[bool]string{true: ", and nothing removed"}[want.noCleanup], want.why, pl)
			}
		}
		// Nothing a request crosses is ever replaced: a move builds the
		// new part beside the old one.
		for _, typ := range []string{"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::Service"} {
			if cs := changeOf(pl, typ, plan.Replace, plan.MayReplace); len(cs) > 0 {
				t.Errorf("%s replaces %v", f, cs)
			}
		}
	}
}

// stepPlans are what some steps' plans must hold, beyond what every
// step's must.
var stepPlans = map[catalog.Fix][]struct {
	typ       string
	action    plan.Action
	n         int
	noCleanup bool
	why       string
}{
	catalog.FixCache:     {{"AWS::CloudFront::Distribution", plan.Add, 1, true, "CloudFront goes in front, nothing else goes"}},
	catalog.FixDeploy:    {{"AWS::ElasticLoadBalancing::LoadBalancer", plan.Modify, 1, false, "TCP to HTTP: the Classic LB's health check is updated in place, not added or removed"}},
	catalog.FixFargate:   {{"AWS::ElasticLoadBalancingV2::TargetGroup", plan.Add, 1, true, "instance targets to IP targets: a new group beside the old, never the old one replaced (TargetType is create-only)"}},
	catalog.FixRetireEC2: {{"AWS::AutoScaling::AutoScalingGroup", plan.Remove, 1, false, "the fleet is removed in cleanup"}},
	catalog.FixRetireCLB: {{"AWS::ElasticLoadBalancing::LoadBalancer", plan.Remove, 1, false, "the Classic LB is removed in cleanup"}},
	catalog.FixHarden: {
		{"AWS::ElasticLoadBalancingV2::LoadBalancer", plan.Remove, 1, false, "the public ALB is removed"},
		{"AWS::CloudFront::VpcOrigin", plan.Add, 0, false, "the VPC origin was created by vpc-origin, not now"},
	},
}

// gapSteps are the deploys the checker must find gapless: each step of
// the canonical path, and each fix applied alone to the fixes it requires.
func gapSteps() [][2]catalog.FixSet {
	var out [][2]catalog.FixSet
	seen := map[string]bool{}
	add := func(from, to catalog.FixSet) {
		if key := from.String() + ">" + to.String(); !seen[key] {
			seen[key] = true
			out = append(out, [2]catalog.FixSet{from, to})
		}
	}
	for i := range catalog.AllFixes {
		add(catalog.NewFixSet(catalog.AllFixes[:i]...), catalog.NewFixSet(catalog.AllFixes[:i+1]...))
	}
	for _, f := range catalog.AllFixes {
		add(catalog.NewFixSet(f.Requires()...), catalog.NewFixSet(append(f.Requires(), f)...))
	}
	return out
}

// Every deploy along the path, and every fix alone, keeps the Endpoint
// reaching targets in service at every moment CloudFormation's order
// allows (gates/plan's model).
func TestEveryStepKeepsServing(t *testing.T) {
	rules := replacementRules(t)
	for _, s := range gapSteps() {
		t.Run(s[0].String()+" to "+s[1].String(), func(t *testing.T) {
			before, after := synth(t, s[0].String(), synthOptions{}), synth(t, s[1].String(), synthOptions{})
			gaps, err := plan.Gaps(before.raw, after.raw, plan.Update(before.raw, after.raw, rules))
			if err != nil {
				t.Fatal(err)
			}
			if len(gaps) > 0 {
				t.Errorf("%s", plan.GapReport(gaps))
			}
			targetsWaitForTheirIngressRules(t, after)
		})
	}
}

// targetsWaitForTheirIngressRules checks what the checker assumes of
// security groups: an Auto Scaling group or ECS service is created or
// updated only after the ingress rules of its security groups exist, so
// its new targets can pass the load balancer's health checks.
func targetsWaitForTheirIngressRules(t *testing.T, tpl *template) {
	t.Helper()
	groupsOf := func(r resource) []string {
		if r.body["Type"] == "AWS::ECS::Service" {
			return refs(r.prop("NetworkConfiguration", "AwsvpcConfiguration", "SecurityGroups"))
		}
		var out []string
		for _, lt := range refs(r.prop("LaunchTemplate")) {
			out = append(out, refs(resource{lt, tpl.resources[lt]}.prop("LaunchTemplateData", "SecurityGroupIds"))...)
		}
		return out
	}
	for _, typ := range []string{"AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::Service"} {
		for _, target := range tpl.ofType(typ) {
			groups := groupsOf(target)
			if len(groups) == 0 {
				t.Errorf("%s: no security group found", target.id)
			}
			for _, rule := range tpl.ofType("AWS::EC2::SecurityGroupIngress") {
				if g := refs(rule.prop("GroupId")); len(g) > 0 && slices.Contains(groups, g[0]) && !slices.Contains(target.dependsOn(), rule.id) {
					t.Errorf("%s does not wait for %s", target.id, rule.id)
				}
			}
		}
	}
}

// withoutDependsOn returns a copy of tpl whose resources of type typ no
// longer wait for resources of type on.
func withoutDependsOn(t *testing.T, tpl *template, typ, on string) map[string]any {
	t.Helper()
	raw, err := json.Marshal(tpl.raw)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	res := out["Resources"].(map[string]any)
	cut := 0
	for _, r := range res {
		r := r.(map[string]any)
		deps, _ := r["DependsOn"].([]any)
		if r["Type"] != typ {
			continue
		}
		var keep []any
		for _, d := range deps {
			if res[d.(string)].(map[string]any)["Type"] == on {
				cut++
				continue
			}
			keep = append(keep, d)
		}
		r["DependsOn"] = keep
	}
	if cut == 0 {
		t.Fatalf("no %s waits for a %s", typ, on)
	}
	return out
}

// The dependencies that make the two-deploy moves gapless: without each,
// the checker finds the gap it closes.
func TestTheDependenciesThatCloseTheGaps(t *testing.T) {
	rules := replacementRules(t)
	path := func(fix catalog.Fix) (from, to string) {
		i := slices.Index(catalog.AllFixes, fix)
		return catalog.NewFixSet(catalog.AllFixes[:i]...).String(), catalog.NewFixSet(catalog.AllFixes[:i+1]...).String()
	}
	for _, c := range []struct {
		fix      catalog.Fix
		typ, on  string
		mentions string
	}{
		// The instances leave the Classic LB only after CloudFront left it.
		{catalog.FixRetireCLB, "AWS::AutoScaling::AutoScalingGroup", "AWS::CloudFront::Distribution", "ClbLoadBalancer"},
		// The tasks leave the public ALB only after CloudFront left it.
		{catalog.FixHarden, "AWS::ECS::Service", "AWS::CloudFront::Distribution", "AlbTaskTargetGroup"},
		// The ECS service is created after the listener has its target
		// group (ECS requires it) at weight 0: with weight 1 the listener
		// would send requests to a group the service has not filled yet.
		{catalog.FixFargate, "", "", "AlbTaskTargetGroup"},
	} {
		t.Run(string(c.fix), func(t *testing.T) {
			from, to := path(c.fix)
			before, after := synth(t, from, synthOptions{}), synth(t, to, synthOptions{})
			if gaps, _ := plan.Gaps(before.raw, after.raw, plan.Update(before.raw, after.raw, rules)); len(gaps) != 0 {
				t.Fatalf("gaps as built:\n%s", plan.GapReport(gaps))
			}
			var broken map[string]any
			if c.typ != "" {
				broken = withoutDependsOn(t, after, c.typ, c.on)
			} else {
				listener := after.one(t, "AWS::ElasticLoadBalancingV2::Listener")
				groups := listener.prop("DefaultActions", 0, "ForwardConfig", "TargetGroups").([]any)
				if w := groups[1].(map[string]any)["Weight"]; w != 0.0 {
					t.Fatalf("the tasks' group has weight %v, want 0", w)
				}
				groups[1].(map[string]any)["Weight"] = 1.0
				broken = after.raw
				defer func() { groups[1].(map[string]any)["Weight"] = 0.0 }()
			}
			gaps, err := plan.Gaps(before.raw, broken, plan.Update(before.raw, broken, rules))
			if err != nil {
				t.Fatal(err)
			}
			if report := plan.GapReport(gaps); len(gaps) == 0 || !strings.Contains(report, c.mentions) {
				t.Errorf("without it, want a gap at %s; got\n%s", c.mentions, report)
			}
		})
	}
}
