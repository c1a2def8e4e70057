package gates

// Choice is a security choice of the target no rule flags, with its
// reason: what production users would add, and why the game goes without.
type Choice struct {
	What, Reason string
}

// Choices are the target's and the facilitator stack's choices that no
// cdk-nag rule or Control Tower control reports, written down so that a
// reader who lifts the target knows what to turn on.
var Choices = []Choice{
	{"The alarm topic is not encrypted at rest",
		"CloudWatch publishes to an encrypted topic only with a customer managed key whose policy lets it use the key (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services): a key a month in every team account, for a topic that carries alarm names and nothing else."},
	{"The answer key and the facilitator's tokens use Secrets Manager's AWS managed key",
		"Only the stacks' own roles may read them (IAM, and for players the guardrail), and each lives for one game: a customer managed key would bar no reader IAM does not already bar."},
	{"No WAF web ACL in front of the distributions",
		"The game's one client is its engine, whose load a web ACL would have to let through by design; CloudFront comes with AWS Shield Standard (https://docs.aws.amazon.com/waf/latest/developerguide/ddos-standard-summary.html). A web ACL bills by the month, the rule and the request in every team account (https://aws.amazon.com/waf/pricing/)."},
	{"The facilitator's workers may reach any address over TCP",
		"They play the teams' endpoints, which move to any distribution or load balancer a team makes during the game, on the port its URL names. The board reaches only AWS's APIs on HTTPS and its file system, and takes in only its load balancer's requests; the workers take nothing in."},
}
