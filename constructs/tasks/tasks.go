// Package tasks runs one container as an ECS service on Fargate: the
// smallest task that fits, on Graviton, hardened the way a container should
// be (non-root, read-only root filesystem, exec-form health check, HTTPS
// the only way out) and deployed without ever dropping below the running
// count. What is the application's (its container's name, its health
// command, its port) the caller passes in.
package tasks

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NonRootUser is the distroless image's nonroot user and group.
const NonRootUser = "65532:65532"

// Defaults of the props.
const (
	DefaultContainerName = "app"
	DefaultPort          = 8080
	DefaultDrainTimeout  = 25 * time.Second
)

// maxStopTimeout is Fargate's ceiling for a container's stop timeout.
const maxStopTimeout = 120 * time.Second

// Props configures the service.
type Props struct {
	// Vpc to run in. Required.
	Vpc awsec2.IVpc
	// Subnets for the tasks. Default: the VPC's private subnets.
	Subnets *awsec2.SubnetSelection
	// PublicAddress gives each task a public IPv4 address, its way out in
	// a subnet without a NAT gateway; the security group still admits
	// nothing from the internet. Default false.
	PublicAddress bool
	// Cluster to run in. Default: a new one, with Container Insights.
	Cluster awsecs.ICluster
	// LogGroup for the container's logs. Default: a new one, kept for
	// LogRetention.
	LogGroup awslogs.ILogGroup
	// SecurityGroup for the tasks, whose rules are then the caller's.
	// Default: the service's own, which reaches out on HTTPS only.
	SecurityGroup awsec2.ISecurityGroup
	// Image is the service's container image, built for Architecture.
	// Required.
	Image awsecs.ContainerImage
	// Architecture of the task. Default ARM64 (Graviton: 20% cheaper per
	// vCPU-hour than x86).
	Architecture awsecs.CpuArchitecture
	// CPU units of the task. Default 256 (0.25 vCPU), Fargate's smallest.
	CPU int
	// MemoryMiB of the task. Default 512, the smallest that 256 CPU units allow.
	MemoryMiB int
	// Command overrides the image's command. Default: the image's.
	Command []string
	// Env is the service's environment (ADDR, WORK, ...). Default: none,
	// the service's own defaults.
	Env map[string]string
	// Secrets are environment variables ECS fills from Secrets Manager
	// when a task starts: the task definition holds only their ARNs.
	// Default none.
	Secrets map[string]awssecretsmanager.ISecret
	// ContainerName names the one container, and its log streams' prefix.
	// Default DefaultContainerName ("app").
	ContainerName string
	// HealthCommand is the container's health check, in exec form (the
	// command and its arguments, no shell): ECS replaces a task that
	// fails it. Default none: the load balancer's check alone.
	HealthCommand []string
	// Port the container listens on. Default DefaultPort (8080).
	Port int
	// DesiredCount fixes the number of tasks. Default 0: not set, because
	// an autoscaler owns the count and a deployment must not reset it.
	DesiredCount int
	// DrainTimeout is how long the service may take to stop after SIGTERM;
	// ECS waits 5 s more before it kills, at most 120 s. Default
	// DefaultDrainTimeout (25 s).
	DrainTimeout time.Duration
	// HealthCheckGracePeriod is how long a new task behind a load
	// balancer (ServeFrom) has before its failed checks count. Default
	// 30 s.
	HealthCheckGracePeriod time.Duration
	// LogRetention is how long the service's logs are kept, when the
	// construct makes the log group. Default one week.
	LogRetention awslogs.RetentionDays

	// Escape hatches: each is called with the props the construct has
	// filled, just before the resource is made, and may change any of
	// them. Default none.
	TaskDefinitionProps func(*awsecs.FargateTaskDefinitionProps)
	ContainerOptions    func(*awsecs.ContainerDefinitionOptions)
	ServiceProps        func(*awsecs.FargateServiceProps)
}

// Tasks is the cluster, the task definition and the service.
type Tasks struct {
	constructs.Construct
	Cluster        awsecs.ICluster   // Props.Cluster, or the one made
	LogGroup       awslogs.ILogGroup // Props.LogGroup, or the one made
	TaskDefinition awsecs.FargateTaskDefinition
	Container      awsecs.ContainerDefinition
	Service        awsecs.FargateService

	grace time.Duration
}

