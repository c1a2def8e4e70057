package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/constructs/scoreboard"
	"github.com/unicorn-rentals/gameday/contract"
)

// FacilitatorStackProps configures the facilitator's stack.
type FacilitatorStackProps struct {
	awscdk.StackProps
	// Board is the teams and the tasks' sizes. Required.
	Board config.Board
	// RootDir is the repository's root, the gameday image's build
	// context. Required.
	RootDir string
}

// FacilitatorStack runs the scoreboard and its engine workers in the
// facilitator's account, so that neither the board nor its load depends
// on a laptop in the room.
type FacilitatorStack struct {
	awscdk.Stack
	Vpc        awsec2.Vpc
	Scoreboard *scoreboard.Scoreboard
}

// The facilitator stack's outputs.
const (
	PageOutput              = "ScoreboardUrl"
	TokenSecretOutput       = "TokenSecretArn"
	WorkerTokenSecretOutput = "WorkerTokenSecretArn"
)

// gamedayBuildInputs are what the gameday image's build reads from the
// repository: everything else stays out of the build context and of the
// image asset's hash.
var gamedayBuildInputs = []string{"go.mod", "go.sum", "game", "config", "catalog", "contract", "teamsfile", "cfn", "service"}

// NewFacilitatorStack builds the facilitator's stack.
func NewFacilitatorStack(scope constructs.Construct, props FacilitatorStackProps) *FacilitatorStack {
	stackProps := props.StackProps
	stackProps.Description = jsii.String("Unicorn.Rentals GameDay: the scoreboard and its load, on ECS Fargate")
	s := &FacilitatorStack{Stack: awscdk.NewStack(scope, jsii.String(contract.FacilitatorStackName), &stackProps)}
	awscdk.Tags_Of(s.Stack).Add(jsii.String(contract.GameTag), jsii.String(contract.GameTagValue), &awscdk.TagProps{
		// CloudFormation cannot tag a VPC origin after it is created (see
		// the game stack).
		ExcludeResourceTypes: jsii.Strings("AWS::CloudFront::VpcOrigin"),
	})
	// Tasks in public subnets reach the teams and AWS with a public
	// address, an IPv4 at $0.005 an hour each, rather than through a NAT
	// gateway processing the load's answers at $0.045 a GB.
	s.Vpc = awsec2.NewVpc(s.Stack, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses: awsec2.IpAddresses_Cidr(jsii.String("10.40.0.0/16")),
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Tasks"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24), MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
	})
	exclude := []string{"*"}
	for _, in := range gamedayBuildInputs {
		exclude = append(exclude, "!"+in)
	}
	exclude = append(exclude, "**/*_test.go", "**/testdata")
	image := awsecs.ContainerImage_FromAsset(jsii.String(props.RootDir), &awsecs.AssetImageProps{
		File:       jsii.String("game/Dockerfile"),
		Platform:   awsecrassets.Platform_LINUX_ARM64(),
		Exclude:    jsii.Strings(exclude...),
		IgnoreMode: awscdk.IgnoreMode_DOCKER,
	})
	size := props.Board.Size
	s.Scoreboard = scoreboard.New(s.Stack, "Scoreboard", scoreboard.Props{
		Vpc: s.Vpc, Image: image, Teams: props.Board.Teams, TeamAccounts: props.Board.TeamAccounts,
		Workers: size.Workers, WorkerCPU: size.WorkerCPU, WorkerMemoryMiB: size.WorkerMemoryMiB,
		BoardCPU: size.BoardCPU, BoardMemoryMiB: size.BoardMemoryMiB,
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String(PageOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("The scoreboard's page, for the room; gameday ctl --server takes it too"),
		Value:       s.Scoreboard.Cdn.URL(),
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String(TokenSecretOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("The control token's secret: aws secretsmanager get-secret-value --secret-id ARN"),
		Value:       s.Scoreboard.Token.SecretArn(),
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String(WorkerTokenSecretOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("The workers' token's secret, for a worker run by hand; the worker tasks read it themselves"),
		Value:       s.Scoreboard.WorkerToken.SecretArn(),
	})
	return s
}
