package accounts

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
)

// QuestReads are what each quest's check reads, for the facilitator's
// guide and the closing of a check that cannot run: the Describe calls,
// and the game stack's template where no call shows the setting.
var QuestReads = map[catalog.FlawID]string{
	catalog.FlawNoCache:            "cloudfront:ListDistributions: at least one distribution whose default behavior is not on CachingDisabled",
	catalog.FlawSpareNatGateway:    "ec2:DescribeNatGateways: at most one available",
	catalog.FlawIdleElasticIP:      "ec2:DescribeAddresses: none without an association",
	catalog.FlawUnattachedVolume:   "ec2:DescribeVolumes: none available (attached to nothing)",
	catalog.FlawForgottenInstance:  "ec2:DescribeInstances: every running instance in an Auto Scaling group",
	catalog.FlawDetailedMonitoring: "ec2:DescribeInstances: no running instance with detailed monitoring",
	catalog.FlawOversizedRoot:      "ec2:DescribeVolumes: no attached volume over 30 GiB",
	catalog.FlawSmallSubnets:       "ec2:DescribeInstances, ecs:DescribeTasks, ec2:DescribeSubnets: the service runs only in subnets of /26 or wider",
	catalog.FlawBootUpgrade:        "cloudformation:GetTemplate: no launch template's user data upgrades packages",
	catalog.FlawNoSupervisor:       "cloudformation:GetTemplate: no launch template's user data starts the service with nohup",
	catalog.FlawEC2HealthCheck:     "cloudformation:GetTemplate: every Auto Scaling group checks the load balancer's health",
	catalog.FlawTCPHealthCheck:     "elasticloadbalancing:DescribeLoadBalancers: no Classic Load Balancer checks TCP",
	catalog.FlawNoRollingUpdate:    "cloudformation:GetTemplate: every Auto Scaling group has an update policy",
	catalog.FlawClassicLB:          "elasticloadbalancing:DescribeLoadBalancers: no Classic Load Balancer",
	catalog.FlawFixedFleet:         "cloudformation:GetTemplate: a scaling policy for the service",
	catalog.FlawUnderusedInstance:  "ec2:DescribeInstances: no running m5.large",
	catalog.FlawSingleAZ:           "ec2:DescribeInstances, ecs:DescribeTasks: the service runs in two zones or more",
	catalog.FlawPublicLoadBalancer: "elasticloadbalancing:DescribeLoadBalancers: no internet-facing load balancer",
	catalog.FlawOpenSecurityGroup:  "ec2:DescribeSecurityGroups: no group open to the internet on a range of ports",
	catalog.FlawIMDSv1:             "ec2:DescribeInstances: every running instance requires IMDSv2",
	catalog.FlawUnencryptedVolumes: "ec2:DescribeVolumes: every volume encrypted",
}

// survey is what the quests' checks read of an account.
type survey struct {
	instances     []ec2types.Instance
	volumes       []ec2types.Volume
	addresses     []ec2types.Address
	natGateways   int
	groups        []ec2types.SecurityGroup
	subnets       map[string]int // prefix length by subnet ID, of the service's subnets
	classic       []classicLB
	public        int // internet-facing Application and Network Load Balancers
	distributions int
	tasks         []Task
	template      map[string]any
}

type classicLB struct{ name, scheme, healthTarget string }

// Quests checks every flaw of the catalog in the account, with the game
// stack named stack: what the resources show, and where they show
// nothing (user data, update and scaling policies) the stack's deployed
// template. The first read that fails ends it: a quest read from half an
// account would say fixed what was not seen.
func (c *Clients) Quests(ctx context.Context, stack string) ([]game.Quest, error) {
	stack = cmp.Or(stack, contract.DefaultStackName)
	var s survey
	reads := []func(context.Context, *survey) error{
		c.questInstances, c.questVolumes, c.questAddresses, c.questNatGateways, c.questGroups,
		c.questClassic, c.questLoadBalancers, c.questDistributions, c.questTasks,
		func(ctx context.Context, s *survey) error { return c.questTemplate(ctx, s, stack) },
	}
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, read := range reads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var part survey
			errs[i] = read(ctx, &part)
			mu.Lock()
			s.merge(part)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := c.questSubnets(ctx, &s); err != nil {
		return nil, err
	}
	return s.quests(), nil
}

func (s *survey) merge(b survey) {
	s.instances = append(s.instances, b.instances...)
	s.volumes = append(s.volumes, b.volumes...)
	s.addresses = append(s.addresses, b.addresses...)
	s.natGateways += b.natGateways
	s.groups = append(s.groups, b.groups...)
	s.classic = append(s.classic, b.classic...)
	s.public += b.public
	s.distributions += b.distributions
	s.tasks = append(s.tasks, b.tasks...)
	if b.template != nil {
		s.template = b.template
	}
}

