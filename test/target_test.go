package test

import (
	"slices"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/contract"
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

// Chaos experiments find the service by tag, before and after Fargate.
func TestTheServiceIsTaggedUnderEveryFixSet(t *testing.T) {
	tagged := func(r resource) bool {
		return strings.Contains(text(r.prop("Tags")), `"Key":"`+contract.ComponentTag+`"`) &&
			strings.Contains(text(r.prop("Tags")), `"`+contract.ComponentValue+`"`)
	}
	for _, set := range append([]catalog.FixSet{{}}, fixSets(t)...) {
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
	for _, set := range append([]catalog.FixSet{{}}, fixSets(t)...) {
		t.Run(set.String(), func(t *testing.T) {
			tpl := synth(t, set.String(), synthOptions{})
			body := text(tpl.one(t, "AWS::CloudWatch::Dashboard").prop("DashboardBody"))
			onAlb := set.Has(catalog.FixRetireCLB) || (set.Has(catalog.FixALB) && !set.Has(catalog.FixCache))
			expect := map[string]bool{
				// The metrics of the load balancer that gets the requests:
				// the Classic one until retire-clb, with CloudFront in front.
				`\"AWS/ApplicationELB\",\"RequestCountPerTarget\"`: onAlb,
				`\"AWS/ELB\",\"SurgeQueueLength\"`:                 !onAlb,
				`\"AWS/CloudFront\",\"CacheHitRate\"`:              set.Has(catalog.FixCache),
				`\"region\":\"us-east-1\"`:                         set.Has(catalog.FixCache),
				// The instances while there are any: they get the requests.
				`\"ECS/ContainerInsights\",\"RunningTaskCount\"`:  set.Has(catalog.FixRetireEC2),
				`\"AWS/AutoScaling\",\"GroupInServiceInstances\"`: !set.Has(catalog.FixRetireEC2),
			}
			for fragment, want := range expect {
				if strings.Contains(body, fragment) != want {
					t.Errorf("dashboard has %s: %v, want %v", fragment, !want, want)
				}
			}
			if g, ok := group(tpl); ok && !strings.Contains(text(g.prop("MetricsCollection")), "GroupInServiceInstances") {
				t.Error("the group does not publish GroupInServiceInstances")
			}
			if set.Has(catalog.FixCache) && tpl.one(t, "AWS::CloudFront::MonitoringSubscription").prop("MonitoringSubscription") == nil {
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
