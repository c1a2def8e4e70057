// Package fleet runs the hash service binary on EC2: a launch template and
// an Auto Scaling group of one instance type, started by user data.
package fleet

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/service/api"
)

// BinaryPath is where user data installs the service.
const BinaryPath = "/usr/local/bin/hashsvc"

// KeyPath is where user data writes the answer key, readable by root
// alone.
const (
	keyDir  = "/etc/hashsvc"
	KeyPath = keyDir + "/answer-key"
)

// Props configures the fleet.
type Props struct {
	// Vpc to run in. Required.
	Vpc awsec2.IVpc
	// Subnets to launch into. Default: the VPC's private subnets.
	Subnets *awsec2.SubnetSelection
	// Binary is the service's linux/amd64 binary as an S3 asset. Required.
	Binary awss3assets.Asset
	// Env is the service's environment (ADDR, WORK, ...). Default: none,
	// the service's own defaults.
	Env map[string]string
	// AnswerKey is the secret holding the game's answer key, which each
	// instance reads at boot into a root-only file. Required.
	AnswerKey awssecretsmanager.ISecret
	// InstanceType is the EC2 instance type. Required: the stack passes
	// the one type the game allows.
	InstanceType string
	// Size is the fixed number of instances: min = max = desired.
	// Default 2. Ignored when MaxSize is set.
	Size int
	// MinSize and MaxSize hand the size to a scaling policy: the group
	// stays between them and its desired capacity is left unset, so a
	// deployment never resets what the policy chose. Default 0: a fixed
	// fleet of Size.
	MinSize, MaxSize int
	// BootTime is how long a new instance takes to serve: the group's
	// health checks wait that long, and two of the load balancer's 10 s
	// checks more, before they judge it. Default 90s.
	BootTime time.Duration
	// MachineImage is the AMI. Default: the latest Amazon Linux 2023,
	// resolved from SSM at every deploy.
	MachineImage awsec2.IMachineImage
	// DrainTimeout is how long the service may take to stop; the
	// supervisor waits a little longer before it kills. Default 25s.
	DrainTimeout time.Duration
	// Flaws are the CTO's mistakes; each is off by default.
	Flaws Flaws
}

// Flaws the baseline turns on. The zero value is a well-run fleet.
type Flaws struct {
	UpgradeOnBoot      bool // dnf upgrade and tool installs on every boot
	NoSupervisor       bool // started with nohup: a crash is never restarted
	EC2HealthCheck     bool // the group ignores the load balancer's health view
	NoRollingUpdate    bool // a new launch template reaches no running instance
	DetailedMonitoring bool // 1-minute EC2 metrics nobody reads
	OversizedRoot      bool // 100 GiB gp2 root volumes instead of 8 GiB gp3
	OpenSecurityGroup  bool // all TCP from 0.0.0.0/0
	IMDSv1             bool // instance metadata without tokens
	Unencrypted        bool // EBS volumes not encrypted
}

// Fleet is the EC2 side of the service.
type Fleet struct {
	constructs.Construct
	SecurityGroup  awsec2.SecurityGroup
	Role           awsiam.Role
	LaunchTemplate awsec2.LaunchTemplate
	Group          awsautoscaling.AutoScalingGroup
}

