package plan

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

// The templates of three steps as they were before the path was made
// gapless (testdata/, synthesized from the fix sets cache..deploy -> +alb,
// ..autoscale -> +fargate and ..fargate -> all): the checker finds the
// gaps that reading CloudFormation's order by hand found.
func TestTheCheckerFindsTheOldGaps(t *testing.T) {
	rules, err := LoadReplacements("../../" + ReplacementDB)
	if err != nil {
		t.Fatal(err)
	}
	for step, want := range map[string]string{
		// The group leaves the Classic LB while CloudFront still uses it.
		"alb": "ClbLoadBalancer",
		// The listener moves to the new target group before the ECS
		// service exists.
		"fargate": "TasksService",
		// The tasks leave the public ALB while CloudFront still uses it.
		"harden": "AlbTargetGroup",
	} {
		t.Run(step, func(t *testing.T) {
			before, after := fixture(t, step+"-before"), fixture(t, step+"-after")
			gaps, err := Gaps(before, after, Update(before, after, rules))
			if err != nil {
				t.Fatal(err)
			}
			if len(gaps) == 0 {
				t.Fatal("no gap found")
			}
			var all []string
			for _, g := range gaps {
				all = append(all, g.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), want) {
				t.Errorf("no gap names %s:\n%s", want, strings.Join(all, "\n"))
			}
			t.Logf("%d gaps, e.g. %s", len(gaps), gaps[0])
		})
	}
}

// A stack with no Endpoint (the chaos stack) has no serving path.
func TestAStackThatServesNothingHasNoGaps(t *testing.T) {
	tpl := map[string]any{"Resources": map[string]any{"Q": map[string]any{"Type": "AWS::SQS::Queue"}}}
	if Serves(tpl) {
		t.Error("a template without an Endpoint output serves")
	}
	if gaps, err := Gaps(tpl, tpl, Plan{}); err != nil || gaps != nil {
		t.Errorf("gaps %v, err %v", gaps, err)
	}
	before := fixture(t, "alb-before")
	if gaps, err := Gaps(before, tpl, Plan{}); err == nil {
		t.Errorf("a stack that loses its Endpoint: gaps %v and no error", gaps)
	}
}
