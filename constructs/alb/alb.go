// Package alb is the Application Load Balancer that replaces the Classic
// one: an HTTP :80 listener forwarding to a target group that checks
// /healthz and lets a request finish before a target leaves. It holds a
// group for EC2 instances, one for Fargate tasks, or both while the
// service moves from one to the other.
package alb

import (
	"cmp"
	"math"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ListenerPort is the port players (or CloudFront) connect to.
const ListenerPort = 80

// DefaultTargetPort is where the targets listen unless Props says.
const DefaultTargetPort = 8080

// Props configures the load balancer.
type Props struct {
	// Vpc to place it in. Required.
	Vpc awsec2.IVpc
	// Internal keeps the load balancer off the internet: it gets no
	// public address and only AllowFrom may connect. Default false: an
	// internet-facing load balancer open to anyone on port 80.
	Internal bool
	// Subnets for the load balancer's nodes. Default: the public subnets,
	// or the private ones when Internal.
	Subnets *awsec2.SubnetSelection
	// AllowFrom is who may connect to an internal load balancer.
	// Default: the VPC's own address range. Ignored unless Internal.
	AllowFrom awsec2.IPeer
	// Instances gives the load balancer a target group of EC2 instances
	// (TargetGroup). Default true unless Tasks is set.
	Instances bool
	// Tasks gives it a target group of IP targets for Fargate tasks
	// (TaskTargetGroup). With Instances too, the listener forwards every
	// request to the instances and none to the tasks (weight 0): ECS
	// creates a service only on a target group a load balancer uses, and
	// the tasks must be in service before a later deploy gives them the
	// requests. Default false.
	Tasks bool
	// TargetPort is where the service listens. Default DefaultTargetPort
	// (8080).
	TargetPort int
	// HealthPath is what the health check asks for; a target is healthy
	// when it answers 200. Default "/".
	HealthPath string
	// DeregistrationDelay is how long a leaving target keeps its
	// in-flight requests: the longest a request can last. Rounded up to
	// whole seconds. Default 30s (the ALB's own default is 300s).
	DeregistrationDelay time.Duration

	// Escape hatches: each is called with the props the construct has
	// filled, just before the resource is made, and may change any of
	// them. Default none.
	LoadBalancerProps func(*elbv2.ApplicationLoadBalancerProps)
	TargetGroupProps  func(*elbv2.ApplicationTargetGroupProps)
}

// ALB is the load balancer, its listener and its target groups.
type ALB struct {
	constructs.Construct
	LoadBalancer    elbv2.ApplicationLoadBalancer
	Listener        elbv2.ApplicationListener
	TargetGroup     elbv2.ApplicationTargetGroup // instances; nil without
	TaskTargetGroup elbv2.ApplicationTargetGroup // tasks; nil without

	internal bool
}

// New creates the load balancer. Targets are attached by the caller, to
// TargetGroup (an Auto Scaling group) or TaskTargetGroup (an ECS
// service), which also opens the targets' security group to the load
// balancer on TargetPort.
func New(scope constructs.Construct, id string, props Props) *ALB {
	a := &ALB{Construct: constructs.NewConstruct(scope, &id), internal: props.Internal}
	port := cmp.Or(props.TargetPort, DefaultTargetPort)
	healthPath := cmp.Or(props.HealthPath, "/")
	delay := cmp.Or(props.DeregistrationDelay, 30*time.Second)
	subnets := props.Subnets
	if subnets == nil {
		subnetType := awsec2.SubnetType_PUBLIC
		if props.Internal {
			subnetType = awsec2.SubnetType_PRIVATE_WITH_EGRESS
		}
		subnets = &awsec2.SubnetSelection{SubnetType: subnetType}
	}

	lbProps := &elbv2.ApplicationLoadBalancerProps{
		Vpc:            props.Vpc,
		InternetFacing: jsii.Bool(!props.Internal),
		VpcSubnets:     subnets,
		// Requests with malformed headers never reach the service.
		DropInvalidHeaderFields: jsii.Bool(true),
	}
	if props.LoadBalancerProps != nil {
		props.LoadBalancerProps(lbProps)
	}
	a.LoadBalancer = elbv2.NewApplicationLoadBalancer(a.Construct, jsii.String("LoadBalancer"), lbProps)
	group := func(id string, targetType elbv2.TargetType) elbv2.ApplicationTargetGroup {
		groupProps := &elbv2.ApplicationTargetGroupProps{
			Vpc:                 props.Vpc,
			TargetType:          targetType,
			Port:                jsii.Number(port),
			Protocol:            elbv2.ApplicationProtocol_HTTP,
			DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(math.Ceil(delay.Seconds()))),
			HealthCheck: &elbv2.HealthCheck{
				Path:                    jsii.String(healthPath),
				HealthyHttpCodes:        jsii.String("200"),
				Interval:                awscdk.Duration_Seconds(jsii.Number(10)),
				Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
				HealthyThresholdCount:   jsii.Number(2),
				UnhealthyThresholdCount: jsii.Number(2),
			},
		}
		if props.TargetGroupProps != nil {
			props.TargetGroupProps(groupProps)
		}
		return elbv2.NewApplicationTargetGroup(a.Construct, jsii.String(id), groupProps)
	}
	if props.Instances || !props.Tasks {
		a.TargetGroup = group("TargetGroup", elbv2.TargetType_INSTANCE)
	}
	if props.Tasks {
		a.TaskTargetGroup = group("TaskTargetGroup", elbv2.TargetType_IP)
	}
	listener := &elbv2.BaseApplicationListenerProps{
		Port:     jsii.Number(ListenerPort),
		Protocol: elbv2.ApplicationProtocol_HTTP,
		Open:     jsii.Bool(!props.Internal),
	}
	if a.TargetGroup != nil && a.TaskTargetGroup != nil {
		listener.DefaultAction = elbv2.ListenerAction_WeightedForward(&[]*elbv2.WeightedTargetGroup{
			{TargetGroup: a.TargetGroup, Weight: jsii.Number(1)},
			{TargetGroup: a.TaskTargetGroup, Weight: jsii.Number(0)},
		}, nil)
	} else {
		listener.DefaultTargetGroups = &[]elbv2.IApplicationTargetGroup{a.Serving()}
	}
	a.Listener = a.LoadBalancer.AddListener(jsii.String("Http"), listener)
	if props.Internal {
		from := props.AllowFrom
		if from == nil {
			from = awsec2.Peer_Ipv4(props.Vpc.VpcCidrBlock())
		}
		a.LoadBalancer.Connections().AllowFrom(from, awsec2.Port_Tcp(jsii.Number(ListenerPort)), jsii.String("Origin traffic on the listener port only"))
	}
	return a
}

