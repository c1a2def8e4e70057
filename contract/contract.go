// Package contract holds what the stacks promise the game and the game
// relies on: the stacks' names, the tags the chaos experiments find their
// targets by, the outputs the facilitator's tools read, and the IAM
// actions the game's calls into team accounts need. Plain Go, with no
// dependency, so the CDK app and the game agree without linking each
// other.
package contract

// MaxCostPerHour bounds a team's bill in USD an hour wherever one is
// given (the teams file, gameday play): more than $1,000 an hour is a
// typo, and the bound keeps every score finite.
const MaxCostPerHour = 1000

// InstanceType is the one EC2 instance type the game allows.
const InstanceType = "m5.large"

// Tags every fix set puts on the service's instances or tasks, so chaos
// experiments find them before and after the move to Fargate.
const (
	GameTag        = "unicorn-rentals:game"
	GameTagValue   = "gameday"
	ComponentTag   = "unicorn-rentals:component"
	ComponentValue = "hash-service"
)

// ChaosStackName is the chaos stack's name beside a game stack.
func ChaosStackName(gameStack string) string { return gameStack + "-Chaos" }

// TargetStackName is the name of the target on its own (context target)
// beside the game stack named gameStack.
func TargetStackName(gameStack string) string { return gameStack + "-Target" }

// ErrorRateAlarmExport is the export name of the game stack's error-rate
// alarm, which stops the chaos experiments.
func ErrorRateAlarmExport(gameStack string) string { return gameStack + "-ErrorRateAlarmArn" }

// FacilitatorStackName is the stack that runs the scoreboard and its
// workers in the facilitator's account.
const FacilitatorStackName = "UnicornRentals-Facilitator"

// DefaultStackName is the game stack's name unless context stackName
// (or a teams or accounts file) says otherwise.
const DefaultStackName = "UnicornRentals"

// BillReaderActions are the calls the live bill makes in a team's account
// (game/accounts), and all the game stack's bill-reading role allows.
var BillReaderActions = []string{
	"ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeAddresses", "ec2:DescribeNetworkInterfaces", "ec2:DescribeNatGateways",
	"ec2:DescribeVpcEndpoints", "cloudwatch:DescribeAlarms", "cloudwatch:ListDashboards",
	"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups",
	"ecs:ListClusters", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:DescribeTaskDefinition",
	"cloudfront:ListDistributions",
	"cloudwatch:GetMetricStatistics",
	// The quests' checks (game/accounts/quests.go) and the debrief's
	// account history (game/accounts/history.go).
	"ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
	"cloudtrail:LookupEvents",
}

// StackReadActions are what the bill's role may do on the game and chaos
// stacks alone: read their outputs (the chaos stack's name the starter
// role) and the game stack's deployed template, which the quests read for
// what no Describe call shows (user data, update policies, scaling).
var StackReadActions = []string{"cloudformation:DescribeStacks", "cloudformation:GetTemplate"}

// ExperimentRoleOutput is the chaos stack's output naming the role AWS FIS
// runs the experiments as: the board passes it to the experiments it
// starts.
const ExperimentRoleOutput = "ExperimentRoleArn"

// StarterRoleOutput is the chaos stack's output naming the role the board
// assumes to find an experiment's targets and start it: a role of its own,
// so that the bill's stays read-only.
const StarterRoleOutput = "StarterRoleArn"

// ChaosLookupActions are what the bill's role may do beside reading the
// bill, on the chaos stack alone: read its outputs, to find the starter
// role.
var ChaosLookupActions = []string{"cloudformation:DescribeStacks"}

// MonkeyReadActions are the reads the board makes as the starter role to
// find an experiment's targets in the game stack's VPC; none of them takes
// resource-level permissions.
var MonkeyReadActions = []string{
	"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeInstances",
	"ecs:ListClusters", "ecs:ListServices", "ecs:DescribeServices",
}

// MonkeyFISActions are the AWS FIS calls the board makes as the starter
// role: write a template, start it, follow it, stop it past its time,
// delete the template. The role allows each only on resources carrying
// the game's tag (GameTag), or created with it.
var MonkeyFISActions = []string{
	"fis:CreateExperimentTemplate", "fis:TagResource", "fis:StartExperiment", "fis:GetExperiment", "fis:StopExperiment", "fis:DeleteExperimentTemplate",
}

// RoleTag marks the roles in a team's account the board may assume, with
// RoleBillReader or RoleStarter: the board's own role allows sts:AssumeRole
// only on roles carrying it.
const (
	RoleTag        = "unicorn-rentals:role"
	RoleBillReader = "bill-reader"
	RoleStarter    = "chaos-starter"
)

// VpcIDExport is the export name of the game stack's VPC ID: the chaos
// stack's role may cut the network of that VPC's subnets only. The VPC is
// never replaced by a fix (test/migration_test.go), so the export never
// changes under its import.
func VpcIDExport(gameStack string) string { return gameStack + "-VpcId" }

// BoardRolePattern is the facilitator stack's role names as CloudFormation
// makes them (stack name first): the roles the team's roles trust, in the
// facilitator's account, unless the game stack is given another
// (context boardRole).
const BoardRolePattern = FacilitatorStackName + "-*"

// BillReaderRoleOutput is the game stack's output naming that role: the
// teams file's "live:<role ARN>".
const BillReaderRoleOutput = "BillReaderRoleArn"

// GuardrailOutput is the game stack's output naming the players'
// guardrail policy, which preflight checks is attached.
const GuardrailOutput = "PlayersGuardrailArn"

// AnswerKeyOutput is the game stack's output naming the Secrets Manager
// secret that holds the team's answer key (service/api.Answer): its ARN,
// never its value. The bill's role may read that one secret, so the
// board verifies the team's answers with the key its service holds.
const AnswerKeyOutput = "AnswerKeySecretArn"

// AnswerKeyTag marks the answer key's secret (RoleTag's key, this
// value): the players' guardrail denies reading or changing a secret
// that carries it.
const AnswerKeyTag = "answer-key"
