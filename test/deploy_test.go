package test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
)

// CloudFront refuses to update a VPC origin that a distribution uses, tags
// included (aws-cdk#34629, #35765): the stack's tags must not reach it, or
// any later change of them fails the deploy.
func TestTheVpcOriginCarriesNoTags(t *testing.T) {
	found := 0
	for _, set := range fixSets(t) {
		for _, o := range synth(t, set.String(), synthOptions{}).ofType("AWS::CloudFront::VpcOrigin") {
			found++
			if tags := o.prop("Tags"); tags != nil {
				t.Errorf("%s: the VPC origin has tags %s", set, text(tags))
			}
		}
	}
	if found == 0 {
		t.Fatal("no fix set has a VPC origin: the check checks nothing")
	}
}

// An instance is judged by the load balancer only once it can serve: the
// grace covers the same boot estimate as the scaling warm-up, and two
// health checks more.
func TestHealthCheckGraceCoversTheBoot(t *testing.T) {
	checked := 0
	for _, set := range append(fixSets(t), catalog.FixSet{}) {
		tpl := synth(t, set.String(), synthOptions{})
		for _, g := range tpl.ofType("AWS::AutoScaling::AutoScalingGroup") {
			boot := 90.0
			if set.Present(catalog.FlawBootUpgrade) {
				boot = 300
			}
			grace, _ := g.prop("HealthCheckGracePeriod").(float64)
			if grace < boot+20 {
				t.Errorf("%s: health check grace %v s, shorter than the %v s an instance takes to serve and two checks", set, grace, boot)
			}
			for _, p := range tpl.ofType("AWS::AutoScaling::ScalingPolicy") {
				if w, ok := p.prop("EstimatedInstanceWarmup").(float64); ok && w != boot {
					t.Errorf("%s: scaling warm-up %v s, boot estimate %v s: one estimate, two figures", set, w, boot)
				}
			}
			checked++
		}
	}
	if checked < 5 {
		t.Fatalf("checked %d Auto Scaling groups", checked)
	}
}

// By default every deploy resolves the latest AMI, and says which; pinned
// with -c ami, every instance runs that one and nothing is resolved.
func TestTheAMICanBePinnedForTheDay(t *testing.T) {
	latest := synth(t, "none", synthOptions{})
	if out := text(latest.raw["Outputs"].(map[string]any)["ImageId"]); !strings.Contains(out, "SsmParameterValueawsserviceamiamazonlinuxlatestal2023") {
		t.Errorf("ImageId output %s: want the AMI resolved from SSM", out)
	}
	const ami = "ami-0123456789abcdef0"
	pinned := synth(t, "none", synthOptions{configure: func(c *config.Config) { c.AMI = ami }})
	images := []any{
		pinned.one(t, "AWS::EC2::LaunchTemplate").prop("LaunchTemplateData", "ImageId"),
		pinned.one(t, "AWS::EC2::Instance").prop("ImageId"),
	}
	for _, img := range images {
		if img != ami {
			t.Errorf("an instance runs %v, want the pinned %s", text(img), ami)
		}
	}
	if params := text(pinned.raw["Parameters"]); strings.Contains(params, "ami-amazon-linux-latest") {
		t.Errorf("pinned, the stack still resolves an AMI: %s", params)
	}
	if fargate := synth(t, "all", synthOptions{}); fargate.raw["Outputs"].(map[string]any)["ImageId"] != nil {
		t.Error("the target has no instance, yet an ImageId output")
	}
	for value, want := range map[string]string{"ami-123": "want an AMI ID", "ami-0123456789abcdef0": ""} {
		_, err := config.FromContext(func(k string) any { return map[string]any{"ami": value}[k] })
		if got := fmt.Sprint(err); (want == "") != (err == nil) || !strings.Contains(got, want) {
			t.Errorf("ami %q: %v", value, err)
		}
	}
}
