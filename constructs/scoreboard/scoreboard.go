// Package scoreboard runs the game's scoreboard in AWS: the board as one
// ECS task on Fargate, its database on EFS so that a replaced task resumes
// the game, the load from a separate service of engine workers, the page
// over HTTPS through CloudFront, and the control token in Secrets Manager.
package scoreboard

import (
	"cmp"
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/alb"
	"github.com/unicorn-rentals/gameday/constructs/tasks"
	"github.com/unicorn-rentals/gameday/contract"
)

// BoardPort is where the board listens in its task, and BoardHealthPath
// what it answers while it lives (game/board's routes).
const (
	BoardPort       = 8080
	BoardHealthPath = "/healthz"
)

// nonRootID is tasks.NonRootUser's user and group ID, the distroless
// image's nonroot: the database's access point writes as it.
const nonRootID = "65532"

// DataPath is where the board's task mounts the database's file system.
const DataPath = "/data"

// TokenVariable is the environment variable the control token reaches
// the board's container in, the one gameday board and ctl read.
const TokenVariable = "GAMEDAY_TOKEN"

// WorkerTokenVariable is the environment variable the workers' token
// reaches both containers in: the workers hold it and not the control
// token, so a worker's credential can lease and report, and do nothing
// else.
const WorkerTokenVariable = "GAMEDAY_WORKER_TOKEN"

// TeamsVariable holds the teams file's text in the board's container.
const TeamsVariable = "GAMEDAY_TEAMS"

// openFiles is each container's nofile limit: a worker holds up to 1,100
// connections a team. Fargate's default has been 1,024 and is now 65,535
// (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Ulimit.html);
// the task definition says it rather than rely on the default.
const openFiles = 65535

// Props configures the scoreboard.
type Props struct {
	// Vpc to run in: public subnets for the tasks (their egress to the
	// teams' endpoints and AWS needs no NAT gateway) and isolated ones for
	// the load balancer and the file system. Required.
	Vpc awsec2.IVpc
	// Image is the gameday binary's container image, for Architecture.
	// Required.
	Image awsecs.ContainerImage
	// Architecture of both task kinds. Default ARM64.
	Architecture awsecs.CpuArchitecture
	// Teams is the teams file's text. Required.
	Teams string
	// TeamAccounts are the accounts of the teams billed live: the board
	// may assume the game's roles there (those tagged contract.RoleTag)
	// and nowhere else. Default none: the board assumes no role.
	TeamAccounts []string
	// TeamsRegion is the region of the teams' stacks, where the board
	// reads their bills and starts the script's experiments. Default: this
	// stack's region.
	TeamsRegion *string
	// Workers is the number of engine worker tasks. Default 2.
	Workers int
	// WorkerCPU and WorkerMemoryMiB size each worker. Default 1024 (one
	// vCPU) and 2048.
	WorkerCPU, WorkerMemoryMiB int
	// BoardCPU and BoardMemoryMiB size the board's task. Default 512 and
	// 1024.
	BoardCPU, BoardMemoryMiB int
	// LogRetention is how long both services' logs are kept. Default one
	// week.
	LogRetention awslogs.RetentionDays
}

// Scoreboard is the board, its workers and what they stand on.
type Scoreboard struct {
	constructs.Construct
	Token        awssecretsmanager.Secret
	WorkerToken  awssecretsmanager.Secret
	FileSystem   awsefs.FileSystem
	AccessPoint  awsefs.AccessPoint
	Cluster      awsecs.Cluster
	LogGroup     awslogs.LogGroup
	BoardTask    awsecs.FargateTaskDefinition
	Board        awsecs.FargateService
	WorkerTask   awsecs.FargateTaskDefinition
	Workers      awsecs.FargateService
	Alb          *alb.ALB
	VpcOrigin    awscloudfront.VpcOrigin
	Distribution awscloudfront.Distribution
}

