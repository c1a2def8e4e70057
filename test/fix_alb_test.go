package test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/service/api"
)

func TestAlbFix(t *testing.T) {
	tpl := synth(t, "alb", synthOptions{})
	clb := tpl.one(t, "AWS::ElasticLoadBalancing::LoadBalancer")
	lb := tpl.one(t, "AWS::ElasticLoadBalancingV2::LoadBalancer")
	tg := tpl.one(t, "AWS::ElasticLoadBalancingV2::TargetGroup")
	listener := tpl.one(t, "AWS::ElasticLoadBalancingV2::Listener")

	t.Run("an internet-facing ALB listening on HTTP :80", func(t *testing.T) {
		if lb.prop("Scheme") != "internet-facing" || listener.prop("Port") != float64(80) || listener.prop("Protocol") != "HTTP" {
			t.Errorf("scheme %v, listener %v %v", lb.prop("Scheme"), listener.prop("Protocol"), listener.prop("Port"))
		}
		if !slices.Contains(refs(listener.prop("DefaultActions")), tg.id) {
			t.Error("the listener does not forward to the target group")
		}
	})

	t.Run("targets are checked on /healthz", func(t *testing.T) {
		if tg.prop("HealthCheckPath") != api.HealthPath || tg.prop("HealthCheckIntervalSeconds") != float64(10) || tg.prop("UnhealthyThresholdCount") != float64(2) {
			t.Errorf("health check %v every %v s, %v failures", tg.prop("HealthCheckPath"), tg.prop("HealthCheckIntervalSeconds"), tg.prop("UnhealthyThresholdCount"))
		}
	})

	t.Run("the deregistration delay is as long as a request can last", func(t *testing.T) {
		for _, c := range []struct{ work, maxWait time.Duration }{{api.DefaultWork, api.DefaultMaxWait}, {time.Second, 5 * time.Second}} {
			tpl := synth(t, "alb", synthOptions{configure: func(cfg *config.Config) {
				cfg.Service.Work, cfg.Service.MaxWait = c.work, c.maxWait
			}})
			want := strconv.Itoa(int(math.Ceil(api.MinDrainTimeout(c.work, c.maxWait).Seconds())))
			attrs := text(tpl.one(t, "AWS::ElasticLoadBalancingV2::TargetGroup").prop("TargetGroupAttributes"))
			if !strings.Contains(attrs, `{"Key":"deregistration_delay.timeout_seconds","Value":"`+want+`"}`) {
				t.Errorf("work %s, maxWait %s: attributes %s, want a delay of %s s", c.work, c.maxWait, attrs, want)
			}
		}
	})

	// The first of two deploys: the Classic LB keeps its instances, so
	// whoever still uses it is served while traffic moves.
	t.Run("the fleet is registered with both load balancers", func(t *testing.T) {
		g := tpl.one(t, "AWS::AutoScaling::AutoScalingGroup")
		if !slices.Contains(refs(g.prop("TargetGroupARNs")), tg.id) || !slices.Contains(refs(g.prop("LoadBalancerNames")), clb.id) {
			t.Errorf("group target groups %s, load balancers %s", text(g.prop("TargetGroupARNs")), text(g.prop("LoadBalancerNames")))
		}
	})

	// Without CloudFront, players move to the new Endpoint after the
	// deploy, when the instances have passed the ALB's health checks.
	t.Run("the Endpoint is the ALB's URL", func(t *testing.T) {
		if got := endpoint(t, tpl); !strings.Contains(got, `"http://",{"Fn::GetAtt":["`+lb.id+`","DNSName"]}`) {
			t.Errorf("Endpoint %s", got)
		}
	})

	// With CloudFront, the origin moves in the second deploy: CloudFront
	// moves while CloudFormation updates it, and the instances join the
	// ALB's target group in this one without CloudFormation waiting for
	// their health checks.
	t.Run("CloudFront keeps the Classic LB as its origin", func(t *testing.T) {
		tpl := synth(t, "cache,alb", synthOptions{})
		origins := text(tpl.one(t, "AWS::CloudFront::Distribution").prop("DistributionConfig", "Origins"))
		if !strings.Contains(origins, clb.id) {
			t.Errorf("origins %s, want the Classic LB", origins)
		}
	})
}

func TestRetireCLBFix(t *testing.T) {
	for _, set := range []string{"alb,retire-clb", "cache,alb,retire-clb"} {
		tpl := synth(t, set, synthOptions{})
		if n := len(tpl.ofType("AWS::ElasticLoadBalancing::LoadBalancer")); n != 0 {
			t.Errorf("%s: %d Classic Load Balancers remain", set, n)
		}
		lb := tpl.one(t, "AWS::ElasticLoadBalancingV2::LoadBalancer")
		tg := tpl.one(t, "AWS::ElasticLoadBalancingV2::TargetGroup")
		g := tpl.one(t, "AWS::AutoScaling::AutoScalingGroup")
		if !slices.Contains(refs(g.prop("TargetGroupARNs")), tg.id) || g.prop("LoadBalancerNames") != nil {
			t.Errorf("%s: group target groups %s, load balancers %s", set, text(g.prop("TargetGroupARNs")), text(g.prop("LoadBalancerNames")))
		}
		if !strings.HasPrefix(set, "cache") {
			continue
		}
		dist := tpl.one(t, "AWS::CloudFront::Distribution")
		if origins := text(dist.prop("DistributionConfig", "Origins")); !strings.Contains(origins, lb.id) {
			t.Errorf("%s: origins %s, want the ALB", set, origins)
		}
		// The instances leave the Classic LB only once CloudFront has
		// left it (TestTheDependenciesThatCloseTheGaps: without this, a gap).
		if deps := g.dependsOn(); !slices.Contains(deps, dist.id) {
			t.Errorf("%s: the group waits for %s, not for the distribution", set, deps)
		}
	}
}
