// Package stacks composes the game stack from constructs. Which parts it
// builds, and how, follows from the fix set; everything else is plain
// construct props, so a fix changes only the part it is about.
package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/constructs/alb"
	"github.com/unicorn-rentals/gameday/constructs/billreader"
	"github.com/unicorn-rentals/gameday/constructs/binary"
	"github.com/unicorn-rentals/gameday/constructs/cdn"
	"github.com/unicorn-rentals/gameday/constructs/classiclb"
	"github.com/unicorn-rentals/gameday/constructs/fleet"
	"github.com/unicorn-rentals/gameday/constructs/monitor"
	"github.com/unicorn-rentals/gameday/constructs/network"
	"github.com/unicorn-rentals/gameday/constructs/tasks"
	"github.com/unicorn-rentals/gameday/constructs/waste"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/service/api"
)

// Scaling timings. An instance that upgrades its OS at boot takes minutes
// to serve; a fixed one about a minute and a half; a task about a minute.
const (
	slowBootWarmup   = 5 * time.Minute
	fastBootWarmup   = 90 * time.Second
	scaleOutCooldown = time.Minute
	scaleInCooldown  = 5 * time.Minute
)

// CloudFront's origin response timeout: 30 s by default, 60 s at most
// without a quota increase.
const (
	minOriginTimeout = 30 * time.Second
	maxOriginTimeout = 60 * time.Second
)

// GameStackProps configures the game stack.
type GameStackProps struct {
	awscdk.StackProps
	// Config is the app's validated configuration.
	Config config.Config
	// ServiceDir is the hash service's source folder: the binary for EC2
	// and the container build context for Fargate.
	ServiceDir string
}

