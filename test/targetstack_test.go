package test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/gates"
	"github.com/unicorn-rentals/gameday/stacks"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

// servingTypes are the resources a request crosses, the cache's and the
// scaling's: what the target stack and the game stack's target must
// build alike.
var servingTypes = []string{
	"AWS::CloudFront::CachePolicy", "AWS::CloudFront::Distribution", "AWS::CloudFront::VpcOrigin",
	"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::TargetGroup",
	"AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
	"AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy",
	"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::SecretsManager::Secret",
	"AWS::CloudWatch::Dashboard", "AWS::CloudWatch::Alarm", "AWS::SNS::Topic", "AWS::CloudFront::MonitoringSubscription",
}

// normalized is a resource's properties with every reference to another
// resource (whose logical ID differs between the stacks) and its tags (the
// game's own) taken out.
func normalized(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k := range v {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return "<reference>"
				}
			}
		}
		out := map[string]any{}
		for k, x := range v {
			if k != "Tags" {
				out[k] = normalized(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalized(x)
		}
		return out
	}
	return v
}

// serving lists, by type, the normalized properties of a template's
// serving path, sorted so that the two stacks compare as multisets.
func serving(t *testing.T, raw map[string]any) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, r := range raw["Resources"].(map[string]any) {
		body := r.(map[string]any)
		typ, _ := body["Type"].(string)
		if !slices.Contains(servingTypes, typ) {
			continue
		}
		props, _ := json.Marshal(normalized(body["Properties"]))
		out[typ] = append(out[typ], string(props))
	}
	for typ := range out {
		slices.Sort(out[typ])
	}
	return out
}

// The target stack, read top to bottom with no fix set, builds the same
// serving path as the game stack at the path's last step: the same
// network, tasks, internal load balancer, VPC origin, distribution, cache
// policy and scaling, property for property once references are set
// aside; only the game's own parts (its monitoring, guardrail, waste
// checks and outputs) are not in it.
func TestTheTargetStackServesAsTheGamesTarget(t *testing.T) {
	context := cdktest.ProjectContext()
	context["aws:cdk:bundling-stacks"] = []string{}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &context})
	// The game stack's name, so that the names CDK makes from construct
	// paths (an origin's ID, a policy's name) compare.
	target := stacks.NewTargetStack(app, "UnicornRentals", stacks.TargetStackProps{Config: config.Default(), ServiceDir: "../service"})
	raw, ok := app.Synth(nil).GetStackArtifact(target.ArtifactId()).Template().(map[string]any)
	if !ok {
		t.Fatal("the target stack's template is not a JSON object")
	}
	got, want := serving(t, raw), serving(t, synth(t, "all", synthOptions{}).raw)
	for _, typ := range servingTypes {
		if fmt.Sprint(got[typ]) != fmt.Sprint(want[typ]) {
			t.Errorf("%s: the target stack has %d, the game's target %d, or they differ:\n target: %s\n game:   %s", typ, len(got[typ]), len(want[typ]), got[typ], want[typ])
		}
	}
	// It fails no Control Tower control the game's target does not fail
	// with a recorded reason.
	exceptions, err := gates.Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	failures := controlTower(t, newTemplate(t, raw))
	if len(failures) == 0 {
		t.Error("the target stack fails no Control Tower control, not even the game's target's excepted ones: the check did not run")
	}
	for _, f := range gates.Unexcepted(failures, exceptions, false) {
		t.Errorf("the target stack fails Control Tower's %s (%s) on %v", f.Control, f.Rule, f.Resources)
	}

	// It passes cdk-nag's AwsSolutions pack with the game's target's own
	// suppressions: the same findings, for the same reasons.
	nagContext := gates.NagContext(cdktest.ProjectContext())
	nagContext["aws:cdk:bundling-stacks"] = []string{}
	nagApp := awscdk.NewApp(&awscdk.AppProps{Context: &nagContext})
	checked := stacks.NewTargetStack(nagApp, "UnicornRentals", stacks.TargetStackProps{Config: config.Default(), ServiceDir: "../service"})
	gates.ApplyNag(checked.Stack, gates.NagSuppressions)
	assembly := nagApp.Synth(nil)
	findings, err := gates.NagFindings(*assembly.Directory(), *checked.ArtifactId())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		if f.Level == "error" {
			t.Errorf("the target stack: %s on %s: %s", f.Rule, f.Path, f.Message)
		}
	}

	// The app builds it beside the game with context target.
	cfg := config.Default()
	cfg.Target = true
	built := stacks.NewApp(awscdk.NewApp(&awscdk.AppProps{Context: &context}), stacks.AppProps{Config: cfg, ServiceDir: "../service", RootDir: ".."})
	if built.Target == nil || *built.Target.StackName() != "UnicornRentals-Target" {
		t.Errorf("with context target the app builds %v, want the stack UnicornRentals-Target", built.Target)
	}
	if len(want["AWS::ECS::Service"]) != 1 || len(want["AWS::CloudFront::VpcOrigin"]) != 1 || len(want["AWS::ApplicationAutoScaling::ScalingPolicy"]) != 1 {
		t.Errorf("the game's target has %v: the comparison reads the wrong resources", want)
	}
}
