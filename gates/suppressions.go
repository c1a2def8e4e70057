package gates

import (
	"slices"
	"strings"
)

// NagSuppressions are the AwsSolutions findings the project accepts, each
// for a reason specific to the game. They apply wherever their construct
// exists; the target has no other error.
var NagSuppressions = append([]Suppression{
	{Path: "BillReader/Role/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::*",
		Reason: "The live bill's Describe and List calls and GetMetricStatistics support no resource-level permissions; the role allows those calls and nothing else, and changes nothing"},
	{Path: "BillReader/Role/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/UnicornRentals-Chaos/*",
		Reason: "A stack's ARN ends in an ID CloudFormation makes at creation; the statement names the chaos stack and allows reading its outputs only"},
	{Path: "BillReader/Role/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/UnicornRentals/*",
		Reason: "A stack's ARN ends in an ID CloudFormation makes at creation; the statement names the game stack and allows reading its outputs only, to find the answer key's secret"},
	{Path: "AnswerKey/Resource", Rule: "AwsSolutions-SMG4",
		Reason: "The answer key lives for one game and every answer cached for a year depends on it: a rotation mid-game would make every cached answer wrong; a new game's stack makes a new key"},
	{Path: "Cdn/Distribution/Resource", Rule: "AwsSolutions-CFR3",
		Reason: "Access logs need an S3 bucket with ACLs per team account; a 4-hour game reads CloudFront's CloudWatch metrics instead, and the service logs every origin request"},
	{Path: "Cdn/Distribution/Resource", Rule: "AwsSolutions-CFR4",
		Reason: "The game has no domain, so the distribution uses the default *.cloudfront.net certificate, whose minimum protocol cannot be raised"},
	{Path: "InternalAlb/LoadBalancer/Resource", Rule: "AwsSolutions-ELB2",
		Reason: "The internal ALB is reached only by CloudFront; its CloudWatch metrics and the service's per-request logs cover the game, without a log bucket per team"},
	{Path: "Tasks/TaskDefinition/Resource", Rule: "AwsSolutions-ECS2",
		Reason: "The environment holds the service's public settings (WORK, CONCURRENCY, ...); the one secret, the answer key, comes from Secrets Manager as a secret of the task definition"},
	{Path: "Tasks/TaskDefinition/ExecutionRole/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::*",
		Reason: "ecr:GetAuthorizationToken supports no resource-level permission; every other statement of the execution role names its repository and log group"},
	{Path: "Network/Vpc/Resource", Rule: "AwsSolutions-VPC7",
		Reason: "Flow logs would cost $0.50 per GB ingested in every team account for traffic nobody reads during a 4-hour game; CloudTrail and the load balancer metrics answer the game's questions"},
}, append(fisRoleSuppressions(), facilitatorSuppressions...)...)

// facilitatorSuppressions are the facilitator stack's accepted findings.
var facilitatorSuppressions = []Suppression{
	{Path: "Scoreboard/Cdn/Distribution/Resource", Rule: "AwsSolutions-CFR3", Facilitator: true,
		Reason: "The scoreboard's page is read by one room for a day; access logs would need an S3 bucket with ACLs for requests nobody reads"},
	{Path: "Scoreboard/Cdn/Distribution/Resource", Rule: "AwsSolutions-CFR4", Facilitator: true,
		Reason: "The scoreboard has no domain, so the distribution uses the default *.cloudfront.net certificate, whose minimum protocol cannot be raised"},
	{Path: "Scoreboard/Alb/LoadBalancer/Resource", Rule: "AwsSolutions-ELB2", Facilitator: true,
		Reason: "The internal ALB is reached only by CloudFront and the workers; the board logs every change of the game, without a log bucket"},
	{Path: "Scoreboard/Board/TaskDefinition/Resource", Rule: "AwsSolutions-ECS2", Facilitator: true,
		Reason: "The environment holds the teams file: team names, endpoints and role ARNs, none of them secret; the control token comes from Secrets Manager"},
	{Path: "Scoreboard/Board/TaskDefinition/ExecutionRole/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::*", Facilitator: true,
		Reason: "ecr:GetAuthorizationToken supports no resource-level permission; every other statement of the execution role names its repository, log group and secret"},
	{Path: "Scoreboard/Workers/TaskDefinition/ExecutionRole/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::*", Facilitator: true,
		Reason: "ecr:GetAuthorizationToken supports no resource-level permission; every other statement of the execution role names its repository, log group and secret"},
	{Path: "Scoreboard/Board/TaskDefinition/TaskRole/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesToPattern: `/^Resource::arn:<AWS::Partition>:iam::\d{12}:role\/\*$/`, Facilitator: true,
		Reason: "The board assumes the game's roles in the teams' accounts, whose names CloudFormation generates: the statement names each team account and only roles tagged unicorn-rentals:role bill-reader or chaos-starter, and each of those trusts only the board's role with the team's ExternalId"},
	{Path: "Scoreboard/Token/Resource", Rule: "AwsSolutions-SMG4", Facilitator: true,
		Reason: "The control token lives for one game day; the board reads it at start, so a rotation mid-game would leave gameday ctl with a token the board does not hold until it restarts"},
	{Path: "Scoreboard/WorkerToken/Resource", Rule: "AwsSolutions-SMG4", Facilitator: true,
		Reason: "The workers' token lives for one game day; the board and the workers read it at start, so a rotation mid-game would lock the workers out until they restart"},
	{Path: "Vpc/Resource", Rule: "AwsSolutions-VPC7", Facilitator: true,
		Reason: "Flow logs would cost $0.50 per GB ingested for the load's traffic, which nobody reads; the board records every answer's outcome per minute"},
}