// New creates the service. It attaches no load balancer: the caller
// registers it with ServeFrom.
func New(scope constructs.Construct, id string, props Props) *Tasks {
	t := &Tasks{Construct: constructs.NewConstruct(scope, &id), grace: cmp.Or(props.HealthCheckGracePeriod, 30*time.Second)}
	arch := props.Architecture
	if arch == nil {
		arch = awsecs.CpuArchitecture_ARM64()
	}
	cpu := cmp.Or(props.CPU, 256)
	memory := cmp.Or(props.MemoryMiB, 512)
	port := cmp.Or(props.Port, DefaultPort)
	drain := cmp.Or(props.DrainTimeout, DefaultDrainTimeout)
	name := cmp.Or(props.ContainerName, DefaultContainerName)
	retention := cmp.Or(props.LogRetention, awslogs.RetentionDays_ONE_WEEK)
	env := map[string]*string{}
	for k, v := range props.Env {
		env[k] = jsii.String(v)
	}

	t.Cluster = props.Cluster
	if t.Cluster == nil {
		t.Cluster = awsecs.NewCluster(t.Construct, jsii.String("Cluster"), &awsecs.ClusterProps{
			Vpc:                 props.Vpc,
			ContainerInsightsV2: awsecs.ContainerInsights_ENABLED,
		})
	}
	t.LogGroup = props.LogGroup
	if t.LogGroup == nil {
		t.LogGroup = awslogs.NewLogGroup(t.Construct, jsii.String("Logs"), &awslogs.LogGroupProps{
			Retention:     retention,
			RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
		})
	}
	taskProps := &awsecs.FargateTaskDefinitionProps{
		Cpu:            jsii.Number(float64(cpu)),
		MemoryLimitMiB: jsii.Number(float64(memory)),
		RuntimePlatform: &awsecs.RuntimePlatform{
			CpuArchitecture:       arch,
			OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
		},
	}
	customize(props.TaskDefinitionProps, taskProps)
	t.TaskDefinition = awsecs.NewFargateTaskDefinition(t.Construct, jsii.String("TaskDefinition"), taskProps)
	var command *[]*string
	if len(props.Command) > 0 {
		command = jsii.Strings(props.Command...)
	}
	containerOptions := &awsecs.ContainerDefinitionOptions{
		ContainerName: jsii.String(name),
		Image:         props.Image,
		Command:       command,
		// The task's memory, as a hard limit: a leak stops the container,
		// not the task's neighbours.
		MemoryLimitMiB:         jsii.Number(float64(memory)),
		Environment:            &env,
		Secrets:                secrets(props.Secrets),
		PortMappings:           &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(float64(port))}},
		User:                   jsii.String(NonRootUser),
		ReadonlyRootFilesystem: jsii.Bool(true),
		StopTimeout:            awscdk.Duration_Seconds(jsii.Number(stopTimeout(drain).Seconds())),
		HealthCheck:            healthCheck(props.HealthCommand),
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			StreamPrefix: jsii.String(name),
			LogGroup:     t.LogGroup,
		}),
	}
	customize(props.ContainerOptions, containerOptions)
	t.Container = t.TaskDefinition.AddContainer(jsii.String("Container"), containerOptions)

	var desired *float64
	if props.DesiredCount > 0 {
		desired = jsii.Number(float64(props.DesiredCount))
	}
	var groups *[]awsec2.ISecurityGroup
	if props.SecurityGroup != nil {
		groups = &[]awsec2.ISecurityGroup{props.SecurityGroup}
	}
	serviceProps := &awsecs.FargateServiceProps{
		Cluster:        t.Cluster,
		TaskDefinition: t.TaskDefinition,
		DesiredCount:   desired,
		VpcSubnets:     props.Subnets,
		SecurityGroups: groups,
		AssignPublicIp: jsii.Bool(props.PublicAddress),
		// A new task starts before an old one stops; a deployment whose
		// tasks never become healthy rolls back by itself.
		MinHealthyPercent: jsii.Number(100),
		MaxHealthyPercent: jsii.Number(200),
		CircuitBreaker:    &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		// Tasks carry the service's tags, so chaos experiments find them.
		PropagateTags: awsecs.PropagatedTagSource_SERVICE,
	}
	customize(props.ServiceProps, serviceProps)
	t.Service = awsecs.NewFargateService(t.Construct, jsii.String("Service"), serviceProps)
	if props.SecurityGroup != nil {
		return t // the caller's group, with the caller's rules
	}
	// The tasks reach out over HTTPS only: the image registry and its
	// layers, the logs, Secrets Manager. DNS to the VPC's resolver is never
	// filtered by a security group
	// (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Security.html),
	// and the answers to the load balancer's requests are allowed by the
	// group's connection tracking. The group keeps its logical ID: only its
	// egress rules change, in place.
	for _, sg := range *t.Service.Connections().SecurityGroups() {
		sg.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("SecurityGroupEgress"), []map[string]any{{
			"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0",
			"Description": "HTTPS out only: the image registry, the logs, Secrets Manager",
		}})
	}
	return t
}

// ServeFrom registers the tasks with a load balancer's target group of IP
// targets, which also opens their security group to the load balancer on
// the container's port, and gives a new task HealthCheckGracePeriod to
// start before the load balancer's health checks count against it (ECS
// takes a grace period only with a load balancer:
// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html).
func (t *Tasks) ServeFrom(group elbv2.IApplicationTargetGroup) {
	t.Service.AttachToApplicationTargetGroup(group)
	t.Service.Node().DefaultChild().(awsecs.CfnService).SetHealthCheckGracePeriodSeconds(jsii.Number(t.grace.Seconds()))
}

// customize lets the caller's escape hatch change the props, if it has one.
func customize[P any](hatch func(*P), props *P) {
	if hatch != nil {
		hatch(props)
	}
}

// secrets are the container's secret variables; none without any.
func secrets(from map[string]awssecretsmanager.ISecret) *map[string]awsecs.Secret {
	if len(from) == 0 {
		return nil
	}
	out := map[string]awsecs.Secret{}
	for name, secret := range from {
		out[name] = awsecs.Secret_FromSecretsManager(secret, nil)
	}
	return &out
}

// healthCheck is the container's check in exec form (an image without a
// shell has nothing to run CMD-SHELL with); none without a command.
func healthCheck(command []string) *awsecs.HealthCheck {
	if len(command) == 0 {
		return nil
	}
	return &awsecs.HealthCheck{
		Command:     jsii.Strings(append([]string{"CMD"}, command...)...),
		Interval:    awscdk.Duration_Seconds(jsii.Number(10)),
		Timeout:     awscdk.Duration_Seconds(jsii.Number(3)),
		Retries:     jsii.Number(3),
		StartPeriod: awscdk.Duration_Seconds(jsii.Number(5)),
	}
}

// stopTimeout gives the service its drain time and 5 s to exit, within
// Fargate's limit.
func stopTimeout(drain time.Duration) time.Duration {
	return min(drain.Round(time.Second)+5*time.Second, maxStopTimeout)
}
