package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/constructs/chaos"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/gates"
)

func experiment(t *testing.T, tpl *template, name string) resource {
	t.Helper()
	for _, r := range tpl.ofType("AWS::FIS::ExperimentTemplate") {
		if r.prop("Tags", "Name") == "unicorn-rentals-"+name {
			return r
		}
	}
	t.Fatalf("no experiment %s", name)
	return resource{}
}

// tagsOf reads a resource's Tags list as a map.
func tagsOf(r resource) map[string]string {
	out := map[string]string{}
	list, _ := r.prop("Tags").([]any)
	for _, e := range list {
		kv := e.(map[string]any)
		out[kv["Key"].(string)] = kv["Value"].(string)
	}
	return out
}

// Every experiment finds the service by tags the game stack sets under
// every fix set: the instance experiment while there are instances, the
// task experiments once there are tasks, the zone event always.
func TestExperimentsFindTheServiceUnderEveryFixSet(t *testing.T) {
	monkey := synthChaos(t, "none", nil, false)
	targetTags := func(name, target string) map[string]string {
		out := map[string]string{}
		for k, v := range experiment(t, monkey, name).prop("Targets", target, "ResourceTags").(map[string]any) {
			out[k] = v.(string)
		}
		return out
	}
	covers := func(have map[string]string, want map[string]string) bool {
		for k, v := range want {
			if have[k] != v {
				return false
			}
		}
		return len(want) > 0
	}
	for _, set := range append([]catalog.FixSet{{}}, fixSets(t)...) {
		game := synth(t, set.String(), synthOptions{})
		if g, ok := group(game); ok {
			if !covers(tagsOf(g), targetTags(chaos.TerminateInstance, "Instance")) || !strings.Contains(text(g.prop("Tags")), `"PropagateAtLaunch":true`) {
				t.Errorf("%s: the fleet's tags %v do not reach its instances as the experiment looks for them", set, tagsOf(g))
			}
		} else {
			svc := game.one(t, "AWS::ECS::Service")
			for _, name := range []string{chaos.StopTask, chaos.StopHalfTheTasks} {
				if !covers(tagsOf(svc), targetTags(name, "Tasks")) || svc.prop("PropagateTags") != "SERVICE" {
					t.Errorf("%s: the service's tags %v do not reach its tasks for %s", set, tagsOf(svc), name)
				}
			}
		}
		for _, s := range game.ofType("AWS::EC2::Subnet") {
			if !covers(tagsOf(s), targetTags(chaos.ZoneOutage, "Subnets")) {
				t.Errorf("%s: subnet %s lacks the zone event's tags", set, s.id)
			}
		}
	}
}

func TestFisRoleMayDoExactlyWhatTheExperimentsNeed(t *testing.T) {
	monkey := synthChaos(t, "none", nil, false)
	role := monkey.one(t, "AWS::IAM::Role")
	var actions []string
	for _, s := range role.prop("Policies", 0, "PolicyDocument", "Statement").([]any) {
		switch a := s.(map[string]any)["Action"].(type) {
		case string:
			actions = append(actions, a)
		case []any:
			for _, x := range a {
				actions = append(actions, x.(string))
			}
		}
	}
	slices.Sort(actions)
	actions = slices.Compact(actions)
	want := []string{
		"ec2:CreateNetworkAcl", "ec2:CreateNetworkAclEntry", "ec2:CreateTags", "ec2:DeleteNetworkAcl",
		"ec2:DescribeInstances", "ec2:DescribeManagedPrefixLists", "ec2:DescribeNetworkAcls", "ec2:DescribeSubnets",
		"ec2:DescribeVpcs", "ec2:GetManagedPrefixListEntries", "ec2:ReplaceNetworkAclAssociation", "ec2:TerminateInstances",
		"ecs:DescribeClusters", "ecs:DescribeTasks", "ecs:ListTasks", "ecs:StopTask", "tag:GetResources",
	}
	if !slices.Equal(actions, want) {
		t.Errorf("actions %v\nwant %v", actions, want)
	}
	if n := len(monkey.ofType("AWS::IAM::ManagedPolicy")); n != 0 || role.prop("ManagedPolicyArns") != nil {
		t.Error("the role has managed policies: broader than the experiments need")
	}
	if !strings.Contains(text(role.prop("AssumeRolePolicyDocument")), "fis.amazonaws.com") {
		t.Errorf("trust policy %s", text(role.prop("AssumeRolePolicyDocument")))
	}
	// The destructive actions reach only instances and tasks of the
	// stack's own account and region: the board chooses them in the game
	// stack's VPC at each event, whatever made them, so no tag limits them.
	for _, s := range role.prop("Policies", 0, "PolicyDocument", "Statement").([]any) {
		st := s.(map[string]any)
		if a := text(st["Action"]); strings.Contains(a, "TerminateInstances") || strings.Contains(a, "StopTask") {
			res := text(st["Resource"])
			if !strings.Contains(res, "${AWS::Region}:${AWS::AccountId}:instance/*") && !strings.Contains(res, "${AWS::Region}:${AWS::AccountId}:task/*") {
				t.Errorf("%s reaches %s: want this account's and region's instances or tasks only", a, res)
			}
		}
	}
}

