package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/test/cdktest"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

func TestBaselineShape(t *testing.T) {
	tpl := synth(t, "none", synthOptions{})

	t.Run("fixed fleet of m5.large behind a classic load balancer on :80", func(t *testing.T) {
		g := tpl.one(t, "AWS::AutoScaling::AutoScalingGroup")
		for _, k := range []string{"MinSize", "MaxSize", "DesiredCapacity"} {
			if g.prop(k) != "4" {
				t.Errorf("%s = %v, want 4", k, g.prop(k))
			}
		}
		clb := tpl.one(t, "AWS::ElasticLoadBalancing::LoadBalancer")
		if clb.prop("Scheme") != nil && clb.prop("Scheme") != "internet-facing" {
			t.Errorf("scheme %v", clb.prop("Scheme"))
		}
		l := clb.prop("Listeners", 0)
		if text(l) != `{"InstancePort":"8080","InstanceProtocol":"http","LoadBalancerPort":"80","Protocol":"http"}` {
			t.Errorf("listener %s", text(l))
		}
		if !strings.Contains(text(g.prop("LoadBalancerNames")), clb.id) {
			t.Error("the fleet is not registered with the load balancer")
		}
	})

	t.Run("the service is started with the deployed settings", func(t *testing.T) {
		ud := userDataOf(t, tpl)
		for _, want := range []string{"WORK=4s", "CONCURRENCY=1", "MAX_WAIT=20s", "DRAIN_TIMEOUT=25s", "ADDR=:8080", "/usr/local/bin/hashsvc"} {
			if !strings.Contains(ud, want) {
				t.Errorf("user data lacks %s", want)
			}
		}
	})

	t.Run("the VPC has room for more subnets", func(t *testing.T) {
		vpc := tpl.one(t, "AWS::EC2::VPC")
		if vpc.prop("CidrBlock") != "10.0.0.0/16" {
			t.Errorf("VPC %v", vpc.prop("CidrBlock"))
		}
		used := 0
		for _, s := range tpl.ofType("AWS::EC2::Subnet") {
			used += 1 << (32 - prefix(t, s).Bits())
		}
		if used > 1<<16/8 {
			t.Errorf("subnets use %d of 65,536 addresses; the fix needs room", used)
		}
	})

	t.Run("no physical names, so teams can deploy side by side", func(t *testing.T) {
		for id, r := range tpl.resources {
			props, _ := r["Properties"].(map[string]any)
			for _, k := range []string{"LoadBalancerName", "AutoScalingGroupName", "LaunchTemplateName", "GroupName", "RoleName"} {
				if _, ok := props[k]; ok {
					t.Errorf("%s sets %s", id, k)
				}
			}
		}
	})

	t.Run("the waste volume is deleted, not retained, when removed", func(t *testing.T) {
		v := tpl.one(t, "AWS::EC2::Volume")
		if v.body["DeletionPolicy"] != "Delete" {
			t.Errorf("DeletionPolicy %v: a retained volume keeps billing after cleanup", v.body["DeletionPolicy"])
		}
	})

	t.Run("endpoint output is the load balancer's URL", func(t *testing.T) {
		out, _ := tpl.raw["Outputs"].(map[string]any)["Endpoint"].(map[string]any)
		if out == nil || !strings.Contains(text(out["Value"]), "DNSName") || !strings.HasPrefix(text(out["Value"]), `{"Fn::Join":["",["http://"`) {
			t.Errorf("Endpoint output %s", text(out))
		}
	})
}

// Claims about every resource of a type, checked by the CDK's assertions.
func TestBaselineClaimsOverAllResources(t *testing.T) {
	tpl := synth(t, "none", synthOptions{})
	a := assertions.Template_FromJSON(&tpl.raw, nil)
	cdktest.MustPass(t, "every volume unencrypted gp2", func() {
		a.AllResourcesProperties(jsii.String("AWS::EC2::Volume"), map[string]any{"Encrypted": false, "VolumeType": "gp2"})
	})
	cdktest.MustPass(t, "every subnet in the one VPC", func() {
		vpc := tpl.one(t, "AWS::EC2::VPC")
		a.AllResourcesProperties(jsii.String("AWS::EC2::Subnet"), map[string]any{"VpcId": map[string]any{"Ref": vpc.id}})
	})
	cdktest.MustPass(t, "every Auto Scaling group on the classic load balancer", func() {
		a.AllResourcesProperties(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]any{
			"LoadBalancerNames": assertions.Match_AnyValue(),
		})
	})
}

