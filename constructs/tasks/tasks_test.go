package tasks_test

import (
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/tasks"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func synth(t *testing.T, props tasks.Props) assertions.Template {
	return cdktest.Assert(func(stack awscdk.Stack) {
		props.Vpc = awsec2.NewVpc(stack, jsii.String("Vpc"), nil)
		props.Image = awsecs.ContainerImage_FromRegistry(jsii.String("example/hashsvc"), nil)
		if props.Secrets == nil {
			props.Secrets = map[string]awssecretsmanager.ISecret{"ANSWER_KEY": awssecretsmanager.NewSecret(stack, jsii.String("Key"), nil)}
		}
		tasks.New(stack, "Tasks", props)
	})
}

// A service that brings its own cluster, logs and security group, runs
// with a public address and a command, and is changed through the escape
// hatches: the construct makes none of what it was given and leaves the
// group's rules to its owner.
func TestBringYourOwnAndEscapeHatches(t *testing.T) {
	tpl := cdktest.Assert(func(stack awscdk.Stack) {
		vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), nil)
		group := awsec2.NewSecurityGroup(stack, jsii.String("Group"), &awsec2.SecurityGroupProps{Vpc: vpc, AllowAllOutbound: jsii.Bool(false)})
		group.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(80)), jsii.String("HTTP out"), nil)
		cluster := awsecs.NewCluster(stack, jsii.String("Shared"), &awsecs.ClusterProps{Vpc: vpc})
		tasks.New(stack, "Tasks", tasks.Props{
			Vpc: vpc, Cluster: cluster, SecurityGroup: group, PublicAddress: true,
			Subnets:          &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
			LogGroup:         awslogs.NewLogGroup(stack, jsii.String("SharedLogs"), nil),
			Image:            awsecs.ContainerImage_FromRegistry(jsii.String("example/worker"), nil),
			Command:          []string{"worker", "--board", "http://board"},
			ContainerOptions: func(o *awsecs.ContainerDefinitionOptions) { o.PortMappings = nil },
			ServiceProps: func(p *awsecs.FargateServiceProps) {
				p.MinHealthyPercent, p.MaxHealthyPercent = jsii.Number(0), jsii.Number(100)
			},
		})
	})
	cdktest.MustPass(t, "one cluster, one log group, one security group: the caller's", func() {
		tpl.ResourceCountIs(jsii.String("AWS::ECS::Cluster"), jsii.Number(1))
		tpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(1))
		tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroup"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
			"SecurityGroupEgress": []any{assertions.Match_ObjectLike(&map[string]any{"FromPort": 80, "ToPort": 80})},
		})
	})
	cdktest.MustPass(t, "the command, no port, a public address, the hatch's deployment, no grace period without a load balancer", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
			"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
				"Command":      []any{"worker", "--board", "http://board"},
				"PortMappings": assertions.Match_Absent(),
			})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": assertions.Match_ObjectLike(&map[string]any{"AssignPublicIp": "ENABLED"})},
			"DeploymentConfiguration": assertions.Match_ObjectLike(&map[string]any{
				"MinimumHealthyPercent": 0, "MaximumPercent": 100,
			}),
			"HealthCheckGracePeriodSeconds": assertions.Match_Absent(),
		})
	})
}

func TestDefaults(t *testing.T) {
	tpl := synth(t, tasks.Props{HealthCommand: []string{"/app", "-healthcheck"}})
	cdktest.MustPass(t, "smallest ARM64 task, hardened container, the caller's health command in exec form", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
			"Cpu": "256", "Memory": "512",
			"RuntimePlatform": map[string]any{"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
			"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
				"Name":                   tasks.DefaultContainerName,
				"User":                   tasks.NonRootUser,
				"ReadonlyRootFilesystem": true,
				"StopTimeout":            30,
				"PortMappings":           []any{map[string]any{"ContainerPort": 8080, "Protocol": "tcp"}},
				"HealthCheck":            assertions.Match_ObjectLike(&map[string]any{"Command": []any{"CMD", "/app", "-healthcheck"}}),
				// The key's ARN, never its value: ECS reads it at the task's start.
				"Secrets": []any{map[string]any{"Name": "ANSWER_KEY", "ValueFrom": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Key"))}}},
			})},
		})
	})
	cdktest.MustPass(t, "no desired count, no public IP, 100/200 with rollback", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{
			"DesiredCount": assertions.Match_Absent(),
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": assertions.Match_ObjectLike(&map[string]any{
				"AssignPublicIp": "DISABLED",
			})},
			"DeploymentConfiguration": assertions.Match_ObjectLike(&map[string]any{
				"MinimumHealthyPercent":    100,
				"MaximumPercent":           200,
				"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
			}),
			"PropagateTags": "SERVICE",
		})
	})
	cdktest.MustPass(t, "every security group of the construct reaches out on HTTPS only", func() {
		tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroup"), jsii.Number(1))
		tpl.AllResourcesProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
			"SecurityGroupEgress": []any{map[string]any{
				"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0",
				"Description": assertions.Match_AnyValue(),
			}},
		})
	})
	cdktest.MustPass(t, "logs kept a week", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), map[string]any{"RetentionInDays": 7})
	})
}

func TestStopTimeoutStaysWithinFargatesLimit(t *testing.T) {
	tpl := synth(t, tasks.Props{DrainTimeout: 3 * time.Minute, DesiredCount: 3})
	cdktest.MustPass(t, "stop timeout capped at 120 s", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
			"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{"StopTimeout": 120})},
		})
	})
	cdktest.MustPass(t, "a fixed count when asked", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), map[string]any{"DesiredCount": 3})
	})
}

// Without a health command the container has no check of its own: the
// load balancer's stands, and nothing of an application is assumed.
func TestNoHealthCommandNoContainerCheck(t *testing.T) {
	tpl := synth(t, tasks.Props{ContainerName: "web"})
	cdktest.MustPass(t, "the named container, without a health check", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
			"ContainerDefinitions": []any{assertions.Match_ObjectLike(&map[string]any{
				"Name":        "web",
				"HealthCheck": assertions.Match_Absent(),
			})},
		})
	})
}
