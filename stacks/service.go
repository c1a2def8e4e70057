package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/constructs/alb"
	"github.com/unicorn-rentals/gameday/constructs/cdn"
	"github.com/unicorn-rentals/gameday/constructs/tasks"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/service/api"
)

// What the hash service is to the target's constructs, in one place for
// the game stack and the target stack: the constructs know nothing of it.

// ServiceContainer names the hash service's container in its task
// definition.
const ServiceContainer = "hash"

// ServiceBinary is where the service's image puts the binary
// (service/Dockerfile).
const ServiceBinary = "/hashsvc"

// newAnswerKey makes the key the service answers with: Secrets Manager
// generates it when the stack is created, so its value is in no template,
// image or task definition; the services and the bill's role read it.
// Destroyed with the stack: a key outlives no game.
func newAnswerKey(stack awscdk.Stack) awssecretsmanager.Secret {
	key := awssecretsmanager.NewSecret(stack, jsii.String("AnswerKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String("The key the hash service answers with"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	awscdk.Tags_Of(key).Add(jsii.String(contract.RoleTag), jsii.String(contract.AnswerKeyTag), nil)
	awscdk.NewCfnOutput(stack, jsii.String(contract.AnswerKeyOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("The secret the service answers with; the scoreboard reads it through the BillReader role"),
		Value:       key.SecretArn(),
	})
	return key
}

// serviceTasks runs the service on Fargate, from the image built from the
// service's own folder, for the task's architecture.
func serviceTasks(cfg config.Config, serviceDir string, vpc awsec2.IVpc, subnets *awsec2.SubnetSelection, key awssecretsmanager.ISecret) tasks.Props {
	return tasks.Props{
		Vpc:     vpc,
		Subnets: subnets,
		Image: awsecs.ContainerImage_FromAsset(jsii.String(serviceDir), &awsecs.AssetImageProps{
			Platform: awsecrassets.Platform_LINUX_ARM64(),
		}),
		Architecture:  awsecs.CpuArchitecture_ARM64(),
		ContainerName: ServiceContainer,
		// The image's binary checks its own process (service/Dockerfile).
		HealthCommand: []string{ServiceBinary, "-healthcheck"},
		Port:          api.DefaultPort,
		Env:           cfg.Service.Env(),
		Secrets:       map[string]awssecretsmanager.ISecret{"ANSWER_KEY": key},
		DrainTimeout:  cfg.Service.DrainTimeout,
	}
}

// serviceALB is a load balancer for the service's targets: its port, its
// health path, and a leaving target kept as long as a request can last.
func serviceALB(cfg config.Config, vpc awsec2.IVpc) alb.Props {
	return alb.Props{
		Vpc:                 vpc,
		TargetPort:          api.DefaultPort,
		HealthPath:          api.HealthPath,
		DeregistrationDelay: api.MinDrainTimeout(cfg.Service.Work, cfg.Service.MaxWait),
	}
}

// serviceCDN caches the service's answers: the hash of an input is the
// same for everyone, so the input alone keys the cache, and an answer of
// 65 bytes gains nothing from compression.
func serviceCDN(origin awscloudfront.IOrigin) cdn.Props {
	return cdn.Props{Origin: origin, Param: api.Param, Comment: "Unicorn.Rentals hash service"}
}

// originReadTimeout is how long CloudFront waits for the origin: as long
// as a request may queue at the service, within CloudFront's bounds.
func originReadTimeout(cfg config.Config) awscdk.Duration {
	timeout := api.MinDrainTimeout(cfg.Service.Work, cfg.Service.MaxWait) + 5*time.Second
	timeout = min(max(timeout, minOriginTimeout), maxOriginTimeout).Round(time.Second)
	return awscdk.Duration_Seconds(jsii.Number(timeout.Seconds()))
}

// scaleTasks tracks requests per task on the load balancer's task group,
// aiming at the target value derived from the very settings the service
// is started with.
func scaleTasks(cfg config.Config, t *tasks.Tasks, front *alb.ALB) {
	count := t.Service.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(cfg.MinCapacity),
		MaxCapacity: jsii.Number(cfg.MaxCapacity),
	})
	count.ScaleOnRequestCount(jsii.String("RequestCount"), &awsecs.RequestCountScalingProps{
		RequestsPerTarget: jsii.Number(float64(cfg.Service.TargetRequestsPerMinute())),
		TargetGroup:       front.TaskTargetGroup,
		ScaleOutCooldown:  awscdk.Duration_Seconds(jsii.Number(scaleOutCooldown.Seconds())),
		ScaleInCooldown:   awscdk.Duration_Seconds(jsii.Number(scaleInCooldown.Seconds())),
	})
}
