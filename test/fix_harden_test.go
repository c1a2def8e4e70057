package test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestHardenFix(t *testing.T) {
	for _, set := range []string{"cache,alb,harden", "all"} {
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
