package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/constructs/alb"
	"github.com/unicorn-rentals/gameday/constructs/cdn"
	"github.com/unicorn-rentals/gameday/constructs/monitor"
	"github.com/unicorn-rentals/gameday/constructs/network"
	"github.com/unicorn-rentals/gameday/constructs/tasks"
)

// TargetStackProps configures the target stack.
type TargetStackProps struct {
	awscdk.StackProps
	// Config gives the service's settings and the scaling bounds; its fix
	// set is not read. Required.
	Config config.Config
	// ServiceDir is the hash service's folder, the image's build context.
	// Required.
	ServiceDir string
}

// TargetStack is the winning architecture as one stack, read top to
// bottom, with no fix set in it: what `-c fixes=all` builds on the path's
// last step, without the path (no fleet, no Classic Load Balancer, no
// migration's second group, no game's guardrail or waste). A test keeps
// its serving path and monitoring the same as the game stack's target
// (test/targetstack_test.go).
type TargetStack struct {
	awscdk.Stack
	Network   *network.Network
	AnswerKey awssecretsmanager.Secret
	Tasks     *tasks.Tasks
	Alb       *alb.ALB
	VpcOrigin awscloudfront.VpcOrigin
	Cdn       *cdn.CDN
	Monitor   *monitor.Monitor
}

// NewTargetStack builds the target.
func NewTargetStack(scope constructs.Construct, id string, props TargetStackProps) *TargetStack {
	cfg := props.Config
	s := &TargetStack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}

	// The network: two Availability Zones, app subnets wide enough to
	// scale into, one NAT gateway for the tasks' way out.
	s.Network = network.New(s.Stack, "Network", network.Props{WideAppSubnets: true, NatGateways: 1})
	subnets := s.Network.AppSubnets(false)

	// The key the service answers with, which the tasks read at start.
	s.AnswerKey = newAnswerKey(s.Stack)

	// The tasks, in both zones; their count is the scaling's.
	s.Tasks = tasks.New(s.Stack, "Tasks", serviceTasks(cfg, props.ServiceDir, s.Network.Vpc, subnets, s.AnswerKey))

	// The internal load balancer, reached only through CloudFront's VPC
	// origin.
	lbProps := serviceALB(cfg, s.Network.Vpc)
	lbProps.Internal, lbProps.Tasks, lbProps.Subnets = true, true, subnets
	s.Alb = alb.New(s.Stack, "InternalAlb", lbProps)
	s.Tasks.ServeFrom(s.Alb.TaskTargetGroup)
	for _, sg := range *s.Tasks.Service.Connections().SecurityGroups() {
		waitForIngress(s.Tasks.Service, sg)
	}
	s.VpcOrigin = s.Alb.VpcOrigin(s.Stack, "VpcOrigin")

	// The distribution, caching on the input alone.
	s.Cdn = cdn.New(s.Stack, "Cdn", serviceCDN(awscloudfrontorigins.VpcOrigin_WithVpcOrigin(s.VpcOrigin, &awscloudfrontorigins.VpcOriginProps{
		ReadTimeout: originReadTimeout(cfg),
	})))
	dependsOn(s.Tasks.Service, s.Cdn.Distribution)

	// Scaling on requests per task.
	scaleTasks(cfg, s.Tasks, s.Alb)

	// The dashboard and the error-rate alarm.
	s.Monitor = observe(s.Stack, albMetrics(s.Alb), tasksRunning(s.Tasks), s.Cdn, s.Network.Vpc)

	awscdk.NewCfnOutput(s.Stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{
		Description: jsii.String("Where the game sends its traffic: GET <Endpoint>?input=VALUE"),
		Value:       s.Cdn.URL(),
	})
	return s
}
