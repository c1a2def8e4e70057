package test

import (
	"slices"
	"testing"

	"github.com/unicorn-rentals/gameday/spec"
)

// With a facilitator account, the game stack has a role that account may
// assume, allowing exactly the calls the live bill makes, and names it in
// an output; without one, no role.
func TestTheBillReaderRole(t *testing.T) {
	if roles := synth(t, "none", synthOptions{}).raw["Outputs"].(map[string]any)[spec.BillReaderRoleOutput]; roles != nil {
		t.Error("a role without a facilitator account")
	}
	for _, set := range []string{"none", "all"} {
		tpl := synth(t, set, synthOptions{configure: func(c *spec.Config) { c.FacilitatorAccount = "123456789012" }})
		var role, policy resource
		for _, r := range tpl.ofType("AWS::IAM::Role") {
			if text(r.prop("AssumeRolePolicyDocument")) == `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::123456789012:root"]]}}}],"Version":"2012-10-17"}` {
				role = r
			}
		}
		if role.id == "" {
			t.Fatalf("%s: no role the facilitator's account may assume", set)
		}
		for _, p := range tpl.ofType("AWS::IAM::Policy") {
			if slices.Contains(refs(p.prop("Roles")), role.id) {
				policy = p
			}
		}
		stmts := policy.prop("PolicyDocument", "Statement").([]any)
		if len(stmts) != 1 {
			t.Fatalf("%s: %d statements", set, len(stmts))
		}
		var actions []string
		for _, a := range stmts[0].(map[string]any)["Action"].([]any) {
			actions = append(actions, a.(string))
		}
		want := slices.Sorted(slices.Values(spec.BillReaderActions))
		if !slices.Equal(slices.Sorted(slices.Values(actions)), want) || stmts[0].(map[string]any)["Effect"] != "Allow" {
			t.Errorf("%s: the role allows %v, want exactly %v", set, actions, want)
		}
		out := tpl.raw["Outputs"].(map[string]any)[spec.BillReaderRoleOutput]
		if out == nil || !slices.Contains(refs(out), role.id) {
			t.Errorf("%s: output %v does not name the role", set, out)
		}
	}
}
