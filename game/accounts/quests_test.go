package accounts

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/game"
)

// baseline is a team's account as the CTO left it, built through the API
// in moto: every flaw of the catalog in it.
type baseline struct {
	*account
	narrow, wide string // application subnets: a /27 and a /24
	group        string // the instances' security group
	stack        string
	template     map[string]any
}

const questStack = "UnicornRentals"

func newBaseline(t *testing.T) *baseline {
	t.Helper()
	ctx := context.Background()
	b := &baseline{account: newAccount(t), stack: questStack}
	narrow, err := b.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(b.vpc), CidrBlock: aws.String("10.0.2.0/27"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	b.narrow, b.wide = aws.ToString(narrow.Subnet.SubnetId), b.subnets[1]
	group, err := b.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("fleet"), Description: aws.String("fleet"), VpcId: aws.String(b.vpc)})
	if err != nil {
		t.Fatal(err)
	}
	b.group = aws.ToString(group.GroupId)
	b.openGroup(t, true)
	b.serve(t, b.narrow, 2)
	b.forgotten(t)
	b.wasteVolume(t)
	b.allocate(t)
	for range 2 {
		b.natGateway(t)
	}
	b.classic(t, "TCP:8080")
	b.template = map[string]any{"Resources": map[string]any{
		"LaunchTemplate": map[string]any{"Type": "AWS::EC2::LaunchTemplate", "Properties": map[string]any{"LaunchTemplateData": map[string]any{
			"ImageId": b.image, "InstanceType": "m5.large",
			"UserData": map[string]any{"Fn::Base64": flawedUserData},
		}}},
		"Fleet": map[string]any{"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": map[string]any{
			"MinSize": "0", "MaxSize": "0", "DesiredCapacity": "0", "VPCZoneIdentifier": []string{b.narrow},
			"LaunchTemplate": map[string]any{"LaunchTemplateId": map[string]any{"Ref": "LaunchTemplate"}, "Version": map[string]any{"Fn::GetAtt": []string{"LaunchTemplate", "LatestVersionNumber"}}},
		}},
	}}
	body, _ := json.Marshal(b.template)
	if _, err := b.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String(b.stack), TemplateBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
	return b
}

// launch is how the fleet's instances are launched: the baseline's
// launch template, or one a fix changed.
type launch struct {
	monitoring, encrypted bool
	rootGiB               int32
}

// flawed is the baseline's launch template: detailed monitoring on, a
// 100 GiB gp2 root volume, unencrypted.
var flawed = launch{monitoring: true, rootGiB: 100}

// serve runs n instances of the fleet, as its Auto Scaling group launches
// them: tagged with the group, m5.large, IMDSv1 accepted, as l says.
func (b *baseline) serve(t *testing.T, subnet string, n int32) []string {
	return b.serveWith(t, subnet, n, flawed)
}

func (b *baseline) serveWith(t *testing.T, subnet string, n int32, l launch) []string {
	t.Helper()
	return b.run(t, &ec2.RunInstancesInput{
		InstanceType: ec2types.InstanceTypeM5Large, SubnetId: aws.String(subnet), MinCount: aws.Int32(n), MaxCount: aws.Int32(n),
		Monitoring:       &ec2types.RunInstancesMonitoringEnabled{Enabled: aws.Bool(l.monitoring)},
		MetadataOptions:  &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateOptional},
		SecurityGroupIds: []string{b.group},
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{
			VolumeSize: aws.Int32(l.rootGiB), VolumeType: ec2types.VolumeTypeGp2, Encrypted: aws.Bool(l.encrypted), DeleteOnTermination: aws.Bool(true)}}},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String(asgTag), Value: aws.String("Fleet")}}}},
	})
}

