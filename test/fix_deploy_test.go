package test

import (
	"testing"
)

func TestDeployFixChecksHealthOverHTTP(t *testing.T) {
	tpl := synth(t, "deploy", synthOptions{})
	clb := tpl.one(t, "AWS::ElasticLoadBalancing::LoadBalancer")
	if target := clb.prop("HealthCheck", "Target"); target != "HTTP:8080/healthz" {
		t.Errorf("health check target %v, want HTTP:8080/healthz", target)
	}
	g := tpl.one(t, "AWS::AutoScaling::AutoScalingGroup")
	// 90 s to serve once the OS upgrade is gone, and two 10 s checks.
	if g.prop("HealthCheckType") != "ELB" || g.prop("HealthCheckGracePeriod") != float64(110) {
		t.Errorf("group health check %v grace %v", g.prop("HealthCheckType"), g.prop("HealthCheckGracePeriod"))
	}
}
