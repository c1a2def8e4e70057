package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/contract"
)

// flawCheck looks for one flaw in a template: whether it is there, and
// what in the template says so.
type flawCheck func(t *testing.T, tpl *template) (present bool, evidence string)

// The fleet's pieces, when there is a fleet.
func group(tpl *template) (resource, bool) {
	groups := tpl.ofType("AWS::AutoScaling::AutoScalingGroup")
	if len(groups) == 0 {
		return resource{}, false
	}
	return groups[0], true
}

// launchData is the fleet's launch template: the one its group uses, not
// one that a single instance may carry.
func launchData(tpl *template) (resource, bool) {
	g, ok := group(tpl)
	if !ok {
		return resource{}, false
	}
	for _, id := range refs(g.prop("LaunchTemplate")) {
		if r, ok := tpl.resources[id]; ok && r["Type"] == "AWS::EC2::LaunchTemplate" {
			return resource{id, r}, true
		}
	}
	return resource{}, false
}

func userDataOf(t *testing.T, tpl *template) string {
	lt, ok := launchData(tpl)
	if !ok {
		return ""
	}
	return text(lt.prop("LaunchTemplateData", "UserData"))
}

// computeSubnets are the subnets the service runs in: the fleet's or the
// tasks'.
func computeSubnets(tpl *template) ([]string, bool) {
	if g, ok := group(tpl); ok {
		return refs(g.prop("VPCZoneIdentifier")), true
	}
	if svc := tpl.ofType("AWS::ECS::Service"); len(svc) > 0 {
		return refs(svc[0].prop("NetworkConfiguration", "AwsvpcConfiguration", "Subnets")), true
	}
	return nil, false
}

// instanceTokens is what a stand-alone instance says about IMDS tokens,
// through the launch template the CDK gives it when IMDSv2 is required.
func instanceTokens(tpl *template, inst resource) any {
	for _, id := range refs(inst.prop("LaunchTemplate")) {
		if lt, ok := tpl.resources[id]; ok {
			return resource{id, lt}.prop("LaunchTemplateData", "MetadataOptions", "HttpTokens")
		}
	}
	return nil
}

