package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/contract"
)

// The IAM tests read the synthesized policy documents: moto grants every
// call whatever the policy says, so a deny is checked on the document.

const (
	facilitatorAccount = "123456789012"
	teamExternalID     = "team-07-0123456789abcdef"
	laptopBoardRole    = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*GameDayFacilitator*"
)

func withFacilitator(c *config.Config) {
	c.FacilitatorAccount, c.ExternalID, c.BoardRole = facilitatorAccount, teamExternalID, laptopBoardRole
}

// statement is one statement of a policy document.
type statement map[string]any

func (s statement) actions() []string { return sortedStrings(s["Action"]) }

func sortedStrings(v any) []string {
	var out []string
	switch a := v.(type) {
	case string:
		out = append(out, a)
	case []any:
		for _, x := range a {
			out = append(out, fmt.Sprint(x))
		}
	}
	return slices.Sorted(slices.Values(out))
}

// statements are a role's, from its inline policies and the
// AWS::IAM::Policy resources attached to it.
func (tpl *template) statements(t *testing.T, role resource) []statement {
	t.Helper()
	var docs []any
	for _, p := range tpl.ofType("AWS::IAM::Policy") {
		if slices.Contains(refs(p.prop("Roles")), role.id) {
			docs = append(docs, p.prop("PolicyDocument"))
		}
	}
	inline, _ := role.prop("Policies").([]any)
	for _, p := range inline {
		docs = append(docs, p.(map[string]any)["PolicyDocument"])
	}
	var out []statement
	for _, d := range docs {
		for _, s := range d.(map[string]any)["Statement"].([]any) {
			st := statement(s.(map[string]any))
			if st["Effect"] != "Allow" {
				t.Errorf("role %s: a statement that is not Allow: %v", role.id, text(st))
			}
			out = append(out, st)
		}
	}
	return out
}