// fisRoleWildcards are the FIS role's wildcard resources, with why each is
// as narrow as the experiments allow.
var fisRoleWildcards = []struct{ resource, reason string }{
	{"*", "FIS resolves targets by tag (tag:GetResources) and the network action reads VPCs, subnets, network ACLs and prefix lists: none of these calls supports resource-level permissions"},
	{"ec2:<AWS::Region>:<AWS::AccountId>:instance/*", "Instances come and go with unknown IDs, and the instance resource takes no VPC condition; each experiment fixes its targets at start: the stack's by the kit's tags, the scoreboard's by the ARNs it found in the game's VPC"},
	{"ecs:<AWS::Region>:<AWS::AccountId>:task/*", "Tasks come and go with unknown IDs, and ecs:StopTask takes no VPC condition; each experiment fixes its targets at start: the stack's by the kit's tags, the scoreboard's by the cluster and service it found in the game's VPC"},
	{"ecs:<AWS::Region>:<AWS::AccountId>:cluster/*", "FIS finds aws:ecs:task targets through their cluster, which a team may make in the console; describing it reads, changes nothing"},
	{"ec2:<AWS::Region>:<AWS::AccountId>:network-acl/*", "FIS creates the network ACL of the zone event at run time; creating, filling and deleting it is limited to ACLs tagged managedByFIS=true, as in AWS's managed FIS network policy, and swapping one to the game VPC's (ec2:Vpc)"},
	{"ec2:<AWS::Region>:<AWS::AccountId>:subnet/*", "The zone event swaps the network ACL of the game's subnets in one AZ, chosen at run time; the swap is limited to subnets of the game's VPC (ec2:Vpc)"},
}

// starterRoleWildcards are the starter role's, likewise.
var starterRoleWildcards = []struct{ resource, reason string }{
	{"*", "Finding the targets reads VPCs, subnets, instances, clusters and services: none of these calls supports resource-level permissions; the role changes nothing with them"},
	{"fis:<AWS::Region>:<AWS::AccountId>:experiment-template/*", "The scoreboard writes a template at each event, with an ID FIS makes; every call on one needs the game's tag on it or in the request"},
	{"fis:<AWS::Region>:<AWS::AccountId>:experiment/*", "Each experiment's ID is made when it starts; starting, reading and stopping one needs the game's tag on it or in the request"},
	{"fis:<AWS::Region>:<AWS::AccountId>:action/*", "A template names FIS's own actions, which carry no tag; naming them lets the role do nothing by itself"},
	{"cloudformation:<AWS::Region>:<AWS::AccountId>:stack/<AWS::StackName>/*", "A stack's ARN ends in an ID CloudFormation makes at creation; the statement names this stack and reads its outputs only"},
}

func fisRoleSuppressions() []Suppression {
	var out []Suppression
	for path, wildcards := range map[string][]struct{ resource, reason string }{"Monkey/FisRole/Resource": fisRoleWildcards, "Monkey/StarterRole/Resource": starterRoleWildcards} {
		for _, w := range wildcards {
			appliesTo := "Resource::*"
			if w.resource != "*" {
				appliesTo = "Resource::arn:<AWS::Partition>:" + w.resource
			}
			out = append(out, Suppression{Path: path, Rule: "AwsSolutions-IAM5", Chaos: true, AppliesTo: appliesTo, Reason: w.reason})
		}
	}
	slices.SortFunc(out, func(a, b Suppression) int { return strings.Compare(a.Path+a.AppliesTo, b.Path+b.AppliesTo) })
	return out
}
