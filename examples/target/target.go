// Package target is an example to copy: any container image behind the
// project's target, CloudFront through a VPC origin in front of an
// internal Application Load Balancer and Fargate tasks, with what
// production users add turned on (their own domain with an ACM
// certificate, a WAF web ACL, CloudFront's access logs). The game's own
// target leaves them off, for the reasons in docs/security-review.md.
package target

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/alb"
	"github.com/unicorn-rentals/gameday/constructs/cdn"
	"github.com/unicorn-rentals/gameday/constructs/network"
	"github.com/unicorn-rentals/gameday/constructs/tasks"
)

// Props is what the example needs to know of the application.
type Props struct {
	awscdk.StackProps
	// Image is the container image, from a registry, built for ARM64 (or
	// multi-architecture). Required.
	Image string
	// Port is where the container listens. Default 8080.
	Port int
	// HealthPath is what the load balancer's health check asks for.
	// Default "/".
	HealthPath string
	// DomainName and CertificateArn, together, give the distribution a
	// name of its own: an ACM certificate in us-east-1 that covers it.
	// Default none: the *.cloudfront.net name.
	DomainName, CertificateArn string
	// WebAclArn is a WAF web ACL of the CLOUDFRONT scope. Default none.
	WebAclArn string
}

// Stack is the example's stack and its parts.
type Stack struct {
	awscdk.Stack
	Network *network.Network
	Tasks   *tasks.Tasks
	Alb     *alb.ALB
	Cdn     *cdn.CDN
	Logs    awss3.Bucket
}

// NewStack builds the example.
func NewStack(scope constructs.Construct, id string, props Props) *Stack {
	s := &Stack{Stack: awscdk.NewStack(scope, &id, &props.StackProps)}
	s.Network = network.New(s.Stack, "Network", network.Props{WideAppSubnets: true, NatGateways: 1})
	subnets := s.Network.AppSubnets(false)

	port := props.Port
	if port == 0 {
		port = tasks.DefaultPort
	}
	s.Tasks = tasks.New(s.Stack, "Tasks", tasks.Props{
		Vpc: s.Network.Vpc, Subnets: subnets, Port: port, ContainerName: "app",
		Image: awsecs.ContainerImage_FromRegistry(jsii.String(props.Image), nil),
	})
	s.Alb = alb.New(s.Stack, "InternalAlb", alb.Props{Vpc: s.Network.Vpc, Internal: true, Tasks: true, Subnets: subnets, TargetPort: port, HealthPath: props.HealthPath})
	s.Tasks.ServeFrom(s.Alb.TaskTargetGroup)
	origin := s.Alb.VpcOrigin(s.Stack, "VpcOrigin")

	// CloudFront's standard logs need a bucket whose ACLs the log delivery
	// can use (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html).
	s.Logs = awss3.NewBucket(s.Stack, jsii.String("Logs"), &awss3.BucketProps{
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
		LifecycleRules:    &[]*awss3.LifecycleRule{{Expiration: awscdk.Duration_Days(jsii.Number(90))}},
	})
	web := cdn.Props{
		Origin:    awscloudfrontorigins.VpcOrigin_WithVpcOrigin(origin, nil),
		WebAclArn: props.WebAclArn,
		LogBucket: s.Logs,
	}
	if props.DomainName != "" {
		web.DomainNames = []string{props.DomainName}
		web.Certificate = awscertificatemanager.Certificate_FromCertificateArn(s.Stack, jsii.String("Certificate"), jsii.String(props.CertificateArn))
	}
	s.Cdn = cdn.New(s.Stack, "Cdn", web)

	awscdk.NewCfnOutput(s.Stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: s.Cdn.URL()})
	return s
}