// New creates the scoreboard.
func New(scope constructs.Construct, id string, props Props) *Scoreboard {
	s := &Scoreboard{Construct: constructs.NewConstruct(scope, &id)}
	arch := props.Architecture
	if arch == nil {
		arch = awsecs.CpuArchitecture_ARM64()
	}
	region := props.TeamsRegion
	if region == nil {
		region = awscdk.Aws_REGION()
	}
	workers := cmp.Or(props.Workers, 2)
	retention := cmp.Or(props.LogRetention, awslogs.RetentionDays_ONE_WEEK)
	public := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}
	isolated := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}

	token := func(id, description string) awssecretsmanager.Secret {
		return awssecretsmanager.NewSecret(s.Construct, jsii.String(id), &awssecretsmanager.SecretProps{
			Description: jsii.String(description),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				PasswordLength:     jsii.Number(32),
				ExcludePunctuation: jsii.Bool(true),
			},
		})
	}
	s.Token = token("Token", "The scoreboard's control token: gameday ctl sends it")
	s.WorkerToken = token("WorkerToken", "The scoreboard's workers' token: they lease teams and report minutes with it, and can do nothing else")
	s.FileSystem = awsefs.NewFileSystem(s.Construct, jsii.String("Database"), &awsefs.FileSystemProps{
		Vpc:        props.Vpc,
		VpcSubnets: isolated,
		Encrypted:  jsii.Bool(true),
		// The game's results outlive the stack: export them, then delete
		// the file system (docs/facilitator.md#after-the-day-teardown).
		RemovalPolicy:  awscdk.RemovalPolicy_RETAIN,
		ThroughputMode: awsefs.ThroughputMode_ELASTIC,
		// AWS Backup keeps daily copies too, cents a month for a game's
		// few megabytes.
		EnableAutomaticBackups: jsii.Bool(true),
	})
	// The file system answers the board's mounts and starts nothing: no
	// way out, with the rule the CDK itself writes for a group that allows
	// no outbound traffic (CloudFormation adds allow-all to a group given
	// none). An override keeps the group's logical ID.
	for _, sg := range *s.FileSystem.Connections().SecurityGroups() {
		sg.Node().DefaultChild().(awscdk.CfnResource).AddPropertyOverride(jsii.String("SecurityGroupEgress"), []map[string]any{{
			"CidrIp": "255.255.255.255/32", "Description": "Disallow all traffic", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86,
		}})
	}
	s.AccessPoint = s.FileSystem.AddAccessPoint(jsii.String("Board"), &awsefs.AccessPointOptions{
		Path:      jsii.String("/board"),
		PosixUser: &awsefs.PosixUser{Uid: jsii.String(nonRootID), Gid: jsii.String(nonRootID)},
		CreateAcl: &awsefs.Acl{OwnerUid: jsii.String(nonRootID), OwnerGid: jsii.String(nonRootID), Permissions: jsii.String("750")},
	})
	s.Cluster = awsecs.NewCluster(s.Construct, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                 props.Vpc,
		ContainerInsightsV2: awsecs.ContainerInsights_ENABLED,
	})
	s.LogGroup = awslogs.NewLogGroup(s.Construct, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	s.Alb = alb.New(s.Construct, "Alb", alb.Props{Vpc: props.Vpc, Internal: true, Subnets: isolated, Tasks: true, TargetPort: BoardPort, HealthPath: BoardHealthPath})

	// The board: one task, the only writer of its database. The old task
	// stops before the new one starts (bbolt locks the file; a second
	// board would wait for the lock and fail), and the new one resumes
	// from the last stored minute.
	s.BoardTask = taskDefinition(s.Construct, "BoardTask", arch, cmp.Or(props.BoardCPU, 512), cmp.Or(props.BoardMemoryMiB, 1024))
	s.BoardTask.AddVolume(&awsecs.Volume{
		Name: jsii.String("database"),
		EfsVolumeConfiguration: &awsecs.EfsVolumeConfiguration{
			FileSystemId:        s.FileSystem.FileSystemId(),
			TransitEncryption:   jsii.String("ENABLED"),
			AuthorizationConfig: &awsecs.AuthorizationConfig{AccessPointId: s.AccessPoint.AccessPointId(), Iam: jsii.String("ENABLED")},
		},
	})
	board := s.container(s.BoardTask, "board", props.Image, cmp.Or(props.BoardMemoryMiB, 1024), map[string]awssecretsmanager.Secret{TokenVariable: s.Token, WorkerTokenVariable: s.WorkerToken}, []string{
		"board", "--teams-env", TeamsVariable, "--db", DataPath + "/game.db", "--listen", fmt.Sprintf("0.0.0.0:%d", BoardPort),
		"--workers", fmt.Sprint(workers), "--paused", "--region", *region,
	})
	board.AddEnvironment(jsii.String(TeamsVariable), jsii.String(props.Teams))
	board.AddPortMappings(&awsecs.PortMapping{ContainerPort: jsii.Number(BoardPort)})
	board.AddMountPoints(&awsecs.MountPoint{SourceVolume: jsii.String("database"), ContainerPath: jsii.String(DataPath), ReadOnly: jsii.Bool(false)})
	s.FileSystem.Grant(s.BoardTask.TaskRole(), jsii.String("elasticfilesystem:ClientMount"), jsii.String("elasticfilesystem:ClientWrite"))
	// The live bill and the script's experiments: each team's BillReader
	// and chaos starter roles, found by their tag
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_attribute-based-access-control.html
	// conditions sts:AssumeRole on iam:ResourceTag), in the teams'
	// accounts only; each role's own trust names this account, the
	// board's role and the team's ExternalId.
	if len(props.TeamAccounts) > 0 {
		var roles []*string
		for _, account := range props.TeamAccounts {
			roles = append(roles, jsii.String("arn:"+*awscdk.Aws_PARTITION()+":iam::"+account+":role/*"))
		}
		s.BoardTask.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AssumeTheTeamsGameRoles"),
			Actions:    jsii.Strings("sts:AssumeRole"),
			Resources:  &roles,
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:ResourceTag/" + contract.RoleTag: []string{contract.RoleBillReader, contract.RoleStarter}}},
		}))
	}
	s.Board = s.service("Board", s.BoardTask, 1, public, 0, 100)
	s.FileSystem.Connections().AllowDefaultPortFrom(s.Board, jsii.String("The board's database"))
	s.Board.AttachToApplicationTargetGroup(s.Alb.TaskTargetGroup)

	// The workers: stateless; ECS replaces one that dies, and the board
	// hands its teams to the others when its lease runs out.
	s.WorkerTask = taskDefinition(s.Construct, "WorkerTask", arch, cmp.Or(props.WorkerCPU, 1024), cmp.Or(props.WorkerMemoryMiB, 2048))
	s.container(s.WorkerTask, "worker", props.Image, cmp.Or(props.WorkerMemoryMiB, 2048), map[string]awssecretsmanager.Secret{WorkerTokenVariable: s.WorkerToken}, []string{
		"worker", "--board", fmt.Sprintf("http://%s:%d", *s.Alb.LoadBalancer.LoadBalancerDnsName(), alb.ListenerPort),
	})
	s.Workers = s.service("Workers", s.WorkerTask, workers, public, 100, 200)

	s.VpcOrigin = awscloudfront.NewVpcOrigin(s.Construct, jsii.String("VpcOrigin"), &awscloudfront.VpcOriginProps{
		Endpoint:       awscloudfront.VpcOriginEndpoint_ApplicationLoadBalancer(s.Alb.LoadBalancer),
		ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTP_ONLY,
		HttpPort:       jsii.Number(alb.ListenerPort),
	})
	s.Distribution = awscloudfront.NewDistribution(s.Construct, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment: jsii.String("Unicorn.Rentals GameDay scoreboard"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin: awscloudfrontorigins.VpcOrigin_WithVpcOrigin(s.VpcOrigin, &awscloudfrontorigins.VpcOriginProps{
				// The page's event stream sends a keepalive every 15 s.
				ReadTimeout: awscdk.Duration_Seconds(jsii.Number(30)),
			}),
			// Nothing is cached: the page is live. With caching disabled,
			// the AllViewer policies forward the Authorization header the
			// control calls carry
			// (https://repost.aws/knowledge-center/cloudfront-authorization-header).
			CachePolicy:         awscloudfront.CachePolicy_CACHING_DISABLED(),
			OriginRequestPolicy: awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			AllowedMethods:      awscloudfront.AllowedMethods_ALLOW_ALL(),
			// HTTPS only: a redirect would answer a first request sent in
			// clear, and the page signs its calls with WebCrypto, which
			// runs only in a secure context.
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
		},
		HttpVersion: awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:  awscloudfront.PriceClass_PRICE_CLASS_100,
	})
	return s
}

