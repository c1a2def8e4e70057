package test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
	"github.com/unicorn-rentals/gameday/stacks"
)

// endpoint is the Endpoint output's value, as template JSON.
func endpoint(t *testing.T, tpl *template) string {
	t.Helper()
	out, _ := tpl.raw["Outputs"].(map[string]any)["Endpoint"].(map[string]any)
	if out == nil {
		t.Fatal("no Endpoint output")
	}
	return text(out["Value"])
}

// maxAge is the max-age the service sends with every answer.
func maxAge(t *testing.T) float64 {
	m := regexp.MustCompile(`max-age=(\d+)`).FindStringSubmatch(api.CacheControlOK)
	if m == nil {
		t.Fatalf("no max-age in %q", api.CacheControlOK)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	return n
}

func TestCacheFix(t *testing.T) {
	tpl := synth(t, "cache", synthOptions{})
	policy := tpl.one(t, "AWS::CloudFront::CachePolicy")
	dist := tpl.one(t, "AWS::CloudFront::Distribution")
	cfg := func(path ...any) any { return dist.prop(append([]any{"DistributionConfig"}, path...)...) }

	t.Run("the cache key is the input parameter and nothing else", func(t *testing.T) {
		key := policy.prop("CachePolicyConfig", "ParametersInCacheKeyAndForwardedToOrigin")
		want := fmt.Sprintf(`{"CookiesConfig":{"CookieBehavior":"none"},"EnableAcceptEncodingBrotli":false,"EnableAcceptEncodingGzip":false,"HeadersConfig":{"HeaderBehavior":"none"},"QueryStringsConfig":{"QueryStringBehavior":"whitelist","QueryStrings":[%q]}}`, api.Param)
		if text(key) != want {
			t.Errorf("cache key %s\nwant %s", text(key), want)
		}
		if cfg("DefaultCacheBehavior", "OriginRequestPolicyId") != nil {
			t.Error("an origin request policy would forward more than the key")
		}
	})

	t.Run("TTLs follow the service's Cache-Control", func(t *testing.T) {
		c := policy.prop("CachePolicyConfig").(map[string]any)
		if c["MinTTL"] != float64(0) || c["DefaultTTL"] != float64(0) {
			t.Errorf("MinTTL %v DefaultTTL %v: both must be 0 so no-store and unmarked answers are not cached", c["MinTTL"], c["DefaultTTL"])
		}
		if maxTTL, _ := c["MaxTTL"].(float64); maxTTL < maxAge(t) {
			t.Errorf("MaxTTL %v caps the service's max-age %v", c["MaxTTL"], maxAge(t))
		}
	})

	t.Run("5xx errors are not cached", func(t *testing.T) {
		var cached []string
		seen := map[float64]bool{}
		for _, r := range cfg("CustomErrorResponses").([]any) {
			e := r.(map[string]any)
			seen[e["ErrorCode"].(float64)] = true
			if e["ErrorCachingMinTTL"] != float64(0) {
				cached = append(cached, text(e))
			}
		}
		for _, code := range []float64{500, 502, 503, 504} {
			if !seen[code] {
				cached = append(cached, fmt.Sprintf("%v (CloudFront's default: 10 s)", code))
			}
		}
		if len(cached) > 0 {
			t.Errorf("errors cached: %v", cached)
		}
	})

	t.Run("cheapest price class, HTTP/2 and HTTP/3, HTTPS for viewers", func(t *testing.T) {
		for path, want := range map[string]any{
			"PriceClass": "PriceClass_100", "HttpVersion": "http2and3",
			"DefaultCacheBehavior.ViewerProtocolPolicy": "redirect-to-https",
			"DefaultCacheBehavior.AllowedMethods":       []any{"GET", "HEAD"},
		} {
			var keys []any
			for _, k := range strings.Split(path, ".") {
				keys = append(keys, k)
			}
			if got := cfg(keys...); text(got) != text(want) {
				t.Errorf("%s = %s, want %s", path, text(got), text(want))
			}
		}
	})

	t.Run("misses go to the Classic Load Balancer over HTTP", func(t *testing.T) {
		origin := cfg("Origins", 0)
		clb := tpl.one(t, "AWS::ElasticLoadBalancing::LoadBalancer")
		if !slices.Contains(refs(origin), clb.id) || dist.prop("DistributionConfig", "Origins", 0, "CustomOriginConfig", "OriginProtocolPolicy") != "http-only" {
			t.Errorf("origin %s", text(origin))
		}
		// A request may queue maxWait, then work: CloudFront must wait that long.
		timeout, _ := dist.prop("DistributionConfig", "Origins", 0, "CustomOriginConfig", "OriginReadTimeout").(float64)
		if need := api.MinDrainTimeout(api.DefaultWork, api.DefaultMaxWait).Seconds(); timeout < need {
			t.Errorf("origin read timeout %v s, below the %v s a request may take", timeout, need)
		}
	})

	t.Run("the Endpoint is the CloudFront URL", func(t *testing.T) {
		if got := endpoint(t, tpl); !strings.Contains(got, `"https://",{"Fn::GetAtt":["`+dist.id+`","DomainName"]}`) {
			t.Errorf("Endpoint %s", got)
		}
	})
}

func TestAlbFix(t *testing.T) {
	tpl := synth(t, "alb", synthOptions{})
	if n := len(tpl.ofType("AWS::ElasticLoadBalancing::LoadBalancer")); n != 0 {
		t.Errorf("%d Classic Load Balancers remain", n)
	}
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
			tpl := synth(t, "alb", synthOptions{configure: func(cfg *stacks.Config) {
				cfg.Service.Work, cfg.Service.MaxWait = c.work, c.maxWait
			}})
			want := strconv.Itoa(int(math.Ceil(api.MinDrainTimeout(c.work, c.maxWait).Seconds())))
			attrs := text(tpl.one(t, "AWS::ElasticLoadBalancingV2::TargetGroup").prop("TargetGroupAttributes"))
			if !strings.Contains(attrs, `{"Key":"deregistration_delay.timeout_seconds","Value":"`+want+`"}`) {
				t.Errorf("work %s, maxWait %s: attributes %s, want a delay of %s s", c.work, c.maxWait, attrs, want)
			}
		}
	})

	t.Run("the fleet is registered with the target group", func(t *testing.T) {
		g := tpl.one(t, "AWS::AutoScaling::AutoScalingGroup")
		if !slices.Contains(refs(g.prop("TargetGroupARNs")), tg.id) || g.prop("LoadBalancerNames") != nil {
			t.Errorf("group target groups %s, load balancers %s", text(g.prop("TargetGroupARNs")), text(g.prop("LoadBalancerNames")))
		}
	})

	t.Run("the Endpoint is the ALB's URL", func(t *testing.T) {
		if got := endpoint(t, tpl); !strings.Contains(got, `"http://",{"Fn::GetAtt":["`+lb.id+`","DNSName"]}`) {
			t.Errorf("Endpoint %s", got)
		}
	})
}

