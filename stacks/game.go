// Package stacks composes the game stack from constructs. Which parts it
// builds, and how, follows from the fix set; everything else is plain
// construct props, so a fix changes only the part it is about.
package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/binary"
	"github.com/unicorn-rentals/gameday/constructs/classiclb"
	"github.com/unicorn-rentals/gameday/constructs/fleet"
	"github.com/unicorn-rentals/gameday/constructs/network"
	"github.com/unicorn-rentals/gameday/constructs/waste"
	"github.com/unicorn-rentals/gameday/service/api"
)

// InstanceType is the one EC2 instance type the game allows.
const InstanceType = "m5.large"

// GameStackProps configures the game stack.
type GameStackProps struct {
	awscdk.StackProps
	// Config is the app's validated configuration.
	Config Config
	// ServiceDir is the hash service's source folder, for the binary.
	ServiceDir string
}

// GameStack is one team's Unicorn.Rentals environment.
type GameStack struct {
	awscdk.Stack
	Network *network.Network
	Binary  *binary.Binary
	Fleet   *fleet.Fleet
	Front   *classiclb.ClassicLB
	Waste   *waste.Waste // nil once cleaned up
}

// NewGameStack builds the stack for props.Config.Fixes.
func NewGameStack(scope constructs.Construct, props GameStackProps) *GameStack {
	cfg := props.Config
	fixes := cfg.Fixes
	stackProps := props.StackProps
	if stackProps.Description == nil {
		// Constant: a fix's diff shows only what the fix changes.
		stackProps.Description = jsii.String("Unicorn.Rentals GameDay: the hash service")
	}
	s := &GameStack{Stack: awscdk.NewStack(scope, jsii.String(cfg.StackName), &stackProps)}
	awscdk.Tags_Of(s.Stack).Add(jsii.String("unicorn-rentals:game"), jsii.String("gameday"), nil)

	natGateways := 2 // one per AZ
	if !fixes.Present(FlawSpareNatGateway) {
		natGateways = 1
	}
	s.Network = network.New(s.Stack, "Network", network.Props{
		WideAppSubnets: !fixes.Present(FlawSmallSubnets),
		NatGateways:    natGateways,
	})
	s.Binary = binary.New(s.Stack, "Binary", binary.Props{SourceDir: props.ServiceDir})

	s.Fleet = fleet.New(s.Stack, "Fleet", fleet.Props{
		Vpc:          s.Network.Vpc,
		Subnets:      s.Network.AppSubnets(fixes.Present(FlawSingleAZ)),
		Binary:       s.Binary.Asset,
		Env:          cfg.Service.Env(),
		InstanceType: InstanceType,
		Size:         cfg.FleetSize,
		DrainTimeout: cfg.Service.DrainTimeout,
		Flaws: fleet.Flaws{
			UpgradeOnBoot:      fixes.Present(FlawBootUpgrade),
			NoSupervisor:       fixes.Present(FlawNoSupervisor),
			EC2HealthCheck:     fixes.Present(FlawEC2HealthCheck),
			NoRollingUpdate:    fixes.Present(FlawNoRollingUpdate),
			DetailedMonitoring: fixes.Present(FlawDetailedMonitoring),
			OversizedRoot:      fixes.Present(FlawOversizedRoot),
			OpenSecurityGroup:  fixes.Present(FlawOpenSecurityGroup),
			IMDSv1:             fixes.Present(FlawIMDSv1),
			Unencrypted:        fixes.Present(FlawUnencryptedVolumes),
		},
	})

	s.Front = classiclb.New(s.Stack, "Clb", classiclb.Props{
		Vpc:          s.Network.Vpc,
		InstancePort: api.DefaultPort,
		Flaws:        classiclb.Flaws{TCPHealthCheck: fixes.Present(FlawTCPHealthCheck)},
	})
	s.Front.LoadBalancer.AddTarget(s.Fleet.Group)

	if fixes.Present(FlawForgottenInstance) {
		// Pinned to the CTO's small subnet: other fixes must not move it.
		s.Waste = waste.New(s.Stack, "Waste", waste.Props{
			Vpc:          s.Network.Vpc,
			Subnet:       (*s.Network.SmallAppSubnets())[0],
			InstanceType: InstanceType,
		})
	}

	awscdk.NewCfnOutput(s.Stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{
		Description: jsii.String("Where the game sends its traffic: GET <Endpoint>?input=VALUE"),
		Value:       s.Front.URL(),
	})
	return s
}