// New creates the fleet. It does not attach a load balancer: the caller
// registers Group with whichever one is in front.
func New(scope constructs.Construct, id string, props Props) *Fleet {
	f := &Fleet{Construct: constructs.NewConstruct(scope, &id)}
	flaws := props.Flaws
	size := cmp.Or(props.Size, 2)
	minSize, maxSize, desired := size, size, jsii.Number(size)
	if props.MaxSize > 0 {
		minSize, maxSize, desired = max(props.MinSize, 1), props.MaxSize, nil
	}
	drain := cmp.Or(props.DrainTimeout, api.DefaultDrainTimeout)

	f.SecurityGroup = awsec2.NewSecurityGroup(f.Construct, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              props.Vpc,
		Description:      jsii.String("Hash service instances"),
		AllowAllOutbound: jsii.Bool(true),
	})
	if flaws.OpenSecurityGroup {
		f.SecurityGroup.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_AllTcp(), jsii.String("Open to the world"), nil)
		// Deliberate: the template validator's warning is the flaw itself.
		awscdk.Validations_Of(f.SecurityGroup).Acknowledge(&awscdk.Acknowledgment{
			Id:     jsii.String("CloudFormation-Validate::W2508"),
			Reason: jsii.String("open-security-group is a deliberate flaw of the baseline"),
		})
	}

	f.Role = awsiam.NewRole(f.Construct, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		// Session Manager instead of SSH: teams can look inside an instance.
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore"))},
	})
	props.Binary.GrantRead(f.Role)
	props.AnswerKey.GrantRead(f.Role, nil)

	rootSize, rootType := 8.0, awsec2.EbsDeviceVolumeType_GP3
	if flaws.OversizedRoot {
		rootSize, rootType = 100, awsec2.EbsDeviceVolumeType_GP2
	}
	httpTokens := awsec2.LaunchTemplateHttpTokens_REQUIRED
	if flaws.IMDSv1 {
		httpTokens = awsec2.LaunchTemplateHttpTokens_OPTIONAL
	}
	f.LaunchTemplate = awsec2.NewLaunchTemplate(f.Construct, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:       awsec2.NewInstanceType(jsii.String(props.InstanceType)),
		MachineImage:       cmp.Or[awsec2.IMachineImage](props.MachineImage, awsec2.MachineImage_LatestAmazonLinux2023(nil)),
		SecurityGroup:      f.SecurityGroup,
		Role:               f.Role,
		UserData:           userData(props, flaws, drain),
		DetailedMonitoring: jsii.Bool(flaws.DetailedMonitoring),
		HttpTokens:         httpTokens,
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(rootSize), &awsec2.EbsDeviceOptions{
				VolumeType: rootType,
				Encrypted:  jsii.Bool(!flaws.Unencrypted),
			}),
		}},
	})

	// A booting instance fails its load balancer's checks until it
	// serves; judged sooner, it is replaced, and its successor too.
	grace := awscdk.Duration_Seconds(jsii.Number((cmp.Or(props.BootTime, 90*time.Second) + 2*10*time.Second).Seconds()))
	healthChecks := awsautoscaling.HealthChecks_WithAdditionalChecks(&awsautoscaling.AdditionalHealthChecksOptions{
		AdditionalTypes: &[]awsautoscaling.AdditionalHealthCheckType{awsautoscaling.AdditionalHealthCheckType_ELB},
		GracePeriod:     grace,
	})
	if flaws.EC2HealthCheck {
		healthChecks = awsautoscaling.HealthChecks_Ec2(&awsautoscaling.Ec2HealthChecksOptions{GracePeriod: grace})
	}
	var updatePolicy awsautoscaling.UpdatePolicy // none: the CDK's default without init
	if !flaws.NoRollingUpdate {
		// One instance at a time. CloudFormation requires MinInstancesInService
		// to be below MaxSize, and a fixed fleet's MaxSize is its size.
		updatePolicy = awsautoscaling.UpdatePolicy_RollingUpdate(&awsautoscaling.RollingUpdateOptions{
			MaxBatchSize:          jsii.Number(1),
			MinInstancesInService: jsii.Number(min(minSize, maxSize-1)),
			PauseTime:             awscdk.Duration_Minutes(jsii.Number(5)),
		})
	}
	f.Group = awsautoscaling.NewAutoScalingGroup(f.Construct, jsii.String("Group"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:             props.Vpc,
		VpcSubnets:      props.Subnets,
		LaunchTemplate:  f.LaunchTemplate,
		MinCapacity:     jsii.Number(minSize),
		MaxCapacity:     jsii.Number(maxSize),
		DesiredCapacity: desired,
		HealthChecks:    healthChecks,
		UpdatePolicy:    updatePolicy,
		// One-minute group metrics are free; the dashboard counts instances.
		GroupMetrics: &[]awsautoscaling.GroupMetrics{awsautoscaling.NewGroupMetrics(awsautoscaling.GroupMetric_IN_SERVICE_INSTANCES())},
	})
	if desired != nil {
		// A fixed size is the point of this group: every deployment resets it.
		awscdk.Annotations_Of(f.Group).AcknowledgeWarning(jsii.String("@aws-cdk/aws-autoscaling:desiredCapacitySet"), jsii.String("the fleet has a fixed size: min = max = desired"))
	}
	return f
}

