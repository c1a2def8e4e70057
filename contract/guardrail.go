package contract

import "strings"

// GuardrailRule is one rule of the game that a team's account enforces:
// the sentence the runbook prints, and the IAM statement that denies
// what breaks it. The same statements are the players' guardrail policy
// (a permission boundary, in each game stack) and a Service Control
// Policy for facilitators who run AWS Organizations.
type GuardrailRule struct {
	Sid  string
	Rule string // as the runbook states it
	// Action or NotAction, Resource and Condition as IAM takes them.
	Actions, NotActions []string
	Resources           []string
	Condition           map[string]map[string][]string
}

// globalActions are the services whose calls go to us-east-1 or have no
// region, exempt from the region rule
// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_examples_general.html#example-scp-deny-region).
var globalActions = []string{
	"iam:*", "sts:*", "organizations:*", "account:*", "support:*", "trustedadvisor:*", "health:*",
	"cloudfront:*", "route53:*", "route53domains:*", "waf:*", "wafv2:*", "shield:*", "globalaccelerator:*",
	"budgets:*", "ce:*", "cur:*", "billing:*", "aws-portal:*", "pricing:*", "tag:*", "sso:*", "identitystore:*",
}

// Guardrail is the rules for the game stack named stack in region, whose
// account is account ("*" in an SCP). They deny; they grant nothing.
func Guardrail(stack, region, account string) []GuardrailRule {
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":" + region + ":" + account + ":" + resource
	}
	role := func(name string) string { return "arn:aws:iam::" + account + ":role/" + name }
	return []GuardrailRule{
		{Sid: "OnlyTheAllowedInstanceType", Rule: "EC2 instances are " + InstanceType + ", and no other type.",
			Actions: []string{"ec2:RunInstances", "ec2:StartInstances", "ec2:ModifyInstanceAttribute"}, Resources: []string{arn("ec2", "instance/*")},
			Condition: map[string]map[string][]string{"StringNotEquals": {"ec2:InstanceType": {InstanceType}}}},
		{Sid: "OnlyTheGamesRegion", Rule: "Everything runs in " + region + "; global services (IAM, CloudFront, Route 53, billing) are exempt.",
			NotActions: globalActions, Resources: []string{"*"},
			Condition: map[string]map[string][]string{"StringNotEquals": {"aws:RequestedRegion": {region}}}},
		{Sid: "TheGamesRolesAreTheGames", Rule: "The game's roles (the bill's, the chaos stack's) stay as they are.",
			Actions:   []string{"iam:Update*", "iam:Delete*", "iam:Put*", "iam:Attach*", "iam:Detach*", "iam:Tag*", "iam:Untag*"},
			Resources: []string{role(stack + "-BillReader*"), role(ChaosStackName(stack) + "-*")}},
		{Sid: "TheChaosStackIsTheGames", Rule: "The chaos stack, its experiments and its schedule stay as they are.",
			Actions:   []string{"cloudformation:DeleteStack", "cloudformation:UpdateStack", "cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet", "cloudformation:SetStackPolicy"},
			Resources: []string{arn("cloudformation", "stack/"+ChaosStackName(stack)+"/*")}},
		// aws:ResourceTag is a condition key of every action on a secret
		// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html);
		// BatchGetSecretValue needs GetSecretValue on each secret too.
		// An SCP binds every role of the account but the service-linked
		// ones (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html),
		// so the game stack's own roles, whose names CloudFormation
		// begins with the stack's
		// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html),
		// stay free to read it: the instances, the tasks' execution role
		// and the bill's role. aws:PrincipalArn is a role's ARN even for
		// its sessions
		// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
		{Sid: "TheAnswerKeyIsTheServices", Rule: "The answer key is the service's: nobody reads, changes, deletes or untags the game stack's AnswerKey secret.",
			Actions: []string{
				"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage",
				"secretsmanager:DeleteSecret", "secretsmanager:RestoreSecret", "secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret",
				"secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy", "secretsmanager:TagResource", "secretsmanager:UntagResource",
				"secretsmanager:ReplicateSecretToRegions",
			}, Resources: []string{arn("secretsmanager", "secret:*")},
			Condition: map[string]map[string][]string{
				"StringEquals": {"aws:ResourceTag/" + RoleTag: {AnswerKeyTag}},
				"ArnNotLike":   {"aws:PrincipalArn": {role(stack + "-*")}},
			}},
		// A load balancer invokes a function only once the function's
		// policy allows elasticloadbalancing.amazonaws.com
		// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html);
		// lambda:Principal is AddPermission's condition key for it
		// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
		{Sid: "NoFunctionBehindALoadBalancer", Rule: "No load balancer sends requests to a Lambda function.",
			Actions: []string{"lambda:AddPermission"}, Resources: []string{arn("lambda", "function:*")},
			Condition: map[string]map[string][]string{"StringEquals": {"lambda:Principal": {"elasticloadbalancing.amazonaws.com"}}}},
		{Sid: "TheAuditTrailStays", Rule: "CloudTrail keeps recording.",
			Actions: []string{"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"}, Resources: []string{"*"}},
		{Sid: "OnlyTheServiceAnswers", Rule: "Answers come from the service: no function URLs, edge functions, CloudFront Functions, API Gateway, App Runner, Lightsail or EKS.",
			Actions: []string{
				"lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig", "lambda:EnableReplication*",
				"cloudfront:CreateFunction", "cloudfront:UpdateFunction", "cloudfront:PublishFunction",
				"apigateway:POST", "apigateway:PUT", "apigateway:PATCH",
				"apprunner:Create*", "lightsail:Create*", "eks:Create*",
			}, Resources: []string{"*"}},
	}
}

// GuardrailPolicy is the rules as an IAM policy document: the players'
// permission boundary and, with account "*", the SCP.
func GuardrailPolicy(rules []GuardrailRule) map[string]any {
	var statements []any
	for _, r := range rules {
		s := map[string]any{"Sid": r.Sid, "Effect": "Deny", "Resource": r.Resources}
		if len(r.Actions) > 0 {
			s["Action"] = r.Actions
		} else {
			s["NotAction"] = r.NotActions
		}
		if r.Condition != nil {
			s["Condition"] = r.Condition
		}
		statements = append(statements, s)
	}
	return map[string]any{"Version": "2012-10-17", "Statement": statements}
}

// GuardrailRules are the rules' sentences, one a line, as the runbook
// lists them.
func GuardrailRules(rules []GuardrailRule) string {
	var b strings.Builder
	for _, r := range rules {
		b.WriteString("- " + r.Rule + "\n")
	}
	return b.String()
}