// forgotten runs the debug instance: in no group, with an 8 GiB gp3 root
// volume, encrypted, and IMDSv2 required, so it carries no flaw but its
// own (and the m5.large's).
func (b *baseline) forgotten(t *testing.T) []string {
	t.Helper()
	return b.run(t, &ec2.RunInstancesInput{
		InstanceType: ec2types.InstanceTypeM5Large, SubnetId: aws.String(b.wide), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateRequired},
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{
			VolumeSize: aws.Int32(8), VolumeType: ec2types.VolumeTypeGp3, Encrypted: aws.Bool(true), DeleteOnTermination: aws.Bool(true)}}},
	})
}

func (b *baseline) wasteVolume(t *testing.T) string {
	t.Helper()
	v, err := b.EC2.CreateVolume(context.Background(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(100), VolumeType: ec2types.VolumeTypeGp2, Encrypted: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(v.VolumeId)
}

func (b *baseline) allocate(t *testing.T) string {
	t.Helper()
	a, err := b.EC2.AllocateAddress(context.Background(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(a.AllocationId)
}

func (b *baseline) natGateway(t *testing.T) string {
	t.Helper()
	n, err := b.EC2.CreateNatGateway(context.Background(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(b.wide), AllocationId: aws.String(b.allocate(t))})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(n.NatGateway.NatGatewayId)
}

func (b *baseline) classic(t *testing.T, check string) {
	t.Helper()
	ctx := context.Background()
	if _, err := b.ELB.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		LoadBalancerName: aws.String("web"), Subnets: []string{b.wide},
		Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)}},
	}); err != nil {
		t.Fatal(err)
	}
	b.healthCheck(t, check)
}

func (b *baseline) healthCheck(t *testing.T, target string) {
	t.Helper()
	if _, err := b.ELB.ConfigureHealthCheck(context.Background(), &elb.ConfigureHealthCheckInput{LoadBalancerName: aws.String("web"), HealthCheck: &elbtypes.HealthCheck{
		Target: aws.String(target), Interval: aws.Int32(30), Timeout: aws.Int32(5), HealthyThreshold: aws.Int32(2), UnhealthyThreshold: aws.Int32(5),
	}}); err != nil {
		t.Fatal(err)
	}
}

func (b *baseline) openGroup(t *testing.T, open bool) {
	t.Helper()
	perm := []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(0), ToPort: aws.Int32(65535), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	var err error
	if open {
		_, err = b.EC2.AuthorizeSecurityGroupIngress(context.Background(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(b.group), IpPermissions: perm})
	} else {
		_, err = b.EC2.RevokeSecurityGroupIngress(context.Background(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(b.group), IpPermissions: perm})
	}
	if err != nil {
		t.Fatal(err)
	}
}