// roleTagged is the one role carrying the game's role tag with value.
func (tpl *template) roleTagged(t *testing.T, value string) resource {
	t.Helper()
	var found []resource
	for _, r := range tpl.ofType("AWS::IAM::Role") {
		if tagsOf(r)[contract.RoleTag] == value {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d roles tagged %s=%s, want 1", len(found), contract.RoleTag, value)
	}
	return found[0]
}

// wantFacilitatorTrust checks a team role's trust: the facilitator's
// account, only with the team's ExternalId, and only as the facilitator
// stack's roles or the board role given.
func wantFacilitatorTrust(t *testing.T, role resource) {
	t.Helper()
	trust := text(role.prop("AssumeRolePolicyDocument"))
	want := `{"Statement":[{"Action":"sts:AssumeRole","Condition":{"ArnLike":{"aws:PrincipalArn":[{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::123456789012:role/UnicornRentals-Facilitator-*"]]},"` + laptopBoardRole + `"]},"StringEquals":{"sts:ExternalId":"` + teamExternalID + `"}},"Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::123456789012:root"]]}}}],"Version":"2012-10-17"}`
	if trust != want {
		t.Errorf("role %s trusts\n%s\nwant\n%s", role.id, trust, want)
	}
}

// With a facilitator account, the game stack's BillReader role reads and
// changes nothing: the bill's calls on every resource, the game and chaos
// stacks' outputs, and the one secret that holds the team's answer key;
// without one, no role.
func TestTheBillReaderRoleIsReadOnly(t *testing.T) {
	if roles := synth(t, "none", synthOptions{}).raw["Outputs"].(map[string]any)[contract.BillReaderRoleOutput]; roles != nil {
		t.Error("a role without a facilitator account")
	}
	for _, set := range []string{"none", "all"} {
		tpl := synth(t, set, synthOptions{configure: withFacilitator})
		role := tpl.roleTagged(t, contract.RoleBillReader)
		wantFacilitatorTrust(t, role)
		stmts := tpl.statements(t, role)
		if len(stmts) != 3 {
			t.Fatalf("%s: %d statements, want the bill's, the stacks' outputs and the answer key", set, len(stmts))
		}
		if got, want := stmts[0].actions(), slices.Sorted(slices.Values(contract.BillReaderActions)); !slices.Equal(got, want) || stmts[0]["Resource"] != "*" {
			t.Errorf("%s: statement 1 allows %v on %v, want exactly %v", set, got, stmts[0]["Resource"], want)
		}
		for _, a := range stmts[0].actions() {
			verb := strings.SplitN(a, ":", 2)[1]
			// CloudTrail's LookupEvents reads the account's history.
			if !strings.HasPrefix(verb, "Describe") && !strings.HasPrefix(verb, "List") && !strings.HasPrefix(verb, "Get") && verb != "LookupEvents" {
				t.Errorf("%s: the bill's role allows %s, which is not a read", set, a)
			}
		}
		for _, a := range stmts[1].actions() {
			if verb := strings.SplitN(a, ":", 2)[1]; !strings.HasPrefix(verb, "Describe") && !strings.HasPrefix(verb, "Get") {
				t.Errorf("%s: the bill's role allows %s on the stacks, which is not a read", set, a)
			}
		}
		if got, res := stmts[1].actions(), text(stmts[1]["Resource"]); !slices.Equal(got, slices.Sorted(slices.Values(contract.StackReadActions))) || !strings.Contains(res, ":stack/UnicornRentals-Chaos/*") ||
			!strings.Contains(res, ":stack/UnicornRentals/*") || strings.Count(res, ":stack/") != 2 {
			t.Errorf("%s: statement 2 %s, want only the game and chaos stacks' outputs", set, text(stmts[1]))
		}
		if got, res := stmts[2].actions(), text(stmts[2]["Resource"]); !slices.Equal(got, []string{"secretsmanager:GetSecretValue"}) || !strings.HasPrefix(res, `{"Ref":"AnswerKey`) {
			t.Errorf("%s: statement 3 %s, want the answer key's secret read, and no other", set, text(stmts[2]))
		}
		out := tpl.raw["Outputs"].(map[string]any)[contract.BillReaderRoleOutput]
		if out == nil || !slices.Contains(refs(out), role.id) {
			t.Errorf("%s: output %v does not name the role", set, out)
		}
	}
}

// The chaos stack's starter role starts only the game's experiments, as
// the stack's FIS role only, for the same principal as the bill's role.
func TestTheStarterRoleStartsOnlyTheGamesExperiments(t *testing.T) {
	if synthChaos(t, "none", nil, false).raw["Outputs"].(map[string]any)[contract.StarterRoleOutput] != nil {
		t.Error("a starter role without a facilitator account")
	}
	tpl := synthChaos(t, "none", withFacilitator, false)
	role := tpl.roleTagged(t, contract.RoleStarter)
	wantFacilitatorTrust(t, role)
	fisRole := ""
	for _, r := range tpl.ofType("AWS::IAM::Role") {
		if strings.Contains(text(r.prop("AssumeRolePolicyDocument")), "fis.amazonaws.com") {
			fisRole = r.id
		}
	}
	var allowed []string
	for _, s := range tpl.statements(t, role) {
		allowed = append(allowed, s.actions()...)
		resources, conditions := text(s["Resource"]), text(s["Condition"])
		for _, a := range s.actions() {
			switch {
			case a == "iam:PassRole":
				if !slices.Equal(refs(s["Resource"]), []string{fisRole}) || !strings.Contains(conditions, `"iam:PassedToService":"fis.amazonaws.com"`) {
					t.Errorf("passes %s (%s), want the FIS role alone, to FIS", resources, conditions)
				}
			case strings.HasPrefix(a, "fis:"):
				// Every FIS call on a template or an experiment needs the
				// game's tag on it or in the request; naming FIS's own
				// actions (which carry none) is the one exception.
				tagged := strings.Contains(conditions, "Tag/"+contract.GameTag+`":"`+contract.GameTagValue+`"`)
				if !tagged && strings.Trim(resources, "[]") != `{"Fn::Sub":"arn:${AWS::Partition}:fis:${AWS::Region}:${AWS::AccountId}:action/*"}` {
					t.Errorf("%s on %s without the game's tag (%s)", a, resources, conditions)
				}
			case slices.Contains(contract.ChaosLookupActions, a):
				if !strings.Contains(resources, ":stack/${AWS::StackName}/*") {
					t.Errorf("%s on %s, want this stack only", a, resources)
				}
			case !slices.Contains(contract.MonkeyReadActions, a):
				t.Errorf("the starter role allows %s, which the board does not call", a)
			}
		}
	}
	for _, want := range slices.Concat(contract.MonkeyReadActions, contract.MonkeyFISActions, contract.ChaosLookupActions, []string{"iam:PassRole"}) {
		if !slices.Contains(allowed, want) {
			t.Errorf("the starter role lacks %s, which the board calls", want)
		}
	}
	if out := tpl.raw["Outputs"].(map[string]any)[contract.StarterRoleOutput]; out == nil || !slices.Contains(refs(out), role.id) {
		t.Errorf("output %v does not name the starter role", out)
	}
}

// The FIS role cuts the network of the game's VPC only: the VPC comes from
// the game stack's export, and the zone outage's calls are held to it.
func TestTheFISRoleCutsOnlyTheGamesVPC(t *testing.T) {
	game := synth(t, "none", synthOptions{})
	export := game.raw["Outputs"].(map[string]any)["VpcId"].(map[string]any)
	if export["Export"].(map[string]any)["Name"] != contract.VpcIDExport(contract.DefaultStackName) || !slices.Contains(refs(export["Value"]), game.one(t, "AWS::EC2::VPC").id) {
		t.Errorf("the game stack exports %s, want its VPC as %s", text(export), contract.VpcIDExport(contract.DefaultStackName))
	}
	tpl := synthChaos(t, "none", nil, false)
	var fisRole resource
	for _, r := range tpl.ofType("AWS::IAM::Role") {
		if strings.Contains(text(r.prop("AssumeRolePolicyDocument")), "fis.amazonaws.com") {
			fisRole = r
		}
	}
	gameVpc := `{"Fn::Sub":["arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${Vpc}",{"Vpc":{"Fn::ImportValue":"UnicornRentals-VpcId"}}]}`
	seen := map[string]bool{}
	for _, s := range tpl.statements(t, fisRole) {
		resources, conditions := text(s["Resource"]), text(s["Condition"])
		if strings.Contains(resources, ":vpc/*") {
			t.Errorf("%v on every VPC: %s", s.actions(), resources)
		}
		for _, a := range s.actions() {
			seen[a] = true
			switch a {
			case "ec2:ReplaceNetworkAclAssociation":
				if conditions != `{"ArnEquals":{"ec2:Vpc":`+gameVpc+`}}` {
					t.Errorf("%s held by %s, want the game's VPC", a, conditions)
				}
			case "ec2:CreateNetworkAcl":
				if !strings.Contains(resources, gameVpc) && !strings.Contains(conditions, "managedByFIS") {
					t.Errorf("%s on %s (%s), want the game's VPC", a, resources, conditions)
				}
			}
		}
	}
	if !seen["ec2:ReplaceNetworkAclAssociation"] || !seen["ec2:CreateNetworkAcl"] {
		t.Errorf("the FIS role allows %v: the zone outage's calls are missing", seen)
	}
}

// The board's role assumes the game's roles in the teams' accounts and
// nothing else: no account wildcard, only roles carrying the game's role
// tag.
func TestTheBoardAssumesOnlyTheGamesRolesInTheTeamsAccounts(t *testing.T) {
	tpl := synthFacilitator(t, 30)
	var assume []statement
	for _, r := range tpl.ofType("AWS::IAM::Role") {
		for _, s := range tpl.statements(t, r) {
			if slices.Contains(s.actions(), "sts:AssumeRole") {
				assume = append(assume, s)
			}
		}
	}
	if len(assume) != 1 {
		t.Fatalf("%d statements allow sts:AssumeRole, want the board's one", len(assume))
	}
	s := assume[0]
	var accounts []string
	for _, r := range s["Resource"].([]any) {
		arn := text(r)
		if strings.Contains(arn, "iam::*") || !strings.HasSuffix(arn, `:role/*"]]}`) {
			t.Errorf("assumes %s, want a team account's roles", arn)
		}
		accounts = append(accounts, arn[strings.Index(arn, ":iam::")+6:][:12])
	}
	if len(accounts) != 30 || !slices.Contains(accounts, "123456789000") || !slices.Contains(accounts, "123456789029") {
		t.Errorf("assumes roles in %v, want the 30 teams' accounts", accounts)
	}
	if got := text(s["Condition"]); got != `{"StringEquals":{"iam:ResourceTag/`+contract.RoleTag+`":["`+contract.RoleBillReader+`","`+contract.RoleStarter+`"]}}` {
		t.Errorf("assumes roles on %s, want only the game's (tagged %s)", got, contract.RoleTag)
	}
}
