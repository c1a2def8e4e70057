package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/config"
)

// The first of two deploys: the tasks join the listener beside the
// instances with no share of the requests, so that ECS can create the
// service (it needs a target group that a load balancer uses) and
// CloudFormation can wait for its tasks before any request goes to them.
func TestFargateFixRunsTheTasksBesideTheInstances(t *testing.T) {
	tpl := synth(t, "alb,retire-clb,subnets,fargate", synthOptions{})
	svc := tpl.one(t, "AWS::ECS::Service")
	listener := tpl.one(t, "AWS::ElasticLoadBalancingV2::Listener")
	g := tpl.one(t, "AWS::AutoScaling::AutoScalingGroup")
	groups := map[string]string{}
	for _, tg := range tpl.ofType("AWS::ElasticLoadBalancingV2::TargetGroup") {
		groups[fmt.Sprint(tg.prop("TargetType"))] = tg.id
	}
	want := `[{"TargetGroupArn":{"Ref":"` + groups["instance"] + `"},"Weight":1},{"TargetGroupArn":{"Ref":"` + groups["ip"] + `"},"Weight":0}]`
	if got := text(listener.prop("DefaultActions", 0, "ForwardConfig", "TargetGroups")); got != want {
		t.Errorf("listener forwards %s\nwant %s", got, want)
	}
	if !slices.Contains(refs(svc.prop("LoadBalancers")), groups["ip"]) || !slices.Contains(refs(g.prop("TargetGroupARNs")), groups["instance"]) {
		t.Errorf("service in %s, group in %s", text(svc.prop("LoadBalancers")), text(g.prop("TargetGroupARNs")))
	}
	if !slices.Contains(svc.dependsOn(), listener.id) {
		t.Errorf("the service waits for %s, not for the listener", text(svc.body["DependsOn"]))
	}
}

func TestFargateFix(t *testing.T) {
	dir := t.TempDir()
	tpl := synth(t, "alb,retire-clb,subnets,fargate,retire-ec2", synthOptions{outdir: dir})
	td := tpl.one(t, "AWS::ECS::TaskDefinition")
	container := td.prop("ContainerDefinitions", 0).(map[string]any)
	svc := tpl.one(t, "AWS::ECS::Service")
	cfg := config.Default()

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