// GameStack is one team's Unicorn.Rentals environment. Parts a fix set
// does not use are nil.
type GameStack struct {
	awscdk.Stack
	Network     *network.Network
	Binary      *binary.Binary       // until retire-ec2
	Fleet       *fleet.Fleet         // until retire-ec2
	Tasks       *tasks.Tasks         // with fargate
	Clb         *classiclb.ClassicLB // until retire-clb
	Alb         *alb.ALB             // from alb until harden: internet-facing
	InternalAlb *alb.ALB             // with vpc-origin
	VpcOrigin   awscloudfront.VpcOrigin
	Cdn         *cdn.CDN // with cache
	Waste       *waste.Waste
	Monitor     *monitor.Monitor
	BillReader  *billreader.BillReader   // with a facilitator account
	Guardrail   awsiam.ManagedPolicy     // the rules of the game, for the players' role
	AnswerKey   awssecretsmanager.Secret // the key the service answers with

	image awsec2.IMachineImage // of every instance
	fixes catalog.FixSet
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
	s := &GameStack{Stack: awscdk.NewStack(scope, jsii.String(cfg.StackName), &stackProps), fixes: fixes}
	// Not on the VPC origin: CloudFront refuses any update of a VPC origin
	// that a distribution uses, a tag change included (aws-cdk#34629,
	// aws-cdk#35765; https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
	awscdk.Tags_Of(s.Stack).Add(jsii.String(contract.GameTag), jsii.String(contract.GameTagValue), &awscdk.TagProps{
		ExcludeResourceTypes: jsii.Strings("AWS::CloudFront::VpcOrigin"),
	})
	s.image = machineImage(cfg.AMI)

	natGateways := 2 // one per AZ
	if !fixes.Present(catalog.FlawSpareNatGateway) {
		natGateways = 1
	}
	s.Network = network.New(s.Stack, "Network", network.Props{
		WideAppSubnets: !fixes.Present(catalog.FlawSmallSubnets),
		NatGateways:    natGateways,
	})
	appSubnets := s.Network.AppSubnets(fixes.Present(catalog.FlawSingleAZ))
	s.AnswerKey = newAnswerKey(s.Stack)

	// While the service moves to Fargate, the instances and the tasks run
	// side by side.
	if fixes.Has(catalog.FixFargate) {
		s.Tasks = s.newTasks(cfg, props.ServiceDir, appSubnets)
	}
	if !fixes.Has(catalog.FixRetireEC2) {
		s.Fleet = s.newFleet(cfg, props.ServiceDir, appSubnets)
	}

	if fixes.Present(catalog.FlawClassicLB) {
		s.Clb = classiclb.New(s.Stack, "Clb", classiclb.Props{
			Vpc:          s.Network.Vpc,
			InstancePort: api.DefaultPort,
			HealthPath:   api.HealthPath,
			Flaws:        classiclb.Flaws{TCPHealthCheck: fixes.Present(catalog.FlawTCPHealthCheck)},
		})
		s.Clb.LoadBalancer.AddTarget(s.Fleet.Group)
	}
	if fixes.Has(catalog.FixVpcOrigin) {
		s.InternalAlb = s.newAlb(cfg, true)
		// Built by vpc-origin, used from harden: a VPC origin takes many
		// minutes to create, and CloudFront can use it only once it exists.
		s.VpcOrigin = s.InternalAlb.VpcOrigin(s.Stack, "VpcOrigin")
	}
	if fixes.Has(catalog.FixALB) && fixes.Present(catalog.FlawPublicLoadBalancer) {
		s.Alb = s.newAlb(cfg, false)
	}

	if fixes.Has(catalog.FixAutoscale) {
		s.autoscale(cfg)
	}
	// New targets pass a load balancer's health checks only once their
	// security group admits it: the group or service waits for its rules.
	if s.Fleet != nil {
		waitForIngress(s.Fleet.Group, s.Fleet.SecurityGroup)
	}
	if s.Tasks != nil {
		for _, sg := range *s.Tasks.Service.Connections().SecurityGroups() {
			waitForIngress(s.Tasks.Service, sg)
		}
	}

	endpoint := s.frontURL()
	if fixes.Has(catalog.FixCache) {
		s.Cdn = cdn.New(s.Stack, "Cdn", serviceCDN(s.origin(cfg)))
		endpoint = s.Cdn.URL()
		// Targets leave a path only once CloudFront has left it: when a
		// deploy moves the origin and takes the targets off the old load
		// balancer, the second waits for the first.
		if s.Fleet != nil {
			dependsOn(s.Fleet.Group, s.Cdn.Distribution)
		}
		if s.Tasks != nil {
			dependsOn(s.Tasks.Service, s.Cdn.Distribution)
		}
	}

	if fixes.Present(catalog.FlawForgottenInstance) {
		// Pinned to the CTO's small subnet: other fixes must not move it.
		s.Waste = waste.New(s.Stack, "Ops", waste.Props{
			Vpc:          s.Network.Vpc,
			Subnet:       (*s.Network.SmallAppSubnets())[0],
			InstanceType: contract.InstanceType,
			MachineImage: s.image,
			Flaws: waste.Flaws{
				IMDSv1:      fixes.Present(catalog.FlawIMDSv1),
				Unencrypted: fixes.Present(catalog.FlawUnencryptedVolumes),
			},
		})
	}

	s.observe()
	s.guardrail(cfg.StackName)

	if cfg.FacilitatorAccount != "" {
		s.BillReader = billreader.New(s.Stack, "BillReader", billreader.Props{
			TrustedBy: billreader.Facilitator(cfg.FacilitatorAccount, cfg.ExternalID, cfg.BoardRoles(*awscdk.Aws_PARTITION())),
			Actions:   contract.BillReaderActions,
			// The chaos stack's outputs name the starter role; the game
			// stack's template shows the quests what no Describe call does.
			LookupActions: contract.StackReadActions,
			LookupStacks: []*string{
				awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/"+cfg.StackName+"/*"), nil),
				awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/"+contract.ChaosStackName(cfg.StackName)+"/*"), nil),
			},
			AnswerKey: s.AnswerKey,
			Tags:      map[string]string{contract.RoleTag: contract.RoleBillReader},
		})
		awscdk.NewCfnOutput(s.Stack, jsii.String(contract.BillReaderRoleOutput), &awscdk.CfnOutputProps{
			Description: jsii.String("The role the scoreboard reads the live bill through: live:<this ARN>#<the externalId given> in the teams file"),
			Value:       s.BillReader.Role.RoleArn(),
		})
	}

	if s.Fleet != nil || s.Waste != nil {
		awscdk.NewCfnOutput(s.Stack, jsii.String("ImageId"), &awscdk.CfnOutputProps{
			Description: jsii.String("The AMI of the instances: pin it for the day with -c ami=<this id>"),
			Value:       s.image.GetImage(s.Stack).ImageId,
		})
	}

	awscdk.NewCfnOutput(s.Stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{
		Description: jsii.String("Where the game sends its traffic: GET <Endpoint>?input=VALUE"),
		Value:       endpoint,
	})
	return s
}

// newFleet runs the service on EC2, flawed as the fix set leaves it.
func (s *GameStack) newFleet(cfg config.Config, serviceDir string, subnets *awsec2.SubnetSelection) *fleet.Fleet {
	fixes := cfg.Fixes
	s.Binary = binary.New(s.Stack, "Binary", binary.Props{SourceDir: serviceDir})
	props := fleet.Props{
		Vpc:          s.Network.Vpc,
		Subnets:      subnets,
		Binary:       s.Binary.Asset,
		Env:          cfg.Service.Env(),
		AnswerKey:    s.AnswerKey,
		InstanceType: contract.InstanceType,
		MachineImage: s.image,
		BootTime:     bootTime(fixes),
		Size:         cfg.FleetSize,
		DrainTimeout: cfg.Service.DrainTimeout,
		Flaws: fleet.Flaws{
			UpgradeOnBoot:      fixes.Present(catalog.FlawBootUpgrade),
			NoSupervisor:       fixes.Present(catalog.FlawNoSupervisor),
			EC2HealthCheck:     fixes.Present(catalog.FlawEC2HealthCheck),
			NoRollingUpdate:    fixes.Present(catalog.FlawNoRollingUpdate),
			DetailedMonitoring: fixes.Present(catalog.FlawDetailedMonitoring),
			OversizedRoot:      fixes.Present(catalog.FlawOversizedRoot),
			OpenSecurityGroup:  fixes.Present(catalog.FlawOpenSecurityGroup),
			IMDSv1:             fixes.Present(catalog.FlawIMDSv1),
			Unencrypted:        fixes.Present(catalog.FlawUnencryptedVolumes),
		},
	}
	if fixes.Has(catalog.FixAutoscale) {
		props.MinSize, props.MaxSize = cfg.MinCapacity, cfg.MaxCapacity
	}
	f := fleet.New(s.Stack, "Fleet", props)
	awscdk.Tags_Of(f.Group).Add(jsii.String(contract.ComponentTag), jsii.String(contract.ComponentValue), &awscdk.TagProps{ApplyToLaunchedInstances: jsii.Bool(true)})
	return f
}

// newTasks runs the service on Fargate, from the image built from the
// service's own folder, for the task's architecture.
func (s *GameStack) newTasks(cfg config.Config, serviceDir string, subnets *awsec2.SubnetSelection) *tasks.Tasks {
	props := serviceTasks(cfg, serviceDir, s.Network.Vpc, subnets, s.AnswerKey)
	if !cfg.Fixes.Has(catalog.FixAutoscale) {
		props.DesiredCount = cfg.FleetSize
	}
	t := tasks.New(s.Stack, "Tasks", props)
	awscdk.Tags_Of(t.Service).Add(jsii.String(contract.ComponentTag), jsii.String(contract.ComponentValue), nil)
	return t
}

// newAlb puts an Application Load Balancer in front of the instances,
// the tasks or both. The internal one, reached only by CloudFront's VPC
// origin, is a construct of its own: a load balancer's scheme cannot
// change in place, and a target group belongs to one load balancer.
func (s *GameStack) newAlb(cfg config.Config, internal bool) *alb.ALB {
	id := "Alb"
	props := serviceALB(cfg, s.Network.Vpc)
	props.Instances, props.Tasks = s.Fleet != nil, s.Tasks != nil
	if internal {
		id = "InternalAlb"
		props.Internal = true
		// Both AZs, whatever the service uses: an ALB needs two.
		props.Subnets = s.Network.AppSubnets(false)
	}
	a := alb.New(s.Stack, id, props)
	if a.TaskTargetGroup != nil {
		s.Tasks.ServeFrom(a.TaskTargetGroup)
	}
	if a.TargetGroup != nil {
		s.Fleet.Group.AttachToApplicationTargetGroup(a.TargetGroup)
	}
	return a
}

// servingAlb is the ALB that gets the requests, if one does: none while
// CloudFront still sends them to the Classic LB; the public one until
// harden moves CloudFront to the internal one. Without CloudFront,
// players follow the Endpoint to the ALB as soon as it exists.
func (s *GameStack) servingAlb() *alb.ALB {
	if !s.fixes.TrafficOnALB() {
		return nil
	}
	if s.Alb != nil {
		return s.Alb
	}
	return s.InternalAlb
}

// waitForIngress makes targets depend on the ingress rules that CDK
// writes as resources of their own under security group sg.
func waitForIngress(targets, sg constructs.IConstruct) {
	for _, c := range *sg.Node().Children() {
		if rule, ok := c.(awsec2.CfnSecurityGroupIngress); ok {
			targets.Node().DefaultChild().(awscdk.CfnResource).AddResourceDependency(rule, nil)
		}
	}
}

// dependsOn makes CloudFormation create or update dependent's resource
// only after on's.
func dependsOn(dependent, on constructs.IConstruct) {
	dependent.Node().DefaultChild().(awscdk.CfnResource).AddResourceDependency(on.Node().DefaultChild().(awscdk.CfnResource), nil)
}

// autoscale tracks requests per target, aiming at the target value derived
// from the very settings the service is started with.
func (s *GameStack) autoscale(cfg config.Config) {
	target := float64(cfg.Service.TargetRequestsPerMinute())
	front := s.servingAlb()
	if s.Tasks != nil {
		scaleTasks(cfg, s.Tasks, front)
	}
	if s.Fleet == nil {
		return
	}
	// The group scales on the target group attached last: newAlb
	// attaches the public ALB's after the internal one's.
	s.Fleet.Group.ScaleOnRequestCount(jsii.String("RequestCount"), &awsautoscaling.RequestCountScalingProps{
		TargetRequestsPerMinute: jsii.Number(target),
		EstimatedInstanceWarmup: awscdk.Duration_Seconds(jsii.Number(bootTime(cfg.Fixes).Seconds())),
	})
}

// bootTime is how long a new instance takes to serve: the scaling warm-up
// and the health checks' grace both follow it.
func bootTime(fixes catalog.FixSet) time.Duration {
	if fixes.Present(catalog.FlawBootUpgrade) {
		return slowBootWarmup
	}
	return fastBootWarmup
}

// machineImage is the AMI pinned with -c ami, or the latest Amazon Linux
// 2023 from SSM, resolved again at every deploy.
func machineImage(ami string) awsec2.IMachineImage {
	if ami == "" {
		return awsec2.MachineImage_LatestAmazonLinux2023(nil)
	}
	return &pinnedImage{id: ami}
}

// pinnedImage is one AMI, in whatever region the stack is deployed to.
// (MachineImage.genericLinux needs the region at synth time, and the stack
// is environment-agnostic.)
type pinnedImage struct{ id string }

// GetImage implements awsec2.IMachineImage.
func (p *pinnedImage) GetImage(constructs.Construct) *awsec2.MachineImageConfig {
	return &awsec2.MachineImageConfig{
		ImageId:  jsii.String(p.id),
		OsType:   awsec2.OperatingSystemType_LINUX,
		UserData: awsec2.UserData_ForLinux(nil),
	}
}

// frontURL is the load balancer's address, for when nothing is in front.
func (s *GameStack) frontURL() *string {
	if a := s.servingAlb(); a != nil {
		return a.URL()
	}
	return s.Clb.URL()
}

// origin is how CloudFront reaches the load balancer: over the internet
// to a public one, through a VPC origin to an internal one. Either way
// over HTTP (the load balancer has no certificate; the game has no
// domain), and waiting as long as a request may queue at the service.
func (s *GameStack) origin(cfg config.Config) awscloudfront.IOrigin {
	readTimeout := originReadTimeout(cfg)
	front := s.servingAlb()
	if front != nil && front.Internal() {
		return awscloudfrontorigins.VpcOrigin_WithVpcOrigin(s.VpcOrigin, &awscloudfrontorigins.VpcOriginProps{
			ReadTimeout: readTimeout,
		})
	}
	var dns *string
	var port int
	if front != nil {
		dns, port = front.LoadBalancer.LoadBalancerDnsName(), alb.ListenerPort
	} else {
		dns, port = s.Clb.LoadBalancer.LoadBalancerDnsName(), classiclb.ListenerPort
	}
	return awscloudfrontorigins.NewHttpOrigin(dns, &awscloudfrontorigins.HttpOriginProps{
		ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTP_ONLY,
		HttpPort:       jsii.Number(port),
		ReadTimeout:    readTimeout,
	})
}