func (c *Clients) questInstances(ctx context.Context, s *survey) error {
	return eachPage(ctx, ec2.NewDescribeInstancesPaginator(c.EC2, &ec2.DescribeInstancesInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}}},
	}), "ec2:DescribeInstances", func(out *ec2.DescribeInstancesOutput) error {
		for _, r := range out.Reservations {
			s.instances = append(s.instances, r.Instances...)
		}
		return nil
	})
}

func (c *Clients) questVolumes(ctx context.Context, s *survey) error {
	return eachPage(ctx, ec2.NewDescribeVolumesPaginator(c.EC2, &ec2.DescribeVolumesInput{}), "ec2:DescribeVolumes", func(out *ec2.DescribeVolumesOutput) error {
		s.volumes = append(s.volumes, out.Volumes...)
		return nil
	})
}

func (c *Clients) questAddresses(ctx context.Context, s *survey) error {
	out, err := c.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		return &CallError{"ec2:DescribeAddresses", err}
	}
	s.addresses = out.Addresses
	return nil
}

func (c *Clients) questNatGateways(ctx context.Context, s *survey) error {
	return eachPage(ctx, ec2.NewDescribeNatGatewaysPaginator(c.EC2, &ec2.DescribeNatGatewaysInput{
		Filter: []ec2types.Filter{{Name: aws.String("state"), Values: []string{"pending", "available"}}},
	}), "ec2:DescribeNatGateways", func(out *ec2.DescribeNatGatewaysOutput) error {
		s.natGateways += len(out.NatGateways)
		return nil
	})
}

func (c *Clients) questGroups(ctx context.Context, s *survey) error {
	return eachPage(ctx, ec2.NewDescribeSecurityGroupsPaginator(c.EC2, &ec2.DescribeSecurityGroupsInput{}), "ec2:DescribeSecurityGroups", func(out *ec2.DescribeSecurityGroupsOutput) error {
		s.groups = append(s.groups, out.SecurityGroups...)
		return nil
	})
}

func (c *Clients) questClassic(ctx context.Context, s *survey) error {
	return eachPage(ctx, elb.NewDescribeLoadBalancersPaginator(c.ELB, &elb.DescribeLoadBalancersInput{}), "elasticloadbalancing:DescribeLoadBalancers (Classic)", func(out *elb.DescribeLoadBalancersOutput) error {
		for _, lb := range out.LoadBalancerDescriptions {
			target := ""
			if lb.HealthCheck != nil {
				target = aws.ToString(lb.HealthCheck.Target)
			}
			s.classic = append(s.classic, classicLB{aws.ToString(lb.LoadBalancerName), aws.ToString(lb.Scheme), target})
		}
		return nil
	})
}

func (c *Clients) questLoadBalancers(ctx context.Context, s *survey) error {
	return eachPage(ctx, elbv2.NewDescribeLoadBalancersPaginator(c.ELBv2, &elbv2.DescribeLoadBalancersInput{}), "elasticloadbalancing:DescribeLoadBalancers", func(out *elbv2.DescribeLoadBalancersOutput) error {
		for _, lb := range out.LoadBalancers {
			if lb.Scheme == "internet-facing" {
				s.public++
			}
		}
		return nil
	})
}

func (c *Clients) questDistributions(ctx context.Context, s *survey) error {
	return eachPage(ctx, cloudfront.NewListDistributionsPaginator(c.CloudFront, &cloudfront.ListDistributionsInput{}), "cloudfront:ListDistributions", func(out *cloudfront.ListDistributionsOutput) error {
		if out.DistributionList == nil {
			return nil
		}
		for _, d := range out.DistributionList.Items {
			if caches(d) {
				s.distributions++
			}
		}
		return nil
	})
}

func (c *Clients) questTasks(ctx context.Context, s *survey) error {
	var inv Inventory
	if err := c.tasks(ctx, &inv, time.Time{}); err != nil {
		return err
	}
	s.tasks = inv.Tasks
	return nil
}

func (c *Clients) questTemplate(ctx context.Context, s *survey, stack string) error {
	out, err := c.CloudFormation.GetTemplate(ctx, &cloudformation.GetTemplateInput{StackName: aws.String(stack)})
	if err != nil {
		return &CallError{"cloudformation:GetTemplate (" + stack + ")", err}
	}
	var template map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.TemplateBody)), &template); err != nil {
		return fmt.Errorf("the template of %s is not JSON: %w", stack, err)
	}
	s.template = template
	return nil
}

