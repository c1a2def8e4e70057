package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/constructs/billreader"
	"github.com/unicorn-rentals/gameday/constructs/chaos"
	"github.com/unicorn-rentals/gameday/contract"
)

// ChaosStackProps configures the chaos stack.
type ChaosStackProps struct {
	awscdk.StackProps
	Config config.Config
	// Now is when the app is synthesized, just before a deploy: the
	// schedule's first runs are the game's next ones after it. Default:
	// the zero time, which schedules from the game's start.
	Now time.Time
}

// ChaosStack is the facilitator's Chaos Monkey for one team's account:
// FIS experiment templates that find the game stack's service by its tags,
// whatever the fix set, and stop when the game stack's error-rate alarm
// fires.
type ChaosStack struct {
	awscdk.Stack
	Monkey *chaos.Chaos
}

// NewChaosStack builds the chaos stack.
func NewChaosStack(scope constructs.Construct, props ChaosStackProps) *ChaosStack {
	cfg := props.Config
	stackProps := props.StackProps
	stackProps.Description = jsii.String("Unicorn.Rentals GameDay: the Chaos Monkey (AWS FIS)")
	c := &ChaosStack{Stack: awscdk.NewStack(scope, jsii.String(contract.ChaosStackName(cfg.StackName)), &stackProps)}
	awscdk.Tags_Of(c.Stack).Add(jsii.String(contract.GameTag), jsii.String(contract.GameTagValue), nil)
	monkey := chaos.Props{
		StopAlarmArn: awscdk.Fn_ImportValue(jsii.String(contract.ErrorRateAlarmExport(cfg.StackName))),
		ServiceTags:  map[string]string{contract.ComponentTag: contract.ComponentValue, contract.GameTag: contract.GameTagValue},
		SubnetTags:   map[string]string{contract.GameTag: contract.GameTagValue},
		VpcID:        awscdk.Fn_ImportValue(jsii.String(contract.VpcIDExport(cfg.StackName))),
	}
	if cfg.FacilitatorAccount != "" {
		monkey.StarterTrustedBy = billreader.Facilitator(cfg.FacilitatorAccount, cfg.ExternalID, cfg.BoardRoles(*awscdk.Aws_PARTITION()))
		monkey.StarterTags = map[string]string{contract.RoleTag: contract.RoleStarter}
	}
	if s := cfg.Chaos; s.Enabled {
		instances, _ := s.FirstRun(0, props.Now)
		tasks, _ := s.FirstRun(s.Interval/2, props.Now)
		monkey.Schedule = &chaos.Schedule{Interval: s.Interval, FirstInstanceRun: instances, FirstTaskRun: tasks, End: s.End()}
	}
	c.Monkey = chaos.New(c.Stack, "Monkey", monkey)
	awscdk.NewCfnOutput(c.Stack, jsii.String(contract.ExperimentRoleOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("The role AWS FIS runs the experiments as: the scoreboard passes it to the experiments it starts"),
		Value:       c.Monkey.Role.RoleArn(),
	})
	if c.Monkey.StarterRole != nil {
		awscdk.NewCfnOutput(c.Stack, jsii.String(contract.StarterRoleOutput), &awscdk.CfnOutputProps{
			Description: jsii.String("The role the scoreboard starts the script's experiments with; it finds it here through the game stack's BillReader role"),
			Value:       c.Monkey.StarterRole.RoleArn(),
		})
	}
	return c
}