func TestSynthesizingTwiceGivesIdenticalTemplates(t *testing.T) {
	// With the binary really built: its asset hash must not change.
	first := synth(t, "none", synthOptions{bundle: true, outdir: t.TempDir()})
	second := synth(t, "none", synthOptions{bundle: true, outdir: t.TempDir()})
	if !reflect.DeepEqual(first.raw, second.raw) {
		a, _ := json.MarshalIndent(first.raw, "", " ")
		b, _ := json.MarshalIndent(second.raw, "", " ")
		t.Fatalf("templates differ:\n%s", firstDifference(string(a), string(b)))
	}
	// Skipping the build changes the object key's extension, not the hash.
	unbundled := synth(t, "none", synthOptions{})
	built, skipped := assetHash.FindString(userDataOf(t, first)), assetHash.FindString(userDataOf(t, unbundled))
	if built == "" || built != skipped {
		t.Errorf("asset hash %q when built, %q when not: it must come from the source", built, skipped)
	}
}

var assetHash = regexp.MustCompile(`[0-9a-f]{64}`)

func firstDifference(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, la[i], lb[i])
		}
	}
	return "lengths differ"
}

func TestBaselinePassesTemplateValidation(t *testing.T) {
	dir := t.TempDir()
	synth(t, "none", synthOptions{validate: true, outdir: dir})
	expectCleanValidation(t, dir)
}

// expectCleanValidation reads the validation report of a synth into dir.
func expectCleanValidation(t *testing.T, dir string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		PluginReports []struct {
			PluginName string
			Conclusion string
			Violations []struct {
				RuleName, Description, Severity string
			}
		}
	}
	if err := json.Unmarshal(raw, &report); err != nil {
		t.Fatal(err)
	}
	// The CDK writes the report only when a validation plugin ran, and
	// lists a plugin only when it found or was told to ignore something:
	// an empty list is a clean run.
	for _, p := range report.PluginReports {
		if p.Conclusion != "success" {
			t.Errorf("%s: %s", p.PluginName, p.Conclusion)
		}
		// Deliberate flaws are acknowledged where they are made; anything
		// left is news.
		for _, v := range p.Violations {
			t.Errorf("%s: %s %s: %s", p.PluginName, v.Severity, v.RuleName, v.Description)
		}
	}
}

// TestAppAsTheCLIRunsIt builds main.go and runs it the way the CDK CLI
// does: context in CDK_CONTEXT_JSON, output in CDK_OUTDIR.
func TestAppAsTheCLIRunsIt(t *testing.T) {
	bin := testkit.Build(t, "..", ".")
	run := func(context map[string]any) (out, outdir string, err error) {
		outdir = t.TempDir()
		ctxJSON, _ := json.Marshal(context)
		cmd := exec.Command(bin)
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), "CDK_CONTEXT_JSON="+string(ctxJSON), "CDK_OUTDIR="+outdir, "CDK_VALIDATION=false")
		combined, err := cmd.CombinedOutput()
		return string(combined), outdir, err
	}

	t.Run("an unknown fix stops synth with the valid names and no panic", func(t *testing.T) {
		out, _, err := run(map[string]any{"fixes": "cdn"})
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
			t.Fatalf("exit %v, want 1\n%s", err, out)
		}
		want := `unicorn-rentals: context fixes: unknown fix "cdn"; valid fixes are cache, cleanup, subnets, deploy, alb, retire-clb, autoscale, fargate, retire-ec2, vpc-origin, harden (or none, all)`
		if !strings.Contains(out, want) || strings.Contains(out, "panic") || strings.Contains(out, "goroutine") {
			t.Errorf("output:\n%s\nwant %q and no panic", out, want)
		}
	})

	t.Run("a fix without the fixes it requires stops synth naming them", func(t *testing.T) {
		out, _, err := run(map[string]any{"fixes": "fargate"})
		if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 1 {
			t.Fatalf("exit %v, want 1\n%s", err, out)
		}
		want := "unicorn-rentals: context fixes: fargate requires alb, fargate requires retire-clb, fargate requires subnets; add the missing fixes to the list"
		if !strings.Contains(out, want) || strings.Contains(out, "panic") {
			t.Errorf("output:\n%s\nwant %q", out, want)
		}
	})

	t.Run("the baseline synthesizes under the name asked for", func(t *testing.T) {
		out, outdir, err := run(map[string]any{"stackName": "Team07", "aws:cdk:bundling-stacks": []string{}})
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if _, err := os.Stat(filepath.Join(outdir, "Team07.template.json")); err != nil {
			t.Error(err)
		}
		if !strings.Contains(out, "synthesized Team07 (fixes: none):") {
			t.Errorf("no summary line in:\n%s", out)
		}
	})
}