var flawChecks = map[catalog.FlawID]flawCheck{
	catalog.FlawNoCache: func(t *testing.T, tpl *template) (bool, string) {
		n := len(tpl.ofType("AWS::CloudFront::Distribution"))
		return n == 0, fmt.Sprintf("%d CloudFront distributions", n)
	},
	catalog.FlawSpareNatGateway: func(t *testing.T, tpl *template) (bool, string) {
		n := len(tpl.ofType("AWS::EC2::NatGateway"))
		return n > 1, fmt.Sprintf("%d NAT gateways", n)
	},
	catalog.FlawIdleElasticIP: func(t *testing.T, tpl *template) (bool, string) {
		for _, eip := range tpl.ofType("AWS::EC2::EIP") {
			if !tpl.referenced(eip.id) && eip.prop("InstanceId") == nil {
				return true, "EIP " + eip.id + " is used by nothing"
			}
		}
		return false, "every Elastic IP is in use"
	},
	catalog.FlawUnattachedVolume: func(t *testing.T, tpl *template) (bool, string) {
		for _, v := range tpl.ofType("AWS::EC2::Volume") {
			if !tpl.referenced(v.id) {
				return true, fmt.Sprintf("volume %s (%v GiB %v) is attached to nothing", v.id, v.prop("Size"), v.prop("VolumeType"))
			}
		}
		return false, "no unattached volume"
	},
	catalog.FlawForgottenInstance: func(t *testing.T, tpl *template) (bool, string) {
		n := len(tpl.ofType("AWS::EC2::Instance"))
		return n > 0, fmt.Sprintf("%d instances outside any Auto Scaling group", n)
	},
	catalog.FlawDetailedMonitoring: func(t *testing.T, tpl *template) (bool, string) {
		lt, ok := launchData(tpl)
		if !ok {
			return false, "no launch template"
		}
		m := lt.prop("LaunchTemplateData", "Monitoring", "Enabled")
		return m == true, fmt.Sprintf("Monitoring.Enabled = %v", m)
	},
	catalog.FlawOversizedRoot: func(t *testing.T, tpl *template) (bool, string) {
		lt, ok := launchData(tpl)
		if !ok {
			return false, "no launch template"
		}
		ebs := lt.prop("LaunchTemplateData", "BlockDeviceMappings", 0, "Ebs")
		size, _ := ebs.(map[string]any)["VolumeSize"].(float64)
		return size > 8 || strings.Contains(text(ebs), `"gp2"`), fmt.Sprintf("root volume %s", text(ebs))
	},
	catalog.FlawSmallSubnets: func(t *testing.T, tpl *template) (bool, string) {
		used, ok := computeSubnets(tpl)
		if !ok {
			return false, "the service runs nowhere"
		}
		for _, s := range tpl.ofType("AWS::EC2::Subnet") {
			if slices.Contains(used, s.id) && prefix(t, s).Bits() >= 27 {
				return true, fmt.Sprintf("the service's subnet %s is %s", s.id, prefix(t, s))
			}
		}
		return false, "the service's subnets have room"
	},
	catalog.FlawBootUpgrade: func(t *testing.T, tpl *template) (bool, string) {
		ud := userDataOf(t, tpl)
		return strings.Contains(ud, "dnf -y upgrade"), "user data upgrades packages"
	},
	catalog.FlawNoSupervisor: func(t *testing.T, tpl *template) (bool, string) {
		ud := userDataOf(t, tpl)
		return strings.Contains(ud, "nohup") && !strings.Contains(ud, "systemctl enable"), "user data starts the service with nohup"
	},
	catalog.FlawEC2HealthCheck: func(t *testing.T, tpl *template) (bool, string) {
		g, ok := group(tpl)
		if !ok {
			return false, "no fleet"
		}
		typ := g.prop("HealthCheckType")
		return typ == nil || typ == "EC2", fmt.Sprintf("HealthCheckType = %v", typ)
	},
	catalog.FlawTCPHealthCheck: func(t *testing.T, tpl *template) (bool, string) {
		for _, lb := range tpl.ofType("AWS::ElasticLoadBalancing::LoadBalancer") {
			target := fmt.Sprint(lb.prop("HealthCheck", "Target"))
			if strings.HasPrefix(target, "TCP:") {
				return true, "health check target " + target + " every " + fmt.Sprint(lb.prop("HealthCheck", "Interval")) + " s"
			}
		}
		return false, "no TCP-only health check"
	},
	catalog.FlawNoRollingUpdate: func(t *testing.T, tpl *template) (bool, string) {
		g, ok := group(tpl)
		if !ok {
			return false, "no fleet"
		}
		_, rolling := g.body["UpdatePolicy"].(map[string]any)["AutoScalingRollingUpdate"]
		return !rolling, "UpdatePolicy " + text(g.body["UpdatePolicy"])
	},
	catalog.FlawClassicLB: func(t *testing.T, tpl *template) (bool, string) {
		n := len(tpl.ofType("AWS::ElasticLoadBalancing::LoadBalancer"))
		return n > 0, fmt.Sprintf("%d Classic Load Balancers", n)
	},
	catalog.FlawFixedFleet: func(t *testing.T, tpl *template) (bool, string) {
		policies := len(tpl.ofType("AWS::AutoScaling::ScalingPolicy")) + len(tpl.ofType("AWS::ApplicationAutoScaling::ScalingPolicy"))
		if g, ok := group(tpl); ok && g.prop("MinSize") == g.prop("MaxSize") {
			return true, fmt.Sprintf("min = max = %v", g.prop("MinSize"))
		}
		return policies == 0, fmt.Sprintf("%d scaling policies", policies)
	},
	catalog.FlawUnderusedInstance: func(t *testing.T, tpl *template) (bool, string) {
		lt, ok := launchData(tpl)
		if !ok {
			return false, "the service runs on no instance"
		}
		typ := lt.prop("LaunchTemplateData", "InstanceType")
		return typ == contract.InstanceType, fmt.Sprintf("the service runs on %v", typ)
	},
	catalog.FlawSingleAZ: func(t *testing.T, tpl *template) (bool, string) {
		used, ok := computeSubnets(tpl)
		if !ok {
			return false, "the service runs nowhere"
		}
		return len(used) == 1, fmt.Sprintf("the service spans %d subnets", len(used))
	},
	catalog.FlawPublicLoadBalancer: func(t *testing.T, tpl *template) (bool, string) {
		for _, lb := range append(tpl.ofType("AWS::ElasticLoadBalancing::LoadBalancer"), tpl.ofType("AWS::ElasticLoadBalancingV2::LoadBalancer")...) {
			if lb.prop("Scheme") != "internal" {
				return true, fmt.Sprintf("%s scheme %v", lb.id, lb.prop("Scheme"))
			}
		}
		return false, "every load balancer is internal"
	},
	catalog.FlawOpenSecurityGroup: func(t *testing.T, tpl *template) (bool, string) {
		for _, sg := range tpl.ofType("AWS::EC2::SecurityGroup") {
			rules, _ := sg.prop("SecurityGroupIngress").([]any)
			for _, r := range rules {
				rule := r.(map[string]any)
				if rule["CidrIp"] == "0.0.0.0/0" && rule["FromPort"] != rule["ToPort"] {
					return true, fmt.Sprintf("%s allows %v-%v from anywhere", sg.id, rule["FromPort"], rule["ToPort"])
				}
			}
		}
		return false, "no security group open beyond a listener port"
	},
	catalog.FlawIMDSv1: func(t *testing.T, tpl *template) (bool, string) {
		if lt, ok := launchData(tpl); ok {
			if tokens := lt.prop("LaunchTemplateData", "MetadataOptions", "HttpTokens"); tokens != "required" {
				return true, fmt.Sprintf("fleet HttpTokens = %v", tokens)
			}
		}
		for _, inst := range tpl.ofType("AWS::EC2::Instance") {
			if tokens := instanceTokens(tpl, inst); tokens != "required" {
				return true, fmt.Sprintf("instance %s HttpTokens = %v", inst.id, tokens)
			}
		}
		return false, "every instance requires IMDSv2 tokens"
	},
	catalog.FlawUnencryptedVolumes: func(t *testing.T, tpl *template) (bool, string) {
		if lt, ok := launchData(tpl); ok {
			if enc := lt.prop("LaunchTemplateData", "BlockDeviceMappings", 0, "Ebs", "Encrypted"); enc != true {
				return true, fmt.Sprintf("launch template root volume Encrypted = %v", enc)
			}
		}
		for _, v := range tpl.ofType("AWS::EC2::Volume") {
			if v.prop("Encrypted") != true {
				return true, "volume " + v.id + " is not encrypted"
			}
		}
		for _, inst := range tpl.ofType("AWS::EC2::Instance") {
			if enc := inst.prop("BlockDeviceMappings", 0, "Ebs", "Encrypted"); enc != true {
				return true, fmt.Sprintf("instance %s root volume Encrypted = %v", inst.id, enc)
			}
		}
		return false, "every volume is encrypted"
	},
}

func TestBaselineHasEveryFlawInTheCatalog(t *testing.T) {
	tpl := synth(t, "none", synthOptions{})
	for _, flaw := range catalog.Flaws {
		t.Run(string(flaw.ID), func(t *testing.T) {
			check, ok := flawChecks[flaw.ID]
			if !ok {
				t.Fatalf("flaw %s has no check in test/flaws_test.go", flaw.ID)
			}
			if present, evidence := check(t, tpl); !present {
				t.Errorf("the baseline lacks flaw %s: %s", flaw.ID, evidence)
			} else {
				t.Log(evidence)
			}
		})
	}
	for id := range flawChecks {
		if _, ok := catalog.FlawByID(id); !ok {
			t.Errorf("check for %s, which the catalog does not list", id)
		}
	}
}
