package gates

// NagSuppressions are the AwsSolutions findings the project accepts, each
// for a reason specific to the game. They apply wherever their construct
// exists; the target has no other error.
var NagSuppressions = []Suppression{
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
}