func taskDefinition(scope constructs.Construct, id string, arch awsecs.CpuArchitecture, cpu, memory int) awsecs.FargateTaskDefinition {
	return awsecs.NewFargateTaskDefinition(scope, jsii.String(id), &awsecs.FargateTaskDefinitionProps{
		Cpu:            jsii.Number(float64(cpu)),
		MemoryLimitMiB: jsii.Number(float64(memory)),
		RuntimePlatform: &awsecs.RuntimePlatform{
			CpuArchitecture:       arch,
			OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
		},
	})
}

// container adds the gameday container, as the nonroot user on a
// read-only root filesystem, with its tokens from Secrets Manager.
func (s *Scoreboard) container(task awsecs.FargateTaskDefinition, name string, image awsecs.ContainerImage, memory int, tokens map[string]awssecretsmanager.Secret, command []string) awsecs.ContainerDefinition {
	secrets := map[string]awsecs.Secret{}
	for variable, secret := range tokens {
		secrets[variable] = awsecs.Secret_FromSecretsManager(secret, nil)
	}
	return task.AddContainer(jsii.String("Container"), &awsecs.ContainerDefinitionOptions{
		ContainerName:          jsii.String(name),
		Image:                  image,
		Command:                jsii.Strings(command...),
		MemoryLimitMiB:         jsii.Number(float64(memory)),
		User:                   jsii.String(tasks.NonRootUser),
		ReadonlyRootFilesystem: jsii.Bool(true),
		Secrets:                &secrets,
		Ulimits:                &[]*awsecs.Ulimit{{Name: awsecs.UlimitName_NOFILE, SoftLimit: jsii.Number(openFiles), HardLimit: jsii.Number(openFiles)}},
		// SIGTERM stops the board between minutes' writes; 30 s is ample.
		StopTimeout: awscdk.Duration_Seconds(jsii.Number((30 * time.Second).Seconds())),
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			StreamPrefix: jsii.String(name),
			LogGroup:     s.LogGroup,
		}),
	})
}

// service runs count tasks in subnets with a public address for egress
// only: the security groups admit nothing from the internet.
func (s *Scoreboard) service(id string, task awsecs.FargateTaskDefinition, count int, subnets *awsec2.SubnetSelection, minHealthy, maxHealthy int) awsecs.FargateService {
	return awsecs.NewFargateService(s.Construct, jsii.String(id), &awsecs.FargateServiceProps{
		Cluster:           s.Cluster,
		TaskDefinition:    task,
		DesiredCount:      jsii.Number(float64(count)),
		VpcSubnets:        subnets,
		AssignPublicIp:    jsii.Bool(true),
		MinHealthyPercent: jsii.Number(float64(minHealthy)),
		MaxHealthyPercent: jsii.Number(float64(maxHealthy)),
		CircuitBreaker:    &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
	})
}