// scalingPolicy returns the one target-tracking policy's configuration,
// whichever service owns it.
func scalingPolicy(t *testing.T, tpl *template) map[string]any {
	t.Helper()
	if p := tpl.ofType("AWS::AutoScaling::ScalingPolicy"); len(p) == 1 {
		return p[0].prop("TargetTrackingConfiguration").(map[string]any)
	}
	p := tpl.one(t, "AWS::ApplicationAutoScaling::ScalingPolicy")
	return p.prop("TargetTrackingScalingPolicyConfiguration").(map[string]any)
}

func TestAutoscaleFix(t *testing.T) {
	for _, set := range []string{"alb,autoscale", "all"} {
		t.Run(set, func(t *testing.T) {
			for _, concurrency := range []int{1, 4} {
				cfg := stacks.DefaultConfig()
				cfg.Service.Concurrency = concurrency
				tpl := synth(t, set, synthOptions{configure: func(c *stacks.Config) { c.Service.Concurrency = concurrency }})
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
		for set, warmup := range map[string]float64{"alb,autoscale": 300, "deploy,alb,autoscale": 90} {
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

func TestFargateFix(t *testing.T) {
	dir := t.TempDir()
	tpl := synth(t, "alb,subnets,fargate", synthOptions{outdir: dir})
	td := tpl.one(t, "AWS::ECS::TaskDefinition")
	container := td.prop("ContainerDefinitions", 0).(map[string]any)
	svc := tpl.one(t, "AWS::ECS::Service")
	cfg := stacks.DefaultConfig()

	t.Run("the smallest task, on Graviton", func(t *testing.T) {
		if td.prop("Cpu") != "256" || td.prop("Memory") != "512" || td.prop("RuntimePlatform", "CpuArchitecture") != "ARM64" {
			t.Errorf("cpu %v memory %v arch %v", td.prop("Cpu"), td.prop("Memory"), td.prop("RuntimePlatform", "CpuArchitecture"))
		}
	})

	t.Run("the image is built from service/ for arm64", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(dir, "UnicornRentals.assets.json"))
		if err != nil {
			t.Fatal(err)
		}
		var manifest struct {
			DockerImages map[string]struct {
				Source struct{ Directory, Platform string }
			}
		}
		if err := json.Unmarshal(raw, &manifest); err != nil {
			t.Fatal(err)
		}
		if len(manifest.DockerImages) != 1 {
			t.Fatalf("%d images, want 1", len(manifest.DockerImages))
		}
		for _, img := range manifest.DockerImages {
			if img.Source.Platform != "linux/arm64" {
				t.Errorf("image platform %q", img.Source.Platform)
			}
			if _, err := os.Stat(filepath.Join(dir, img.Source.Directory, "Dockerfile")); err != nil {
				t.Errorf("the image's build context has no Dockerfile: %v", err)
			}
		}
	})

	t.Run("non-root, read-only, exec-form health check", func(t *testing.T) {
		if container["User"] != "65532:65532" || container["ReadonlyRootFilesystem"] != true {
			t.Errorf("user %v read-only %v", container["User"], container["ReadonlyRootFilesystem"])
		}
		if hc := text(container["HealthCheck"].(map[string]any)["Command"]); hc != `["CMD","/hashsvc","-healthcheck"]` {
			t.Errorf("health check %s: the distroless image has no shell", hc)
		}
	})

	t.Run("ECS waits for the service to drain", func(t *testing.T) {
		stop, _ := container["StopTimeout"].(float64)
		if stop <= cfg.Service.DrainTimeout.Seconds() || stop > 120 {
			t.Errorf("stop timeout %v s, want above the %s drain and at most 120", stop, cfg.Service.DrainTimeout)
		}
	})

	t.Run("started with the stack's settings", func(t *testing.T) {
		env := map[string]string{}
		for _, e := range container["Environment"].([]any) {
			kv := e.(map[string]any)
			env[kv["Name"].(string)] = kv["Value"].(string)
		}
		if text(env) != text(cfg.Service.Env()) {
			t.Errorf("environment %v, want %v", env, cfg.Service.Env())
		}
	})

	t.Run("logs kept for a week", func(t *testing.T) {
		if r := tpl.one(t, "AWS::Logs::LogGroup").prop("RetentionInDays"); r != float64(7) {
			t.Errorf("retention %v days", r)
		}
		if !slices.Contains(refs(container["LogConfiguration"]), tpl.one(t, "AWS::Logs::LogGroup").id) {
			t.Error("the container does not log to the group")
		}
	})

	t.Run("safe deployments", func(t *testing.T) {
		dc := text(svc.prop("DeploymentConfiguration"))
		for _, want := range []string{`"DeploymentCircuitBreaker":{"Enable":true,"Rollback":true}`, `"MaximumPercent":200`, `"MinimumHealthyPercent":100`} {
			if !strings.Contains(dc, want) {
				t.Errorf("deployment configuration %s lacks %s", dc, want)
			}
		}
		if svc.prop("DesiredCount") != float64(cfg.FleetSize) {
			t.Errorf("desired count %v, want the fleet size %d while nothing scales", svc.prop("DesiredCount"), cfg.FleetSize)
		}
	})

	t.Run("no public IPs, IP targets, Container Insights", func(t *testing.T) {
		if ip := svc.prop("NetworkConfiguration", "AwsvpcConfiguration", "AssignPublicIp"); ip != "DISABLED" {
			t.Errorf("AssignPublicIp %v", ip)
		}
		if tt := tpl.one(t, "AWS::ElasticLoadBalancingV2::TargetGroup").prop("TargetType"); tt != "ip" {
			t.Errorf("target type %v", tt)
		}
		if s := text(tpl.one(t, "AWS::ECS::Cluster").prop("ClusterSettings")); !strings.Contains(s, `"Value":"enabled"`) {
			t.Errorf("cluster settings %s", s)
		}
	})

	t.Run("no EC2 fleet and no binary", func(t *testing.T) {
		if n := len(tpl.ofType("AWS::AutoScaling::AutoScalingGroup")); n != 0 {
			t.Errorf("%d Auto Scaling groups", n)
		}
		if strings.Contains(text(tpl.raw), "Binary") {
			t.Error("the EC2 binary asset is still referenced")
		}
	})
}

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

// Chaos experiments find the service by tag, before and after Fargate.
func TestTheServiceIsTaggedUnderEveryFixSet(t *testing.T) {
	tagged := func(r resource) bool {
		return strings.Contains(text(r.prop("Tags")), `"Key":"`+stacks.ComponentTag+`"`) &&
			strings.Contains(text(r.prop("Tags")), `"`+stacks.ComponentValue+`"`)
	}
	for _, set := range append([]stacks.FixSet{{}}, fixSets(t)...) {
		tpl := synth(t, set.String(), synthOptions{})
		if g, ok := group(tpl); ok {
			if !tagged(g) || !strings.Contains(text(g.prop("Tags")), `"PropagateAtLaunch":true`) {
				t.Errorf("%s: fleet tags %s", set, text(g.prop("Tags")))
			}
			continue
		}
		svc := tpl.one(t, "AWS::ECS::Service")
		if !tagged(svc) || svc.prop("PropagateTags") != "SERVICE" {
			t.Errorf("%s: service tags %s, propagate %v", set, text(svc.prop("Tags")), svc.prop("PropagateTags"))
		}
	}
}

// The dashboard follows the fix set: each widget shows metrics that the
// fix set's parts publish, and nothing else.
func TestDashboardFollowsTheFixSet(t *testing.T) {
	for _, set := range append([]stacks.FixSet{{}}, fixSets(t)...) {
		t.Run(set.String(), func(t *testing.T) {
			tpl := synth(t, set.String(), synthOptions{})
			body := text(tpl.one(t, "AWS::CloudWatch::Dashboard").prop("DashboardBody"))
			expect := map[string]bool{
				`\"AWS/ApplicationELB\",\"RequestCountPerTarget\"`: set.Has(stacks.FixALB),
				`\"AWS/ELB\",\"SurgeQueueLength\"`:                 !set.Has(stacks.FixALB),
				`\"AWS/CloudFront\",\"CacheHitRate\"`:              set.Has(stacks.FixCache),
				`\"region\":\"us-east-1\"`:                         set.Has(stacks.FixCache),
				`\"ECS/ContainerInsights\",\"RunningTaskCount\"`:   set.Has(stacks.FixFargate),
				`\"AWS/AutoScaling\",\"GroupInServiceInstances\"`:  !set.Has(stacks.FixFargate),
			}
			for fragment, want := range expect {
				if strings.Contains(body, fragment) != want {
					t.Errorf("dashboard has %s: %v, want %v", fragment, !want, want)
				}
			}
			if g, ok := group(tpl); ok && !strings.Contains(text(g.prop("MetricsCollection")), "GroupInServiceInstances") {
				t.Error("the group does not publish GroupInServiceInstances")
			}
			if set.Has(stacks.FixCache) && tpl.one(t, "AWS::CloudFront::MonitoringSubscription").prop("MonitoringSubscription") == nil {
				t.Error("no additional metrics: CacheHitRate would stay empty")
			}
			alarm := tpl.one(t, "AWS::CloudWatch::Alarm")
			topic := tpl.one(t, "AWS::SNS::Topic")
			if !slices.Contains(refs(alarm.prop("AlarmActions")), topic.id) {
				t.Errorf("the error-rate alarm tells nobody: actions %s", text(alarm.prop("AlarmActions")))
			}
			out := tpl.raw["Outputs"].(map[string]any)["ErrorRateAlarmArn"].(map[string]any)
			if text(out["Export"]) != `{"Name":"UnicornRentals-ErrorRateAlarmArn"}` || !slices.Contains(refs(out["Value"]), alarm.id) {
				t.Errorf("alarm export %s", text(out))
			}
		})
	}
}
