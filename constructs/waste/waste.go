// Package waste holds what the CTO left running for nothing: an idle
// Elastic IP, an unattached volume and a forgotten instance. The cleanup fix
// removes the whole construct.
package waste

import (
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
	// InstanceType of the forgotten instance. Default "m5.large".
	InstanceType string
	// VolumeGiB is the size of the unattached gp2 volume. Default 100.
	VolumeGiB int
}

// Waste is the idle resources.
type Waste struct {
	constructs.Construct
	IdleAddress       awsec2.CfnEIP
	UnattachedVolume  awsec2.Volume
	ForgottenInstance awsec2.Instance
}

// New creates the idle resources. They are deleted with the stack or when
// cleanup removes them: the volume's default RETAIN would keep billing.
func New(scope constructs.Construct, id string, props Props) *Waste {
	w := &Waste{Construct: constructs.NewConstruct(scope, &id)}
	instanceType := props.InstanceType
	if instanceType == "" {
		instanceType = "m5.large"
	}
	size := props.VolumeGiB
	if size == 0 {
		size = 100
	}
	w.IdleAddress = awsec2.NewCfnEIP(w.Construct, jsii.String("IdleAddress"), &awsec2.CfnEIPProps{Domain: jsii.String("vpc")})
	w.UnattachedVolume = awsec2.NewVolume(w.Construct, jsii.String("UnattachedVolume"), &awsec2.VolumeProps{
		AvailabilityZone: props.Subnet.AvailabilityZone(),
		Size:             awscdk.Size_Gibibytes(jsii.Number(float64(size))),
		VolumeType:       awsec2.EbsDeviceVolumeType_GP2,
		Encrypted:        jsii.Bool(false),
		RemovalPolicy:    awscdk.RemovalPolicy_DESTROY,
	})
	w.ForgottenInstance = awsec2.NewInstance(w.Construct, jsii.String("ForgottenInstance"), &awsec2.InstanceProps{
		Vpc:          props.Vpc,
		VpcSubnets:   &awsec2.SubnetSelection{Subnets: &[]awsec2.ISubnet{props.Subnet}},
		InstanceType: awsec2.NewInstanceType(jsii.String(instanceType)),
		MachineImage: awsec2.MachineImage_LatestAmazonLinux2023(nil),
	})
	return w
}
