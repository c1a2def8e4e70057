package test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/config"
)

func TestAutoscaleFix(t *testing.T) {
	for _, set := range []string{"alb,retire-clb,autoscale", "all"} {
		t.Run(set, func(t *testing.T) {
			for _, concurrency := range []int{1, 4} {
				cfg := config.Default()
				cfg.Service.Concurrency = concurrency
				tpl := synth(t, set, synthOptions{configure: func(c *config.Config) { c.Service.Concurrency = concurrency }})
				policy := scalingPolicy(t, tpl)
				metric := text(policy["PredefinedMetricSpecification"])
				if !strings.Contains(metric, `"PredefinedMetricType":"ALBRequestCountPerTarget"`) {
					t.Errorf("metric %s", metric)
				}
				// The same settings start the service and set the target.
				if want := float64(cfg.Service.TargetRequestsPerMinute()); policy["TargetValue"] != want {
					t.Errorf("concurrency %d: target %v, want %v", concurrency, policy["TargetValue"], want)
				}
				if env := text(tpl.raw["Resources"]); !strings.Contains(env, "CONCURRENCY="+strconv.Itoa(concurrency)) && !strings.Contains(env, `{"Name":"CONCURRENCY","Value":"`+strconv.Itoa(concurrency)+`"}`) {
					t.Errorf("the service is not started with CONCURRENCY=%d", concurrency)
				}
			}
		})
	}

	t.Run("EC2: bounds, no desired capacity, warm-up from the boot time", func(t *testing.T) {
		for set, warmup := range map[string]float64{"alb,retire-clb,autoscale": 300, "deploy,alb,retire-clb,autoscale": 90} {
			tpl := synth(t, set, synthOptions{})
			g := tpl.one(t, "AWS::AutoScaling::AutoScalingGroup")
			if g.prop("MinSize") != "2" || g.prop("MaxSize") != "20" || g.prop("DesiredCapacity") != nil {
				t.Errorf("%s: min %v max %v desired %v", set, g.prop("MinSize"), g.prop("MaxSize"), g.prop("DesiredCapacity"))
			}
			p := tpl.one(t, "AWS::AutoScaling::ScalingPolicy")
			if p.prop("EstimatedInstanceWarmup") != warmup {
				t.Errorf("%s: warm-up %v, want %v", set, p.prop("EstimatedInstanceWarmup"), warmup)
			}
		}
	})

	t.Run("Fargate: bounds, cooldowns, no desired count", func(t *testing.T) {
		tpl := synth(t, "all", synthOptions{})
		target := tpl.one(t, "AWS::ApplicationAutoScaling::ScalableTarget")
		if target.prop("MinCapacity") != float64(2) || target.prop("MaxCapacity") != float64(20) {
			t.Errorf("tasks from %v to %v", target.prop("MinCapacity"), target.prop("MaxCapacity"))
		}
		policy := scalingPolicy(t, tpl)
		if policy["ScaleOutCooldown"] != float64(60) || policy["ScaleInCooldown"] != float64(300) {
			t.Errorf("cooldowns out %v in %v", policy["ScaleOutCooldown"], policy["ScaleInCooldown"])
		}
		if d := tpl.one(t, "AWS::ECS::Service").prop("DesiredCount"); d != nil {
			t.Errorf("desired count %v on an autoscaled service: every deployment would reset it", d)
		}
	})
}
