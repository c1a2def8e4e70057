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
	"github.com/unicorn-rentals/gameday/constructs/cdn"
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

// maxOpenFiles is each container's nofile limit (openFiles).
const maxOpenFiles = 65535

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

// Scoreboard is the board, its workers and what they stand on. The board
// is the target's pattern again, live: CloudFront through a VPC origin to
// an internal load balancer and a Fargate service, from the same
// constructs.
type Scoreboard struct {
	constructs.Construct
	Token       awssecretsmanager.Secret
	WorkerToken awssecretsmanager.Secret
	FileSystem  awsefs.FileSystem
	AccessPoint awsefs.AccessPoint
	Cluster     awsecs.Cluster
	LogGroup    awslogs.LogGroup
	Board       *tasks.Tasks
	Workers     *tasks.Tasks
	Alb         *alb.ALB
	VpcOrigin   awscloudfront.VpcOrigin
	Cdn         *cdn.CDN
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
	// from the last stored minute. It reaches out to AWS on HTTPS and to
	// its file system, nowhere else.
	boardGroup := awsec2.NewSecurityGroup(s.Construct, jsii.String("BoardSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("Scoreboard board: AWS APIs on HTTPS, its database; in from its load balancer only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	boardGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("AWS's APIs: the teams' roles, the logs, the image"), nil)
	s.Board = tasks.New(s.Construct, "Board", tasks.Props{
		Vpc: props.Vpc, Subnets: public, PublicAddress: true,
		Cluster: s.Cluster, LogGroup: s.LogGroup, SecurityGroup: boardGroup,
		Image: props.Image, Architecture: arch,
		CPU: cmp.Or(props.BoardCPU, 512), MemoryMiB: cmp.Or(props.BoardMemoryMiB, 1024),
		ContainerName: "board", Port: BoardPort, DesiredCount: 1,
		Command: []string{
			"board", "--teams-env", TeamsVariable, "--db", DataPath + "/game.db", "--listen", fmt.Sprintf("0.0.0.0:%d", BoardPort),
			"--workers", fmt.Sprint(workers), "--paused", "--region", *region,
		},
		Env:     map[string]string{TeamsVariable: props.Teams},
		Secrets: map[string]awssecretsmanager.ISecret{TokenVariable: s.Token, WorkerTokenVariable: s.WorkerToken},
		// The board reads every live team's key before it listens.
		HealthCheckGracePeriod: 2 * time.Minute,
		ContainerOptions:       openFiles,
		ServiceProps: func(p *awsecs.FargateServiceProps) {
			p.MinHealthyPercent, p.MaxHealthyPercent = jsii.Number(0), jsii.Number(100)
		},
	})
	s.Board.TaskDefinition.AddVolume(&awsecs.Volume{
		Name: jsii.String("database"),
		EfsVolumeConfiguration: &awsecs.EfsVolumeConfiguration{
			FileSystemId:        s.FileSystem.FileSystemId(),
			TransitEncryption:   jsii.String("ENABLED"),
			AuthorizationConfig: &awsecs.AuthorizationConfig{AccessPointId: s.AccessPoint.AccessPointId(), Iam: jsii.String("ENABLED")},
		},
	})
	s.Board.Container.AddMountPoints(&awsecs.MountPoint{SourceVolume: jsii.String("database"), ContainerPath: jsii.String(DataPath), ReadOnly: jsii.Bool(false)})
	s.FileSystem.Grant(s.Board.TaskDefinition.TaskRole(), jsii.String("elasticfilesystem:ClientMount"), jsii.String("elasticfilesystem:ClientWrite"))
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
		s.Board.TaskDefinition.AddToTaskRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AssumeTheTeamsGameRoles"),
			Actions:    jsii.Strings("sts:AssumeRole"),
			Resources:  &roles,
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:ResourceTag/" + contract.RoleTag: []string{contract.RoleBillReader, contract.RoleStarter}}},
		}))
	}
	s.FileSystem.Connections().AllowDefaultPortFrom(s.Board.Service, jsii.String("The board's database"))
	s.Board.ServeFrom(s.Alb.TaskTargetGroup)

	// The workers: stateless; ECS replaces one that dies, and the board
	// hands its teams to the others when its lease runs out. They reach
	// the teams' endpoints on whatever port a team's URL names, and the
	// board through its load balancer; they listen on nothing.
	workerGroup := awsec2.NewSecurityGroup(s.Construct, jsii.String("WorkersSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("Scoreboard workers: out to team endpoints and the board over TCP; nothing in"),
		AllowAllOutbound: jsii.Bool(false),
	})
	workerGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_AllTcp(), jsii.String("The teams' endpoints on any port their URLs name, the board, AWS's APIs"), nil)
	s.Workers = tasks.New(s.Construct, "Workers", tasks.Props{
		Vpc: props.Vpc, Subnets: public, PublicAddress: true,
		Cluster: s.Cluster, LogGroup: s.LogGroup, SecurityGroup: workerGroup,
		Image: props.Image, Architecture: arch,
		CPU: cmp.Or(props.WorkerCPU, 1024), MemoryMiB: cmp.Or(props.WorkerMemoryMiB, 2048),
		ContainerName: "worker", DesiredCount: workers,
		Command: []string{"worker", "--board", fmt.Sprintf("http://%s:%d", *s.Alb.LoadBalancer.LoadBalancerDnsName(), alb.ListenerPort)},
		Secrets: map[string]awssecretsmanager.ISecret{WorkerTokenVariable: s.WorkerToken},
		ContainerOptions: func(o *awsecs.ContainerDefinitionOptions) {
			openFiles(o)
			o.PortMappings = nil
		},
	})

	s.VpcOrigin = s.Alb.VpcOrigin(s.Construct, "VpcOrigin")
	s.Cdn = cdn.New(s.Construct, "Cdn", cdn.Props{
		Origin: awscloudfrontorigins.VpcOrigin_WithVpcOrigin(s.VpcOrigin, &awscloudfrontorigins.VpcOriginProps{
			// The page's event stream sends a keepalive every 15 s.
			ReadTimeout: awscdk.Duration_Seconds(jsii.Number(30)),
		}),
		// Nothing is cached, the control calls' Authorization header and
		// POSTs pass
		// (https://repost.aws/knowledge-center/cloudfront-authorization-header),
		// and viewers come on HTTPS only: the page signs its calls with
		// WebCrypto, which runs only in a secure context.
		Live:    true,
		Comment: "Unicorn.Rentals GameDay scoreboard",
	})
	return s
}

// openFiles sets each container's nofile limit: a worker holds up to
// 1,100 connections a team. Fargate's default has been 1,024 and is now
// 65,535 (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Ulimit.html);
// the task definition says it rather than rely on the default.
func openFiles(o *awsecs.ContainerDefinitionOptions) {
	o.Ulimits = &[]*awsecs.Ulimit{{Name: awsecs.UlimitName_NOFILE, SoftLimit: jsii.Number(maxOpenFiles), HardLimit: jsii.Number(maxOpenFiles)}}
}
