// Package network is the game's VPC: public subnets for the load balancer
// and NAT, the CTO's small application subnets, and room reserved for the
// wide application subnets the subnets fix adds.
package network

import (
	"cmp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Subnet group names. The order of the groups in the VPC fixes every
// subnet's CIDR block: groups are only ever appended, and the wide group is
// reserved from the start, so no fix moves or overlaps an existing subnet.
const (
	PublicGroup  = "Public"  // /26 per AZ: load balancer nodes, NAT gateways
	AppGroup     = "App"     // /27 per AZ: the CTO's application subnets, 27 usable addresses each
	WideAppGroup = "WideApp" // /20 per AZ: 4,091 usable addresses each, reserved until the subnets fix
)

// CIDR is the VPC's address range: a /16, far more than the subnets use.
const CIDR = "10.0.0.0/16"

// Props configures the network. The zero value is the CTO's network.
type Props struct {
	// WideAppSubnets creates the reserved /20 application subnets (the
	// subnets fix). Default false: their space is reserved but empty.
	WideAppSubnets bool
	// NatGateways is the number of NAT gateways, one per AZ at most.
	// Default 0 means one per AZ (2), as the CTO left it.
	NatGateways int
}

// Network is the game's VPC.
type Network struct {
	constructs.Construct
	Vpc awsec2.Vpc

	wideAppSubnets bool
}

// New creates the VPC across two Availability Zones.
func New(scope constructs.Construct, id string, props Props) *Network {
	n := &Network{Construct: constructs.NewConstruct(scope, &id), wideAppSubnets: props.WideAppSubnets}
	nats := cmp.Or(props.NatGateways, 2)
	n.Vpc = awsec2.NewVpc(n.Construct, jsii.String("Vpc"), &awsec2.VpcProps{
		IpAddresses: awsec2.IpAddresses_Cidr(jsii.String(CIDR)),
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(nats),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			// Load balancer nodes and NAT gateways get their addresses by
			// other means; nothing launched here should get one by default.
			{Name: jsii.String(PublicGroup), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(26), MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String(AppGroup), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(27)},
			{Name: jsii.String(WideAppGroup), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(20), Reserved: jsii.Bool(!props.WideAppSubnets)},
		},
	})
	return n
}

// SmallAppSubnets selects the CTO's /27 application subnets, whichever
// subnets the service runs in: what lives there stays there.
func (n *Network) SmallAppSubnets() *[]awsec2.ISubnet {
	return n.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetGroupName: jsii.String(AppGroup)}).Subnets
}

// AppSubnets selects where the service runs: the wide subnets when they
// exist, else the small ones; in every AZ, or only the first when
// singleAZ (the baseline's flaw).
func (n *Network) AppSubnets(singleAZ bool) *awsec2.SubnetSelection {
	group := AppGroup
	if n.wideAppSubnets {
		group = WideAppGroup
	}
	subnets := n.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetGroupName: jsii.String(group)}).Subnets
	if singleAZ {
		first := (*subnets)[:1]
		subnets = &first
	}
	return &awsec2.SubnetSelection{Subnets: subnets}
}
