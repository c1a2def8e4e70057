package gates

// NagSuppressions are the AwsSolutions findings the project accepts, each
// for a reason specific to the game. They apply wherever their construct
// exists; the target has no other error.
var NagSuppressions = append([]Suppression{
	{Path: "BillReader/Role/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::*",
		Reason: "The live bill's Describe and List calls and GetMetricStatistics support no resource-level permissions, nor do the FIS template and experiment IDs the board creates at each event; the role allows those calls and nothing else"},
	{Path: "BillReader/Role/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/UnicornRentals-Chaos-*",
		Reason: "The chaos stack's FIS role has a generated name under the chaos stack's prefix; passing it is allowed to FIS only (iam:PassedToService)"},
	{Path: "Cdn/Distribution/Resource", Rule: "AwsSolutions-CFR3",
		Reason: "Access logs need an S3 bucket with ACLs per team account; a 4-hour game reads CloudFront's CloudWatch metrics instead, and the service logs every origin request"},
	{Path: "Cdn/Distribution/Resource", Rule: "AwsSolutions-CFR4",
		Reason: "The game has no domain, so the distribution uses the default *.cloudfront.net certificate, whose minimum protocol cannot be raised"},
	{Path: "InternalAlb/LoadBalancer/Resource", Rule: "AwsSolutions-ELB2",
		Reason: "The internal ALB is reached only by CloudFront; its CloudWatch metrics and the service's per-request logs cover the game, without a log bucket per team"},
	{Path: "Tasks/TaskDefinition/Resource", Rule: "AwsSolutions-ECS2",
		Reason: "The environment holds the service's public settings (WORK, CONCURRENCY, ...), no secret; the scaling target is derived from the same values"},
	{Path: "Tasks/TaskDefinition/ExecutionRole/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::*",
		Reason: "ecr:GetAuthorizationToken supports no resource-level permission; every other statement of the execution role names its repository and log group"},
	{Path: "Network/Vpc/Resource", Rule: "AwsSolutions-VPC7",
		Reason: "Flow logs would cost $0.50 per GB ingested in every team account for traffic nobody reads during a 4-hour game; CloudTrail and the load balancer metrics answer the game's questions"},
}, append(fisRoleSuppressions(), facilitatorSuppressions...)...)

// facilitatorSuppressions are the facilitator stack's accepted findings.
var facilitatorSuppressions = []Suppression{
	{Path: "Scoreboard/Distribution/Resource", Rule: "AwsSolutions-CFR3", Facilitator: true,
		Reason: "The scoreboard's page is read by one room for a day; access logs would need an S3 bucket with ACLs for requests nobody reads"},
	{Path: "Scoreboard/Distribution/Resource", Rule: "AwsSolutions-CFR4", Facilitator: true,
		Reason: "The scoreboard has no domain, so the distribution uses the default *.cloudfront.net certificate, whose minimum protocol cannot be raised"},
	{Path: "Scoreboard/Alb/LoadBalancer/Resource", Rule: "AwsSolutions-ELB2", Facilitator: true,
		Reason: "The internal ALB is reached only by CloudFront and the workers; the board logs every change of the game, without a log bucket"},
	{Path: "Scoreboard/BoardTask/Resource", Rule: "AwsSolutions-ECS2", Facilitator: true,
		Reason: "The environment holds the teams file: team names, endpoints and role ARNs, none of them secret; the control token comes from Secrets Manager"},
	{Path: "Scoreboard/BoardTask/ExecutionRole/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::*", Facilitator: true,
		Reason: "ecr:GetAuthorizationToken supports no resource-level permission; every other statement of the execution role names its repository, log group and secret"},
	{Path: "Scoreboard/WorkerTask/ExecutionRole/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::*", Facilitator: true,
		Reason: "ecr:GetAuthorizationToken supports no resource-level permission; every other statement of the execution role names its repository, log group and secret"},
	{Path: "Scoreboard/BoardTask/TaskRole/DefaultPolicy/Resource", Rule: "AwsSolutions-IAM5", AppliesTo: "Resource::arn:<AWS::Partition>:iam::*:role/*", Facilitator: true,
		Reason: "The board assumes each team's BillReader role, in accounts and with generated names the stack cannot know; each role trusts only the facilitator's account and allows only contract.BillReaderActions"},
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
	{"ec2:<AWS::Region>:<AWS::AccountId>:instance/*", "The fleet's instances are created by the Auto Scaling group with unknown IDs; the statement is limited to instances tagged unicorn-rentals:component=hash-service"},
	{"ecs:<AWS::Region>:<AWS::AccountId>:task/*", "The service's tasks come and go with unknown IDs; stopping is limited to tasks tagged unicorn-rentals:component=hash-service, reading is what FIS needs to find them"},
	{"ecs:<AWS::Region>:<AWS::AccountId>:cluster/*", "FIS finds aws:ecs:task targets through their cluster, whose name the chaos stack does not import so that it stays independent of the fix set; describing it reads, changes nothing"},
	{"ec2:<AWS::Region>:<AWS::AccountId>:network-acl/*", "FIS creates the network ACL of the zone event at run time; creating, filling and deleting it is limited to ACLs tagged managedByFIS=true, as in AWS's managed FIS network policy"},
	{"ec2:<AWS::Region>:<AWS::AccountId>:subnet/*", "The zone event swaps the network ACL of the game's subnets in one AZ, chosen at run time by tag and zone"},
	{"ec2:<AWS::Region>:<AWS::AccountId>:vpc/*", "The zone event's network ACL is created in the game's VPC, whose ID the chaos stack does not import so that it stays independent of the fix set"},
}

func fisRoleSuppressions() []Suppression {
	var out []Suppression
	for _, w := range fisRoleWildcards {
		appliesTo := "Resource::*"
		if w.resource != "*" {
			appliesTo = "Resource::arn:<AWS::Partition>:" + w.resource
		}
		out = append(out, Suppression{Path: "Monkey/FisRole/Resource", Rule: "AwsSolutions-IAM5", Chaos: true, AppliesTo: appliesTo, Reason: w.reason})
	}
	return out
}