func TestExperimentsStopOnTheGameStacksAlarm(t *testing.T) {
	monkey := synthChaos(t, "all", nil, false)
	for _, e := range monkey.ofType("AWS::FIS::ExperimentTemplate") {
		want := `[{"Source":"aws:cloudwatch:alarm","Value":{"Fn::ImportValue":"` + contract.ErrorRateAlarmExport("UnicornRentals") + `"}}]`
		if got := text(e.prop("StopConditions")); got != want {
			t.Errorf("%s stop conditions %s\nwant %s", e.id, got, want)
		}
	}
	if n := len(monkey.ofType("AWS::FIS::ExperimentTemplate")); n != 4 {
		t.Errorf("%d experiments, want 4", n)
	}
}

func TestTheMonkeyIsOffUnlessScheduled(t *testing.T) {
	if n := len(synthChaos(t, "none", nil, false).ofType("AWS::Scheduler::Schedule")); n != 0 {
		t.Errorf("%d schedules by default", n)
	}
	cfg, err := config.FromContext(func(k string) any {
		return map[string]any{"chaosSchedule": "on", "chaosStart": "2026-12-03T09:00:00Z", "chaosInterval": "30m", "chaosDuration": "3h"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	monkey := synthChaos(t, "none", func(c *config.Config) { c.Chaos = cfg.Chaos }, false)
	schedules := monkey.ofType("AWS::Scheduler::Schedule")
	if len(schedules) != 2 {
		t.Fatalf("%d schedules, want the instance and the task experiment", len(schedules))
	}
	var starts []string
	for _, s := range schedules {
		starts = append(starts, fmt.Sprint(s.prop("StartDate")))
		if s.prop("ScheduleExpression") != "rate(30 minutes)" || s.prop("EndDate") != "2026-12-03T12:00:00Z" ||
			s.prop("FlexibleTimeWindow", "Mode") != "OFF" || s.prop("Target", "Arn") != "arn:aws:scheduler:::aws-sdk:fis:startExperiment" {
			t.Errorf("%s: %s", s.id, text(s.body["Properties"]))
		}
		// StartExperiment's own request parameters, as its API reference
		// names them.
		if in := text(s.prop("Target", "Input")); !strings.Contains(in, `\"experimentTemplateId\": \"${Id}\"`) || !strings.Contains(in, `\"clientToken\"`) {
			t.Errorf("%s: input %s", s.id, in)
		}
	}
	slices.Sort(starts)
	if !slices.Equal(starts, []string{"2026-12-03T09:00:00Z", "2026-12-03T09:15:00Z"}) {
		t.Errorf("start dates %v: want the game's start, and half an interval later", starts)
	}
}

// Deployed mid-game, the schedules start at their next run: EventBridge
// Scheduler rejects a start date more than five minutes in the past.
func TestTheMonkeyDeployedMidGameStartsAtItsNextRun(t *testing.T) {
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	cfg := config.Default()
	cfg.Chaos = config.ChaosSchedule{Enabled: true, Start: start, Interval: 30 * time.Minute, Duration: 3 * time.Hour}
	now := start.Add(100 * time.Minute)
	app := synthApp(t, "none", synthOptions{configure: func(c *config.Config) { c.Chaos = cfg.Chaos }, now: now})
	var starts []string
	for _, s := range app.chaos.ofType("AWS::Scheduler::Schedule") {
		at, err := time.Parse(time.RFC3339, fmt.Sprint(s.prop("StartDate")))
		if err != nil || at.Before(now) {
			t.Errorf("%s starts at %v (%v), before the deploy at %s", s.id, s.prop("StartDate"), err, now)
		}
		starts = append(starts, at.Format("15:04"))
	}
	slices.Sort(starts)
	if !slices.Equal(starts, []string{"10:45", "11:00"}) {
		t.Errorf("first runs %v, want 10:45 (tasks) and 11:00 (instances)", starts)
	}
}

// As deployed for the board, with the starter role.
func TestChaosStackPassesTheGates(t *testing.T) {
	monkey := synthChaos(t, "all", withFacilitator, true)
	noNagErrors(t, monkey, "the chaos stack", func(s gates.Suppression) bool { return s.Chaos })
	exceptions, _ := gates.Exceptions()
	for _, f := range gates.Unexcepted(controlTower(t, monkey), exceptions, false) {
		t.Errorf("Control Tower %s (%s) on %v", f.Control, f.Rule, f.Resources)
	}
}
