package tasks_test

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/alb"
	"github.com/unicorn-rentals/gameday/constructs/cdn"
	"github.com/unicorn-rentals/gameday/constructs/tasks"
)

// The target's pattern for any container: CloudFront, through a VPC
// origin, in front of an internal Application Load Balancer and Fargate
// tasks, each part a construct of this project with its defaults. What is
// the application's (its image, its cache key, its health check) is
// passed in.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Web"), nil)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})

	web := tasks.New(stack, "Tasks", tasks.Props{
		Vpc:           vpc,
		Image:         awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/nginx/nginx:stable"), nil),
		Architecture:  awsecs.CpuArchitecture_X86_64(),
		ContainerName: "web",
		Port:          8080,
		Secrets:       map[string]awssecretsmanager.ISecret{"API_TOKEN": awssecretsmanager.NewSecret(stack, jsii.String("ApiToken"), nil)},
	})
	lb := alb.New(stack, "Alb", alb.Props{Vpc: vpc, Internal: true, Tasks: true, TargetPort: 8080, HealthPath: "/"})
	web.ServeFrom(lb.TaskTargetGroup)
	origin := lb.VpcOrigin(stack, "VpcOrigin")
	cdn.New(stack, "Cdn", cdn.Props{Origin: awscloudfrontorigins.VpcOrigin_WithVpcOrigin(origin, nil), Param: "q"})

	tpl := assertions.Template_FromStack(stack, nil)
	for _, typ := range []string{"AWS::CloudFront::Distribution", "AWS::CloudFront::VpcOrigin", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ECS::Service"} {
		fmt.Println(typ, len(*tpl.FindResources(jsii.String(typ), nil)))
	}
	raw, _ := json.Marshal(tpl.FindResources(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), nil))
	var lbs map[string]struct{ Properties struct{ Scheme string } }
	json.Unmarshal(raw, &lbs)
	for _, found := range lbs {
		fmt.Println("load balancer scheme:", found.Properties.Scheme)
	}
	// Output:
	// AWS::CloudFront::Distribution 1
	// AWS::CloudFront::VpcOrigin 1
	// AWS::ElasticLoadBalancingV2::LoadBalancer 1
	// AWS::ECS::Service 1
	// load balancer scheme: internal
}