// userData installs and starts the service. The flawed way upgrades the
// OS and starts the binary with nohup; the fixed way downloads the binary
// and hands it to systemd.
func userData(props Props, flaws Flaws, drain time.Duration) awsec2.UserData {
	ud := awsec2.UserData_ForLinux(nil)
	if flaws.UpgradeOnBoot {
		ud.AddCommands(
			jsii.String("dnf -y upgrade"),
			jsii.String("dnf -y install htop tmux git jq gcc make"),
		)
	}
	ud.AddS3DownloadCommand(&awsec2.S3DownloadOptions{
		Bucket:    props.Binary.Bucket(),
		BucketKey: props.Binary.S3ObjectKey(),
		LocalFile: jsii.String(BinaryPath),
		Region:    awscdk.Aws_REGION(),
	})
	ud.AddCommands(jsii.String("chmod 0755 " + BinaryPath))
	// The key goes from Secrets Manager to a file only root reads: it is
	// in no template, launch template or process argument.
	ud.AddCommands(
		jsii.String("install -d -m 0700 "+keyDir),
		awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("(umask 0377; aws secretsmanager get-secret-value --region "), awscdk.Aws_REGION(),
			jsii.String(" --secret-id "), props.AnswerKey.SecretArn(),
			jsii.String(" --query SecretString --output text > " + KeyPath + ")"),
		}),
	)
	keys := slices.Sorted(maps.Keys(props.Env))
	if flaws.NoSupervisor {
		env := []string{"ANSWER_KEY_FILE=" + KeyPath} // nohup runs it as root
		for _, k := range keys {
			env = append(env, k+"="+props.Env[k])
		}
		ud.AddCommands(jsii.String(fmt.Sprintf("nohup env %s %s >> /var/log/hashsvc.log 2>&1 &", strings.Join(env, " "), BinaryPath)))
		return ud
	}
	var unit strings.Builder
	unit.WriteString("[Unit]\nDescription=Unicorn.Rentals hash service\nAfter=network-online.target\n\n[Service]\n")
	for _, k := range keys {
		fmt.Fprintf(&unit, "Environment=%s=%s\n", k, props.Env[k])
	}
	// The service's dynamic user cannot read the root-only file: systemd
	// hands it a copy in the unit's own credentials directory, %d
	// (https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Credentials).
	fmt.Fprintf(&unit, "LoadCredential=answer-key:%s\nEnvironment=ANSWER_KEY_FILE=%%d/answer-key\n", KeyPath)
	fmt.Fprintf(&unit, "ExecStart=%s\nRestart=always\nRestartSec=1\nDynamicUser=yes\nKillSignal=SIGTERM\nTimeoutStopSec=%d\n\n[Install]\nWantedBy=multi-user.target\n",
		BinaryPath, int((drain + 5*time.Second).Seconds()))
	ud.AddCommands(
		jsii.String("cat > /etc/systemd/system/hashsvc.service <<'UNIT'\n"+unit.String()+"UNIT"),
		jsii.String("systemctl daemon-reload"),
		jsii.String("systemctl enable --now hashsvc"),
	)
	return ud
}
