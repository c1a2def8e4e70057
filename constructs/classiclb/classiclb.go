// Package classiclb is the CTO's front door: an internet-facing Classic Load
// Balancer listening on HTTP :80 in front of the fleet.
package classiclb

import (
	"cmp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancing"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ListenerPort is the port players connect to.
const ListenerPort = 80

// Props configures the load balancer.
type Props struct {
	// Vpc to place it in, in the public subnets. Required.
	Vpc awsec2.IVpc
	// InstancePort is where the service listens. Default 8080.
	InstancePort int
	// HealthPath is what the HTTP health check asks for. Default "/".
	HealthPath string
	// Flaws are the CTO's mistakes; each is off by default.
	Flaws Flaws
}

// Flaws the baseline turns on.
type Flaws struct {
	// TCPHealthCheck checks only that the port accepts a connection, every
	// 30 s, and needs 5 failures. Off: HTTP GET HealthPath every 10 s, 2 failures.
	TCPHealthCheck bool
}

// ClassicLB is the load balancer and its URL.
type ClassicLB struct {
	constructs.Construct
	LoadBalancer awselasticloadbalancing.LoadBalancer
}

// New creates the load balancer with one HTTP :80 listener.
func New(scope constructs.Construct, id string, props Props) *ClassicLB {
	c := &ClassicLB{Construct: constructs.NewConstruct(scope, &id)}
	port := cmp.Or(props.InstancePort, 8080)
	check := &awselasticloadbalancing.HealthCheck{
		Port:               jsii.Number(port),
		Protocol:           awselasticloadbalancing.LoadBalancingProtocol_HTTP,
		Path:               jsii.String(cmp.Or(props.HealthPath, "/")),
		Interval:           awscdk.Duration_Seconds(jsii.Number(10)),
		Timeout:            awscdk.Duration_Seconds(jsii.Number(5)),
		HealthyThreshold:   jsii.Number(2),
		UnhealthyThreshold: jsii.Number(2),
	}
	if props.Flaws.TCPHealthCheck {
		check = &awselasticloadbalancing.HealthCheck{
			Port:               jsii.Number(port),
			Protocol:           awselasticloadbalancing.LoadBalancingProtocol_TCP,
			Interval:           awscdk.Duration_Seconds(jsii.Number(30)),
			Timeout:            awscdk.Duration_Seconds(jsii.Number(5)),
			HealthyThreshold:   jsii.Number(5),
			UnhealthyThreshold: jsii.Number(5),
		}
	}
	c.LoadBalancer = awselasticloadbalancing.NewLoadBalancer(c.Construct, jsii.String("LoadBalancer"), &awselasticloadbalancing.LoadBalancerProps{
		Vpc:            props.Vpc,
		InternetFacing: jsii.Bool(true),
		CrossZone:      jsii.Bool(true),
		HealthCheck:    check,
		Listeners: &[]*awselasticloadbalancing.LoadBalancerListener{{
			ExternalPort:     jsii.Number(ListenerPort),
			ExternalProtocol: awselasticloadbalancing.LoadBalancingProtocol_HTTP,
			InternalPort:     jsii.Number(port),
			InternalProtocol: awselasticloadbalancing.LoadBalancingProtocol_HTTP,
		}},
	})
	return c
}

// URL is the address players send traffic to.
func (c *ClassicLB) URL() *string {
	return awscdk.Fn_Join(jsii.String(""), jsii.Strings("http://", *c.LoadBalancer.LoadBalancerDnsName(), "/"))
}
