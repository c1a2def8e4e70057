// Package alb is the Application Load Balancer that replaces the Classic
// one: an HTTP :80 listener forwarding to one target group that checks
// /healthz and lets a request finish before a target leaves.
package alb

import (
	"cmp"
	"math"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/service/api"
)

// ListenerPort is the port players (or CloudFront) connect to.
const ListenerPort = 80

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
	// TargetType is INSTANCE for EC2 instances, IP for Fargate tasks.
	// Default INSTANCE.
	TargetType elbv2.TargetType
	// TargetPort is where the service listens. Default 8080.
	TargetPort int
	// DeregistrationDelay is how long a leaving target keeps its
	// in-flight requests: the longest a request can last. Rounded up to
	// whole seconds. Default 30s (the ALB's own default is 300s).
	DeregistrationDelay time.Duration
}

// ALB is the load balancer, its listener and the one target group.
type ALB struct {
	constructs.Construct
	LoadBalancer elbv2.ApplicationLoadBalancer
	Listener     elbv2.ApplicationListener
	TargetGroup  elbv2.ApplicationTargetGroup

	internal bool
}

// New creates the load balancer. Targets are attached by the caller, with
// TargetGroup (an Auto Scaling group or an ECS service), which also opens
// the targets' security group to the load balancer on TargetPort.
func New(scope constructs.Construct, id string, props Props) *ALB {
	a := &ALB{Construct: constructs.NewConstruct(scope, &id), internal: props.Internal}
	port := cmp.Or(props.TargetPort, api.DefaultPort)
	targetType := cmp.Or(props.TargetType, elbv2.TargetType_INSTANCE)
	delay := cmp.Or(props.DeregistrationDelay, 30*time.Second)
	subnets := props.Subnets
	if subnets == nil {
		subnetType := awsec2.SubnetType_PUBLIC
		if props.Internal {
			subnetType = awsec2.SubnetType_PRIVATE_WITH_EGRESS
		}
		subnets = &awsec2.SubnetSelection{SubnetType: subnetType}
	}

	a.LoadBalancer = elbv2.NewApplicationLoadBalancer(a.Construct, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:            props.Vpc,
		InternetFacing: jsii.Bool(!props.Internal),
		VpcSubnets:     subnets,
		// Requests with malformed headers never reach the service.
		DropInvalidHeaderFields: jsii.Bool(true),
	})
	a.TargetGroup = elbv2.NewApplicationTargetGroup(a.Construct, jsii.String("TargetGroup"), &elbv2.ApplicationTargetGroupProps{
		Vpc:                 props.Vpc,
		TargetType:          targetType,
		Port:                jsii.Number(port),
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(math.Ceil(delay.Seconds()))),
		HealthCheck: &elbv2.HealthCheck{
			Path:                    jsii.String(api.HealthPath),
			HealthyHttpCodes:        jsii.String("200"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(10)),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
			HealthyThresholdCount:   jsii.Number(2),
			UnhealthyThresholdCount: jsii.Number(2),
		},
	})
	a.Listener = a.LoadBalancer.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
		Port:                jsii.Number(ListenerPort),
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		Open:                jsii.Bool(!props.Internal),
		DefaultTargetGroups: &[]elbv2.IApplicationTargetGroup{a.TargetGroup},
	})
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

// Internal reports whether the load balancer is off the internet.
func (a *ALB) Internal() bool { return a.internal }
