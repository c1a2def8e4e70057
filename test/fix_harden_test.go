package test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The first of two deploys: an internal ALB and a VPC origin beside the
// public path, the targets behind both, CloudFront still on the public one.
// Creating a VPC origin takes many minutes; the second deploy only
// switches to it.
func TestVpcOriginFix(t *testing.T) {
	for _, set := range []string{"cache,alb,retire-clb,vpc-origin", "cache,cleanup,subnets,deploy,alb,retire-clb,autoscale,fargate,retire-ec2,vpc-origin"} {
		tpl := synth(t, set, synthOptions{})
		lbs := map[string]string{}
		for _, lb := range tpl.ofType("AWS::ElasticLoadBalancingV2::LoadBalancer") {
			lbs[fmt.Sprint(lb.prop("Scheme"))] = lb.id
		}
		vo := tpl.one(t, "AWS::CloudFront::VpcOrigin")
		if len(lbs) != 2 || !slices.Contains(refs(vo.prop("VpcOriginEndpointConfig", "Arn")), lbs["internal"]) {
			t.Errorf("%s: load balancers %v, VPC origin on %s", set, lbs, text(vo.prop("VpcOriginEndpointConfig", "Arn")))
		}
		origins := text(tpl.one(t, "AWS::CloudFront::Distribution").prop("DistributionConfig", "Origins"))
		if !strings.Contains(origins, lbs["internet-facing"]) || strings.Contains(origins, vo.id) {
			t.Errorf("%s: CloudFront's origins %s, want the public ALB still", set, origins)
		}
		// Every target group of both load balancers has the targets.
		var targets []string
		for _, typ := range []string{"AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::Service"} {
			for _, r := range tpl.ofType(typ) {
				targets = append(targets, refs(r.prop("TargetGroupARNs"))...)
				targets = append(targets, refs(r.prop("LoadBalancers"))...)
			}
		}
		for _, tg := range tpl.ofType("AWS::ElasticLoadBalancingV2::TargetGroup") {
			if !slices.Contains(targets, tg.id) {
				t.Errorf("%s: target group %s has no targets", set, tg.id)
			}
		}
	}
}

func TestHardenFix(t *testing.T) {
	for _, set := range []string{"cache,alb,retire-clb,vpc-origin,harden", "all"} {
		t.Run(set, func(t *testing.T) {
			tpl := synth(t, set, synthOptions{})
			lb := tpl.one(t, "AWS::ElasticLoadBalancingV2::LoadBalancer")

			t.Run("the ALB is internal, in two AZs", func(t *testing.T) {
				subnets := refs(lb.prop("Subnets"))
				if lb.prop("Scheme") != "internal" || len(subnets) != 2 {
					t.Errorf("scheme %v in %d subnets", lb.prop("Scheme"), len(subnets))
				}
				for _, id := range subnets {
					if tpl.resources[id]["Properties"].(map[string]any)["MapPublicIpOnLaunch"] == true {
						t.Errorf("ALB subnet %s is public", id)
					}
				}
			})

			t.Run("CloudFront reaches it through a VPC origin", func(t *testing.T) {
				vo := tpl.one(t, "AWS::CloudFront::VpcOrigin")
				if !slices.Contains(refs(vo.prop("VpcOriginEndpointConfig", "Arn")), lb.id) || vo.prop("VpcOriginEndpointConfig", "OriginProtocolPolicy") != "http-only" {
					t.Errorf("VPC origin %s", text(vo.prop("VpcOriginEndpointConfig")))
				}
				origin := tpl.one(t, "AWS::CloudFront::Distribution").prop("DistributionConfig", "Origins", 0)
				if !slices.Contains(refs(origin), vo.id) {
					t.Errorf("distribution origin %s does not use the VPC origin", text(origin))
				}
			})

			t.Run("nothing accepts traffic from the internet", func(t *testing.T) {
				for _, sg := range tpl.ofType("AWS::EC2::SecurityGroup") {
					if strings.Contains(text(sg.prop("SecurityGroupIngress")), "0.0.0.0/0") {
						t.Errorf("%s admits the internet: %s", sg.id, text(sg.prop("SecurityGroupIngress")))
					}
				}
				for _, r := range tpl.ofType("AWS::EC2::SecurityGroupIngress") {
					if r.prop("CidrIp") == "0.0.0.0/0" {
						t.Errorf("%s admits the internet", r.id)
					}
				}
				lbSG := tpl.resources[refs(lb.prop("SecurityGroups"))[0]]
				ingress := text(resource{"", lbSG}.prop("SecurityGroupIngress"))
				if want := `[{"CidrIp":{"Fn::GetAtt":["` + tpl.one(t, "AWS::EC2::VPC").id + `","CidrBlock"]},"Description":"Origin traffic on the listener port only","FromPort":80,"IpProtocol":"tcp","ToPort":80}]`; ingress != want {
					t.Errorf("ALB ingress %s\nwant %s", ingress, want)
				}
			})

			// The targets leave the public ALB only once CloudFront has left
			// it (TestTheDependenciesThatCloseTheGaps: without this, a gap).
			t.Run("the targets wait for CloudFront", func(t *testing.T) {
				dist := tpl.one(t, "AWS::CloudFront::Distribution")
				for _, typ := range []string{"AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::Service"} {
					for _, r := range tpl.ofType(typ) {
						if !slices.Contains(r.dependsOn(), dist.id) {
							t.Errorf("%s waits for %s, not for the distribution", r.id, text(r.body["DependsOn"]))
						}
					}
				}
			})

			t.Run("the service spans two AZs with at least two", func(t *testing.T) {
				subnets, _ := computeSubnets(tpl)
				if len(subnets) != 2 {
					t.Errorf("the service runs in %d subnets", len(subnets))
				}
				if g, ok := group(tpl); ok {
					if n, _ := strconv.Atoi(fmt.Sprint(g.prop("MinSize"))); n < 2 {
						t.Errorf("fleet minimum %v", g.prop("MinSize"))
					}
				} else if st := tpl.one(t, "AWS::ApplicationAutoScaling::ScalableTarget"); st.prop("MinCapacity").(float64) < 2 {
					t.Errorf("task minimum %v", st.prop("MinCapacity"))
				}
			})
		})
	}
}