// questSubnets reads the widths of the subnets the service runs in: its
// Auto Scaling groups' instances and its tasks.
func (c *Clients) questSubnets(ctx context.Context, s *survey) error {
	ids := map[string]bool{}
	for _, i := range s.serving() {
		ids[aws.ToString(i.SubnetId)] = true
	}
	for _, t := range s.tasks {
		if t.Subnet != "" {
			ids[t.Subnet] = true
		}
	}
	s.subnets = map[string]int{}
	if len(ids) == 0 {
		return nil
	}
	var list []string
	for id := range ids {
		list = append(list, id)
	}
	return eachPage(ctx, ec2.NewDescribeSubnetsPaginator(c.EC2, &ec2.DescribeSubnetsInput{SubnetIds: list}), "ec2:DescribeSubnets", func(out *ec2.DescribeSubnetsOutput) error {
		for _, sub := range out.Subnets {
			if p, err := netip.ParsePrefix(aws.ToString(sub.CidrBlock)); err == nil {
				s.subnets[aws.ToString(sub.SubnetId)] = p.Bits()
			}
		}
		return nil
	})
}

// caches says whether a distribution's default behavior can cache: one
// on CachingDisabled is no cache. A behavior on the deprecated legacy
// settings, or a summary without its behavior (AWS always sends it; moto
// does not), is given the benefit of the doubt.
func caches(d cftypes.DistributionSummary) bool {
	b := d.DefaultCacheBehavior
	return b == nil || aws.ToString(b.CachePolicyId) != cachingDisabled
}

// cachingDisabled is CloudFront's managed CachingDisabled policy
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html).
const cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

// asgTag is the tag EC2 Auto Scaling puts on the instances it launches
// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-tagging.html).
const asgTag = "aws:autoscaling:groupName"

// serving are the running instances of an Auto Scaling group.
func (s *survey) serving() []ec2types.Instance {
	var out []ec2types.Instance
	for _, i := range s.instances {
		for _, t := range i.Tags {
			if aws.ToString(t.Key) == asgTag {
				out = append(out, i)
				break
			}
		}
	}
	return out
}

// The thresholds of the checks.
const (
	// maxRootGiB is the largest attached volume that is not oversized for
	// a 7 MB binary and its logs.
	maxRootGiB = 30
	// narrowSubnetBits: a /27 has 27 usable addresses, the flaw's.
	narrowSubnetBits = 27
)

