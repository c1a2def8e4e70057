package test

import (
	"slices"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/contract"
)

// With a facilitator account, the game stack has a role that account may
// assume, allowing exactly the calls the live bill and the script's
// experiments make, passing only the chaos stack's role to FIS, and names
// it in an output; without one, no role.
func TestTheBillReaderRole(t *testing.T) {
	if roles := synth(t, "none", synthOptions{}).raw["Outputs"].(map[string]any)[contract.BillReaderRoleOutput]; roles != nil {
		t.Error("a role without a facilitator account")
	}
	for _, set := range []string{"none", "all"} {
		tpl := synth(t, set, synthOptions{configure: func(c *config.Config) {
			c.FacilitatorAccount, c.ExternalID = "123456789012", "team-07-0123456789abcdef"
		}})
		var role, policy resource
		for _, r := range tpl.ofType("AWS::IAM::Role") {
			// The facilitator's account, and only with the team's ExternalId
			// (moto does not enforce the condition: the document is checked).
			if text(r.prop("AssumeRolePolicyDocument")) == `{"Statement":[{"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"team-07-0123456789abcdef"}},"Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::123456789012:root"]]}}}],"Version":"2012-10-17"}` {
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
		if len(stmts) != 3 {
			t.Fatalf("%s: %d statements, want the bill's, the experiments' and passing the chaos role", set, len(stmts))
		}
		actionsOf := func(i int) []string {
			var out []string
			switch a := stmts[i].(map[string]any)["Action"].(type) {
			case string:
				out = append(out, a)
			case []any:
				for _, x := range a {
					out = append(out, x.(string))
				}
			}
			return slices.Sorted(slices.Values(out))
		}
		for i, want := range [][]string{contract.BillReaderActions, contract.MonkeyActions, {"iam:PassRole"}} {
			want = slices.Sorted(slices.Values(want))
			if got := actionsOf(i); !slices.Equal(got, want) || stmts[i].(map[string]any)["Effect"] != "Allow" {
				t.Errorf("%s: statement %d allows %v, want exactly %v", set, i, got, want)
			}
		}
		if pass := text(stmts[2]); !strings.Contains(pass, `"iam:PassedToService":"fis.amazonaws.com"`) || !strings.Contains(pass, ":role/UnicornRentals-Chaos-*") {
			t.Errorf("%s: passing roles %s: want only the chaos stack's, to FIS only", set, pass)
		}
		out := tpl.raw["Outputs"].(map[string]any)[contract.BillReaderRoleOutput]
		if out == nil || !slices.Contains(refs(out), role.id) {
			t.Errorf("%s: output %v does not name the role", set, out)
		}
	}
}