// URL is the address players send traffic to when nothing is in front.
func (a *ALB) URL() *string {
	return awscdk.Fn_Join(jsii.String(""), jsii.Strings("http://", *a.LoadBalancer.LoadBalancerDnsName(), "/"))
}

// Serving is the target group that gets the requests: the instances'
// while there are any, else the tasks'.
func (a *ALB) Serving() elbv2.ApplicationTargetGroup {
	if a.TargetGroup != nil {
		return a.TargetGroup
	}
	return a.TaskTargetGroup
}

// VpcOrigin is CloudFront's private way to this internal load balancer,
// made in scope: CloudFront reaches the listener through its own network
// interfaces in the load balancer's subnets, over HTTP (the load balancer
// has no certificate; TLS ends at CloudFront), and nothing reaches it
// from the internet
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-vpc-origins.html).
func (a *ALB) VpcOrigin(scope constructs.Construct, id string) awscloudfront.VpcOrigin {
	return awscloudfront.NewVpcOrigin(scope, jsii.String(id), &awscloudfront.VpcOriginProps{
		Endpoint:       awscloudfront.VpcOriginEndpoint_ApplicationLoadBalancer(a.LoadBalancer),
		ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTP_ONLY,
		HttpPort:       jsii.Number(ListenerPort),
	})
}

// Internal reports whether the load balancer is off the internet.
func (a *ALB) Internal() bool { return a.internal }