// quests decides every flaw from what was read.
func (s *survey) quests() []game.Quest {
	count := func(n int, what string) string {
		if n == 1 {
			return "1 " + what
		}
		return fmt.Sprintf("%d %ss", n, what)
	}
	var (
		idle, available, oversized, unencrypted    int
		outside, detailed, m5, imdsv1              int
		tcpChecks, publicClassic, openGroups, wide int
	)
	for _, a := range s.addresses {
		if a.AssociationId == nil {
			idle++
		}
	}
	for _, v := range s.volumes {
		if v.State == ec2types.VolumeStateAvailable {
			available++
		}
		if len(v.Attachments) > 0 && aws.ToInt32(v.Size) > maxRootGiB {
			oversized++
		}
		if !aws.ToBool(v.Encrypted) {
			unencrypted++
		}
	}
	serving := s.serving()
	outside = len(s.instances) - len(serving)
	zones := map[string]bool{}
	for _, i := range s.instances {
		if i.Monitoring != nil && (i.Monitoring.State == ec2types.MonitoringStateEnabled || i.Monitoring.State == ec2types.MonitoringStatePending) {
			detailed++
		}
		if i.InstanceType == ec2types.InstanceTypeM5Large {
			m5++
		}
		if i.MetadataOptions == nil || i.MetadataOptions.HttpTokens != ec2types.HttpTokensStateRequired {
			imdsv1++
		}
	}
	for _, i := range serving {
		if i.Placement != nil {
			zones[aws.ToString(i.Placement.AvailabilityZone)] = true
		}
	}
	for _, t := range s.tasks {
		if t.Zone != "" {
			zones[t.Zone] = true
		}
	}
	narrow := 0
	for _, bits := range s.subnets {
		if bits >= narrowSubnetBits {
			narrow++
		} else {
			wide++
		}
	}
	for _, lb := range s.classic {
		if strings.HasPrefix(strings.ToUpper(lb.healthTarget), "TCP:") {
			tcpChecks++
		}
		if lb.scheme == "internet-facing" {
			publicClassic++
		}
	}
	for _, g := range s.groups {
		if openToTheWorld(g) {
			openGroups++
		}
	}
	t := templateOf(s.template)
	q := func(id catalog.FlawID, fixed bool, seen string) game.Quest {
		return game.Quest{Flaw: id, Fixed: fixed, Seen: seen}
	}
	return []game.Quest{
		q(catalog.FlawNoCache, s.distributions > 0, count(s.distributions, "distribution")),
		q(catalog.FlawSpareNatGateway, s.natGateways <= 1, count(s.natGateways, "NAT gateway")),
		q(catalog.FlawIdleElasticIP, idle == 0, count(idle, "unassociated Elastic IP")),
		q(catalog.FlawUnattachedVolume, available == 0, count(available, "unattached volume")),
		q(catalog.FlawForgottenInstance, outside == 0, count(outside, "instance outside an Auto Scaling group")),
		q(catalog.FlawDetailedMonitoring, detailed == 0, count(detailed, "instance with detailed monitoring")),
		q(catalog.FlawOversizedRoot, oversized == 0, count(oversized, "attached volume")+" over 30 GiB"),
		q(catalog.FlawSmallSubnets, narrow == 0 && wide > 0, fmt.Sprintf("the service in %s of /27 or narrower, %d wider", count(narrow, "subnet"), wide)),
		q(catalog.FlawBootUpgrade, t.upgrades == 0, count(t.upgrades, "launch template")+" upgrading packages at boot"),
		q(catalog.FlawNoSupervisor, t.nohup == 0, count(t.nohup, "launch template")+" starting the service with nohup"),
		q(catalog.FlawEC2HealthCheck, t.ec2Checks == 0, count(t.ec2Checks, "Auto Scaling group")+" on EC2 health checks"),
		q(catalog.FlawTCPHealthCheck, tcpChecks == 0, count(tcpChecks, "Classic Load Balancer")+" checking TCP"),
		q(catalog.FlawNoRollingUpdate, t.noUpdatePolicy == 0, count(t.noUpdatePolicy, "Auto Scaling group")+" without an update policy"),
		q(catalog.FlawClassicLB, len(s.classic) == 0, count(len(s.classic), "Classic Load Balancer")),
		q(catalog.FlawFixedFleet, t.scalingPolicies > 0, count(t.scalingPolicies, "scaling policy")),
		q(catalog.FlawUnderusedInstance, m5 == 0, count(m5, "running m5.large")),
		q(catalog.FlawSingleAZ, len(zones) >= 2, fmt.Sprintf("the service in %d zones", len(zones))),
		q(catalog.FlawPublicLoadBalancer, publicClassic+s.public == 0, count(publicClassic+s.public, "internet-facing load balancer")),
		q(catalog.FlawOpenSecurityGroup, openGroups == 0, count(openGroups, "security group")+" open to the internet on a range of ports"),
		q(catalog.FlawIMDSv1, imdsv1 == 0, count(imdsv1, "instance")+" accepting IMDSv1"),
		q(catalog.FlawUnencryptedVolumes, unencrypted == 0, count(unencrypted, "unencrypted volume")),
	}
}

// openToTheWorld says whether a group lets the internet in on more than
// one port (or every protocol): a load balancer's listener opens one.
func openToTheWorld(g ec2types.SecurityGroup) bool {
	for _, p := range g.IpPermissions {
		world := false
		for _, r := range p.IpRanges {
			world = world || aws.ToString(r.CidrIp) == "0.0.0.0/0"
		}
		for _, r := range p.Ipv6Ranges {
			world = world || aws.ToString(r.CidrIpv6) == "::/0"
		}
		if !world {
			continue
		}
		if aws.ToString(p.IpProtocol) == "-1" || aws.ToInt32(p.ToPort) > aws.ToInt32(p.FromPort) {
			return true
		}
	}
	return false
}

// stackFacts are what the template shows that no Describe call does.
type stackFacts struct {
	upgrades, nohup, ec2Checks, noUpdatePolicy, scalingPolicies int
}

// templateOf counts the template's settings the quests read.
func templateOf(template map[string]any) stackFacts {
	var f stackFacts
	resources, _ := template["Resources"].(map[string]any)
	for _, r := range resources {
		body, _ := r.(map[string]any)
		props, _ := body["Properties"].(map[string]any)
		switch body["Type"] {
		case "AWS::EC2::LaunchTemplate":
			raw, _ := json.Marshal(props)
			if strings.Contains(string(raw), "dnf -y upgrade") || strings.Contains(string(raw), "yum -y update") {
				f.upgrades++
			}
			if strings.Contains(string(raw), "nohup ") {
				f.nohup++
			}
		case "AWS::AutoScaling::AutoScalingGroup":
			if props["HealthCheckType"] != "ELB" {
				f.ec2Checks++
			}
			if body["UpdatePolicy"] == nil {
				f.noUpdatePolicy++
			}
		case "AWS::AutoScaling::ScalingPolicy", "AWS::ApplicationAutoScaling::ScalingPolicy":
			f.scalingPolicies++
		}
	}
	return f
}
