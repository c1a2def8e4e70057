// Package waste holds what the CTO left running for nothing: an idle
// Elastic IP, an unattached volume and a forgotten instance. The cleanup fix
// removes the whole construct.
package waste

import (
	"cmp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures the waste.
type Props struct {
	// Vpc for the forgotten instance. Required.
	Vpc awsec2.IVpc
	// Subnet for the forgotten instance and the volume's AZ. Required.
	Subnet awsec2.ISubnet
	// InstanceType of the forgotten instance. Required: the stack passes
	// the fleet's.
	InstanceType string
	// MachineImage of the forgotten instance. Default: the latest Amazon
	// Linux 2023, resolved from SSM at every deploy.
	MachineImage awsec2.IMachineImage
	// VolumeGiB is the size of the unattached gp2 volume. Default 100.
	VolumeGiB int
	// Flaws the CTO's instance and volume share with the fleet; each is off
	// by default.
	Flaws Flaws
}

// Flaws of the idle resources beyond their being idle.
type Flaws struct {
	IMDSv1      bool // the instance accepts metadata requests without tokens
	Unencrypted bool // the volume and the instance's root volume are not encrypted
}

// Waste is the idle resources.
type Waste struct {
	constructs.Construct
	IdleAddress       awsec2.CfnEIP
	UnattachedVolume  awsec2.Volume
	ForgottenInstance awsec2.Instance
}

// New creates the idle resources. Their construct IDs (so their logical
// IDs, Name tags and descriptions) are what the CTO would have called
// them, never what is wrong with them: players find them by what they do,
// or fail to (catalog.GiveawayWords, test/names_test.go).
//
// New creates them. They are deleted with the stack or when
// cleanup removes them: the volume's default RETAIN would keep billing.
func New(scope constructs.Construct, id string, props Props) *Waste {
	w := &Waste{Construct: constructs.NewConstruct(scope, &id)}
	size := cmp.Or(props.VolumeGiB, 100)
	w.IdleAddress = awsec2.NewCfnEIP(w.Construct, jsii.String("Address"), &awsec2.CfnEIPProps{Domain: jsii.String("vpc")})
	w.UnattachedVolume = awsec2.NewVolume(w.Construct, jsii.String("DataVolume"), &awsec2.VolumeProps{
		AvailabilityZone: props.Subnet.AvailabilityZone(),
		Size:             awscdk.Size_Gibibytes(jsii.Number(float64(size))),
		VolumeType:       awsec2.EbsDeviceVolumeType_GP2,
		Encrypted:        jsii.Bool(!props.Flaws.Unencrypted),
		RemovalPolicy:    awscdk.RemovalPolicy_DESTROY,
	})
	var root *[]*awsec2.BlockDevice // the image's default: not encrypted
	if !props.Flaws.Unencrypted {
		root = &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(8), &awsec2.EbsDeviceOptions{
				VolumeType: awsec2.EbsDeviceVolumeType_GP3,
				Encrypted:  jsii.Bool(true),
			}),
		}}
	}
	w.ForgottenInstance = awsec2.NewInstance(w.Construct, jsii.String("Host"), &awsec2.InstanceProps{
		Vpc:           props.Vpc,
		VpcSubnets:    &awsec2.SubnetSelection{Subnets: &[]awsec2.ISubnet{props.Subnet}},
		InstanceType:  awsec2.NewInstanceType(jsii.String(props.InstanceType)),
		MachineImage:  cmp.Or[awsec2.IMachineImage](props.MachineImage, awsec2.MachineImage_LatestAmazonLinux2023(nil)),
		RequireImdsv2: jsii.Bool(!props.Flaws.IMDSv1),
		BlockDevices:  root,
	})
	return w
}
