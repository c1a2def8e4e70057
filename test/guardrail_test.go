package test

import (
	"encoding/json"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

// request is one call a player could make, with the request context keys
// the guardrail's conditions read.
type request struct {
	action, resource string
	context          map[string]string
}

// denied evaluates the guardrail's statements, all Deny, as IAM does for
// an explicit deny: the action and resource match the statement's
// patterns (* and ?, actions case-insensitive), and every condition
// holds. A negated operator (StringNotEquals) holds when the key is
// missing from the request
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
// moto grants every call whatever a policy says, so the statements
// themselves are what is tested.
func denied(policy map[string]any, r request) string {
	for _, st := range policy["Statement"].([]any) {
		s := st.(map[string]any)
		actionMatch := false
		if actions, ok := s["Action"]; ok {
			actionMatch = anyMatch(actions, r.action, true)
		} else {
			actionMatch = !anyMatch(s["NotAction"], r.action, true)
		}
		if !actionMatch || !anyMatch(s["Resource"], r.resource, false) {
			continue
		}
		holds := true
		conditions, _ := s["Condition"].(map[string]map[string][]string)
		for op, keys := range conditions {
			for key, values := range keys {
				v, present := r.context[key]
				switch op {
				case "StringNotEquals":
					holds = holds && (!present || !contains(values, v))
				case "StringEquals":
					holds = holds && present && contains(values, v)
				case "ArnNotLike":
					holds = holds && (!present || !anyMatch(values, v, false))
				default:
					panic("the evaluator lacks " + op)
				}
			}
		}
		if holds {
			return s["Sid"].(string)
		}
	}
	return ""
}

func anyMatch(patterns any, value string, fold bool) bool {
	for _, p := range patterns.([]string) {
		if fold {
			p, value = strings.ToLower(p), strings.ToLower(value)
		}
		if ok, _ := path.Match(strings.ReplaceAll(p, "/", "\x00"), strings.ReplaceAll(value, "/", "\x00")); ok {
			return true
		}
	}
	return false
}

func contains(values []string, v string) bool {
	for _, x := range values {
		if x == v {
			return true
		}
	}
	return false
}

// The guardrail denies every request that breaks a rule of the game and
// none a team needs to play, the CDK's own deploys included, as the
// players' policy in one account and as the SCP for every account.
func TestTheGuardrailDeniesWhatTheRulesForbidAndNothingElse(t *testing.T) {
	const account, region = "123456789012", "us-east-1"
	policies := map[string]map[string]any{
		"the players' policy": contract.GuardrailPolicy(contract.Guardrail("UnicornRentals", region, account)),
		"the SCP":             contract.GuardrailPolicy(contract.Guardrail("UnicornRentals", region, "*")),
	}
	in := func(extra ...string) map[string]string {
		c := map[string]string{"aws:RequestedRegion": region, "aws:PrincipalArn": "arn:aws:iam::123456789012:role/TeamAdmin"}
		for i := 0; i+1 < len(extra); i += 2 {
			c[extra[i]] = extra[i+1]
		}
		return c
	}
	instance := "arn:aws:ec2:us-east-1:123456789012:instance/*"
	for _, c := range []struct {
		request
		want string // the statement that denies it; empty: allowed
	}{
		{request{"ec2:RunInstances", instance, in("ec2:InstanceType", "m5.large")}, ""},
		{request{"ec2:RunInstances", instance, in("ec2:InstanceType", "t3.micro")}, "OnlyTheAllowedInstanceType"},
		{request{"ec2:ModifyInstanceAttribute", instance, in("ec2:InstanceType", "c5.24xlarge")}, "OnlyTheAllowedInstanceType"},
		{request{"ec2:RunInstances", "arn:aws:ec2:eu-west-1:123456789012:instance/*", map[string]string{"aws:RequestedRegion": "eu-west-1", "ec2:InstanceType": "m5.large"}}, "OnlyTheGamesRegion"},
		{request{"ecs:CreateService", "*", map[string]string{"aws:RequestedRegion": "us-west-2"}}, "OnlyTheGamesRegion"},
		{request{"cloudfront:CreateDistribution", "*", map[string]string{"aws:RequestedRegion": "us-east-1"}}, ""},
		{request{"iam:CreateRole", "arn:aws:iam::123456789012:role/team-role", map[string]string{"aws:RequestedRegion": "us-east-1"}}, ""},
		{request{"iam:DeleteRole", "arn:aws:iam::123456789012:role/UnicornRentals-BillReaderRole1234-ABCD", in()}, "TheGamesRolesAreTheGames"},
		{request{"iam:PutRolePolicy", "arn:aws:iam::123456789012:role/UnicornRentals-Chaos-MonkeyFisRoleAB12-CD34", in()}, "TheGamesRolesAreTheGames"},
		{request{"iam:PutRolePolicy", "arn:aws:iam::123456789012:role/UnicornRentals-FleetRole427BC000-XYZ", in()}, ""},
		{request{"cloudformation:DeleteStack", "arn:aws:cloudformation:us-east-1:123456789012:stack/UnicornRentals-Chaos/0123", in()}, "TheChaosStackIsTheGames"},
		{request{"cloudformation:UpdateStack", "arn:aws:cloudformation:us-east-1:123456789012:stack/UnicornRentals/0123", in()}, ""},
		{request{"cloudtrail:StopLogging", "arn:aws:cloudtrail:us-east-1:123456789012:trail/management", in()}, "TheAuditTrailStays"},
		{request{"lambda:CreateFunction", "arn:aws:lambda:us-east-1:123456789012:function:custom-resource", in()}, ""},
		{request{"lambda:CreateFunctionUrlConfig", "arn:aws:lambda:us-east-1:123456789012:function:hash", in()}, "OnlyTheServiceAnswers"},
		{request{"lambda:AddPermission", "arn:aws:lambda:us-east-1:123456789012:function:hash", in("lambda:Principal", "elasticloadbalancing.amazonaws.com")}, "NoFunctionBehindALoadBalancer"},
		{request{"lambda:AddPermission", "arn:aws:lambda:us-east-1:123456789012:function:custom-resource", in("lambda:Principal", "events.amazonaws.com")}, ""},
		{request{"lambda:EnableReplication", "arn:aws:lambda:us-east-1:123456789012:function:edge", in()}, "OnlyTheServiceAnswers"},
		{request{"cloudfront:CreateFunction", "arn:aws:cloudfront::123456789012:function/hash", in()}, "OnlyTheServiceAnswers"},
		{request{"apigateway:POST", "arn:aws:apigateway:us-east-1::/restapis", in()}, "OnlyTheServiceAnswers"},
		{request{"apprunner:CreateService", "*", in()}, "OnlyTheServiceAnswers"},
		{request{"eks:CreateCluster", "*", in()}, "OnlyTheServiceAnswers"},
		{request{"elasticloadbalancing:CreateLoadBalancer", "*", in()}, ""},
		{request{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:AnswerKey1234-AbCdEf", in("aws:ResourceTag/unicorn-rentals:role", "answer-key")}, "TheAnswerKeyIsTheServices"},
		{request{"secretsmanager:UntagResource", "arn:aws:secretsmanager:us-east-1:123456789012:secret:AnswerKey1234-AbCdEf", in("aws:ResourceTag/unicorn-rentals:role", "answer-key")}, "TheAnswerKeyIsTheServices"},
		{request{"secretsmanager:PutSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:AnswerKey1234-AbCdEf", in("aws:ResourceTag/unicorn-rentals:role", "answer-key")}, "TheAnswerKeyIsTheServices"},
		{request{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:team-db-AbCdEf", in()}, ""},
		// The game's own roles read the key: the instances, the tasks' execution role, the bill's.
		{request{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:AnswerKey1234-AbCdEf", in("aws:ResourceTag/unicorn-rentals:role", "answer-key", "aws:PrincipalArn", "arn:aws:iam::123456789012:role/UnicornRentals-FleetRole427BC000-XYZ")}, ""},
		{request{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:AnswerKey1234-AbCdEf", in("aws:ResourceTag/unicorn-rentals:role", "answer-key", "aws:PrincipalArn", "arn:aws:iam::123456789012:role/UnicornRentals-BillReaderRole1234-ABCD")}, ""},
		{request{"secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:AnswerKey1234-AbCdEf", in("aws:ResourceTag/unicorn-rentals:role", "answer-key", "aws:PrincipalArn", "arn:aws:iam::123456789012:role/UnicornRentalsFan")}, "TheAnswerKeyIsTheServices"},
	} {
		for form, policy := range policies {
			if got := denied(policy, c.request); got != c.want {
				t.Errorf("%s: %s on %s (%v): denied by %q, want %q", form, c.action, c.resource, c.context, got, c.want)
			}
		}
	}
}

// The SCP a facilitator with AWS Organizations attaches is the same rules
// (docs/guardrail-scp.json, for us-east-1; make docs writes it), and the
// runbook states every rule.
func TestTheGuardrailsRulesArePublishedAsEnforced(t *testing.T) {
	scp, _ := json.MarshalIndent(contract.GuardrailPolicy(contract.Guardrail(contract.DefaultStackName, "us-east-1", "*")), "", "  ")
	// An SCP holds at most 5,120 characters
	// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html),
	// a managed policy 6,144 without whitespace
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
	for name, c := range map[string]struct {
		account string
		limit   int
	}{"the SCP": {"*", 5120}, "the players' policy": {"123456789012", 6144}} {
		min, _ := json.Marshal(contract.GuardrailPolicy(contract.Guardrail("UnicornRentals-Team-07", "ap-southeast-2", c.account)))
		if len(min) > c.limit {
			t.Errorf("%s is %d characters, over AWS's %d", name, len(min), c.limit)
		}
	}
	testkit.Golden(t, "../docs/guardrail-scp.json", string(scp)+"\n", "the guardrail's rules")
	runbook, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range contract.Guardrail(contract.DefaultStackName, "us-east-1", "*") {
		if r := strings.ReplaceAll(rule.Rule, "us-east-1", "your account's region"); !strings.Contains(string(runbook), r) {
			t.Errorf("docs/runbook.md does not state the rule %q", r)
		}
	}
}