// instances lists the running instances, the fleet's (in the group) or
// the others.
func (b *baseline) instances(t *testing.T, fleet bool) []ec2types.Instance {
	t.Helper()
	s := survey{}
	if err := b.questInstances(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	serving := s.serving()
	if fleet {
		return serving
	}
	var out []ec2types.Instance
	for _, i := range s.instances {
		if !slices.ContainsFunc(serving, func(f ec2types.Instance) bool { return aws.ToString(f.InstanceId) == aws.ToString(i.InstanceId) }) {
			out = append(out, i)
		}
	}
	return out
}

func ids(instances []ec2types.Instance) []string {
	var out []string
	for _, i := range instances {
		out = append(out, aws.ToString(i.InstanceId))
	}
	return out
}

func (b *baseline) terminate(t *testing.T, ids []string) {
	t.Helper()
	if _, err := b.EC2.TerminateInstances(context.Background(), &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		t.Fatal(err)
	}
}

// volumes lists the volumes that match keep.
func (b *baseline) volumes(t *testing.T, keep func(ec2types.Volume) bool) []ec2types.Volume {
	t.Helper()
	s := survey{}
	if err := b.questVolumes(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	var out []ec2types.Volume
	for _, v := range s.volumes {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

func (b *baseline) deleteVolumes(t *testing.T, vs []ec2types.Volume) {
	t.Helper()
	ctx := context.Background()
	for _, v := range vs {
		if len(v.Attachments) > 0 {
			if _, err := b.EC2.DetachVolume(ctx, &ec2.DetachVolumeInput{VolumeId: v.VolumeId}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := b.EC2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: v.VolumeId}); err != nil {
			t.Fatal(err)
		}
	}
}

// roll replaces the fleet's instances with ones launched as l says, in
// the same subnets.
func (b *baseline) roll(t *testing.T, l launch) {
	t.Helper()
	fleet := b.instances(t, true)
	b.terminate(t, ids(fleet))
	for _, i := range fleet {
		b.serveWith(t, aws.ToString(i.SubnetId), 1, l)
	}
}

// flawedUserData is the baseline's: it upgrades every package at boot and
// starts the service with nohup.
const flawedUserData = "#!/bin/bash\ndnf -y upgrade\nnohup /usr/local/bin/hashsvc &\n"

// userData puts script in the launch template's user data.
func (b *baseline) userData(t *testing.T, script string) {
	t.Helper()
	b.update(t, func(r map[string]any) {
		props(r["LaunchTemplate"])["LaunchTemplateData"].(map[string]any)["UserData"] = map[string]any{"Fn::Base64": script}
	})
}

// update puts a changed template on the stack.
func (b *baseline) update(t *testing.T, change func(resources map[string]any)) {
	t.Helper()
	var template map[string]any
	raw, _ := json.Marshal(b.template)
	json.Unmarshal(raw, &template)
	change(template["Resources"].(map[string]any))
	body, _ := json.Marshal(template)
	if _, err := b.CloudFormation.UpdateStack(context.Background(), &cloudformation.UpdateStackInput{StackName: aws.String(b.stack), TemplateBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
	b.template = template
}

func (b *baseline) quests(t *testing.T) map[catalog.FlawID]game.Quest {
	t.Helper()
	qs, err := b.Quests(context.Background(), b.stack)
	if err != nil {
		t.Fatal(err)
	}
	out := map[catalog.FlawID]game.Quest{}
	for _, q := range qs {
		out[q.Flaw] = q
	}
	return out
}

func props(resource any) map[string]any {
	return resource.(map[string]any)["Properties"].(map[string]any)
}

// Every quest's check sees its flaw in the baseline, sees it fixed once
// the account is changed through the API as a team would fix it, and sees
// it again once the change is undone. moto holds every resource but the
// Fargate tasks, which its RunTask cannot start (runTasks' stand-in).
func TestEachQuestFlipsWithTheAccountAndBack(t *testing.T) {
	b := newBaseline(t)
	ctx := context.Background()
	before := b.quests(t)
	if len(before) != len(catalog.Flaws) {
		t.Fatalf("%d quests, want one per flaw of the catalog (%d)", len(before), len(catalog.Flaws))
	}
	for _, f := range catalog.Flaws {
		if before[f.ID].Fixed {
			t.Errorf("baseline: %s reads fixed (%s)", f.ID, before[f.ID].Seen)
		}
	}
	var distribution string
	cases := []struct {
		flaw      catalog.FlawID
		fix, undo func(t *testing.T)
	}{
		{catalog.FlawNoCache,
			func(t *testing.T) {
				distribution = b.distribution(t)
			},
			func(t *testing.T) {
				got, err := b.CloudFront.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(distribution)})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := b.CloudFront.DeleteDistribution(ctx, &cloudfront.DeleteDistributionInput{Id: aws.String(distribution), IfMatch: got.ETag}); err != nil {
					t.Fatal(err)
				}
			}},
		{catalog.FlawSpareNatGateway,
			func(t *testing.T) {
				out, _ := b.EC2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{})
				if _, err := b.EC2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: out.NatGateways[0].NatGatewayId}); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T) { b.natGateway(t) }},
		{catalog.FlawIdleElasticIP,
			func(t *testing.T) {
				out, _ := b.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
				for _, a := range out.Addresses {
					if a.AssociationId == nil {
						if _, err := b.EC2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: a.AllocationId}); err != nil {
							t.Fatal(err)
						}
					}
				}
			},
			func(t *testing.T) { b.allocate(t) }},
		{catalog.FlawUnattachedVolume,
			func(t *testing.T) {
				b.deleteVolumes(t, b.volumes(t, func(v ec2types.Volume) bool { return v.State == ec2types.VolumeStateAvailable }))
			},
			func(t *testing.T) { b.wasteVolume(t) }},
		{catalog.FlawForgottenInstance,
			func(t *testing.T) { b.terminate(t, ids(b.instances(t, false))) },
			func(t *testing.T) { b.forgotten(t) }},
		// The fixes of the launch template reach the instances as the
		// fleet rolls onto it: moto has no UnmonitorInstances, and
		// detaches no root volume.
		{catalog.FlawDetailedMonitoring,
			func(t *testing.T) { b.roll(t, launch{rootGiB: 100}) },
			func(t *testing.T) { b.roll(t, flawed) }},
		{catalog.FlawOversizedRoot,
			func(t *testing.T) { b.roll(t, launch{monitoring: true, rootGiB: 8}) },
			func(t *testing.T) { b.roll(t, flawed) }},
		{catalog.FlawSmallSubnets,
			func(t *testing.T) {
				b.terminate(t, ids(b.instances(t, true)))
				b.serve(t, b.wide, 2)
			},
			func(t *testing.T) { b.serve(t, b.narrow, 1) }},
		{catalog.FlawBootUpgrade,
			func(t *testing.T) { b.userData(t, "#!/bin/bash\nnohup /usr/local/bin/hashsvc &\n") },
			func(t *testing.T) { b.userData(t, flawedUserData) }},
		{catalog.FlawNoSupervisor,
			func(t *testing.T) { b.userData(t, "#!/bin/bash\ndnf -y upgrade\nsystemctl enable --now hashsvc\n") },
			func(t *testing.T) { b.userData(t, flawedUserData) }},
		{catalog.FlawEC2HealthCheck,
			func(t *testing.T) {
				b.update(t, func(r map[string]any) { props(r["Fleet"])["HealthCheckType"] = "ELB" })
			},
			func(t *testing.T) {
				b.update(t, func(r map[string]any) { delete(props(r["Fleet"]), "HealthCheckType") })
			}},
		{catalog.FlawTCPHealthCheck,
			func(t *testing.T) { b.healthCheck(t, "HTTP:8080/healthz") },
			func(t *testing.T) { b.healthCheck(t, "TCP:8080") }},
		{catalog.FlawNoRollingUpdate,
			func(t *testing.T) {
				b.update(t, func(r map[string]any) {
					r["Fleet"].(map[string]any)["UpdatePolicy"] = map[string]any{"AutoScalingRollingUpdate": map[string]any{"MinInstancesInService": "1"}}
				})
			},
			func(t *testing.T) {
				b.update(t, func(r map[string]any) { delete(r["Fleet"].(map[string]any), "UpdatePolicy") })
			}},
		{catalog.FlawClassicLB,
			func(t *testing.T) {
				if _, err := b.ELB.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerName: aws.String("web")}); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T) { b.classic(t, "TCP:8080") }},
		{catalog.FlawFixedFleet,
			func(t *testing.T) {
				b.update(t, func(r map[string]any) {
					r["Scaling"] = map[string]any{"Type": "AWS::AutoScaling::ScalingPolicy", "Properties": map[string]any{
						"AutoScalingGroupName": map[string]any{"Ref": "Fleet"}, "PolicyType": "TargetTrackingScaling",
						"TargetTrackingConfiguration": map[string]any{"TargetValue": 50, "PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ASGAverageCPUUtilization"}},
					}}
				})
			},
			func(t *testing.T) { b.update(t, func(r map[string]any) { delete(r, "Scaling") }) }},
		{catalog.FlawUnderusedInstance,
			func(t *testing.T) {
				b.terminate(t, ids(b.instances(t, false)))
				b.terminate(t, ids(b.instances(t, true)))
			},
			func(t *testing.T) {
				b.serve(t, b.narrow, 2)
				b.forgotten(t)
			}},
		{catalog.FlawSingleAZ,
			func(t *testing.T) { b.serve(t, b.wide, 1) },
			func(t *testing.T) {
				var other []string
				for _, i := range b.instances(t, true) {
					if aws.ToString(i.Placement.AvailabilityZone) == "us-east-1b" {
						other = append(other, aws.ToString(i.InstanceId))
					}
				}
				b.terminate(t, other)
			}},
		{catalog.FlawPublicLoadBalancer,
			func(t *testing.T) {
				if _, err := b.ELB.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerName: aws.String("web")}); err != nil {
					t.Fatal(err)
				}
			},
			func(t *testing.T) { b.classic(t, "TCP:8080") }},
		{catalog.FlawOpenSecurityGroup,
			func(t *testing.T) { b.openGroup(t, false) },
			func(t *testing.T) { b.openGroup(t, true) }},
		{catalog.FlawIMDSv1,
			func(t *testing.T) {
				for _, id := range ids(b.instances(t, true)) {
					if _, err := b.EC2.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(id), HttpTokens: ec2types.HttpTokensStateRequired}); err != nil {
						t.Fatal(err)
					}
				}
			},
			func(t *testing.T) {
				for _, id := range ids(b.instances(t, true)) {
					if _, err := b.EC2.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(id), HttpTokens: ec2types.HttpTokensStateOptional}); err != nil {
						t.Fatal(err)
					}
				}
			}},
		{catalog.FlawUnencryptedVolumes,
			func(t *testing.T) {
				b.deleteVolumes(t, b.volumes(t, func(v ec2types.Volume) bool { return v.State == ec2types.VolumeStateAvailable }))
				b.roll(t, launch{monitoring: true, rootGiB: 100, encrypted: true})
			},
			func(t *testing.T) { b.wasteVolume(t) }},
	}
	covered := map[catalog.FlawID]bool{}
	for _, c := range cases {
		covered[c.flaw] = true
		t.Run(string(c.flaw), func(t *testing.T) {
			c.fix(t)
			if q := b.quests(t)[c.flaw]; !q.Fixed {
				t.Errorf("fixed through the API, the check still sees the flaw: %s", q.Seen)
			}
			c.undo(t)
			if q := b.quests(t)[c.flaw]; q.Fixed {
				t.Errorf("undone through the API, the check reads fixed: %s", q.Seen)
			}
		})
	}
	for _, f := range catalog.Flaws {
		if !covered[f.ID] {
			t.Errorf("no case flips %s", f.ID)
		}
		if QuestReads[f.ID] == "" {
			t.Errorf("%s: no QuestReads entry saying what its check reads", f.ID)
		}
	}
}

// A distribution caches unless its default behavior is on CachingDisabled.
// moto's summaries carry no
// behavior, so this is decided on summaries as the API reference
// documents them (DistributionSummary.DefaultCacheBehavior).
func TestADistributionThatCachesNothingIsNoCache(t *testing.T) {
	for _, c := range []struct {
		behavior *cftypes.DefaultCacheBehavior
		want     bool
	}{
		{&cftypes.DefaultCacheBehavior{CachePolicyId: aws.String(cachingDisabled)}, false},
		{&cftypes.DefaultCacheBehavior{CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")}, true},
	} {
		if got := caches(cftypes.DistributionSummary{DefaultCacheBehavior: c.behavior}); got != c.want {
			t.Errorf("behavior %+v: caches %v, want %v", *c.behavior, got, c.want)
		}
	}
}
