package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/service/api"
)

// guideCommand matches a gameday command in docs/facilitator.md's code
// blocks: the command and, for accounts, its verb.
var guideCommand = regexp.MustCompile(`(?m)^    bin/gameday (accounts \w+|\w+)`)

// testedElsewhere are the guide's commands the day's walk does not run,
// with the test that does.
var testedElsewhere = map[string]string{
	"play":   "TestBadInputGetsAClearError (its flags); game's TestPlayAgainstTheRealService",
	"board":  "TestAKilledBoardResumesWithItsTotalsIntact",
	"ctl":    "TestCtlChangesTheGameWithTheTokenOnly, TestCtlFollowsNoRedirect",
	"export": "TestAKilledBoardResumesWithItsTotalsIntact, TestCtlAndExportTimeOutOnAStuckBoard",
	// Against moto, CloudTrail's LookupEvents by a stand-in:
	// TestTheHistoryListsTheWritesAndMarksTheMonkeys.
	"debrief": "TestAKilledBoardResumesWithItsTotalsIntact, board's TestTheDebriefTellsTheTeamsGameInOrder",
}

// The facilitator's day for 30 teams, stage by stage as
// docs/facilitator.md tells it, for 30 role-ARN accounts (moto's one
// account behind every role; a stand-in npx for the CDK CLI, whose
// deploys write the outputs a real one would) with a few teams broken on
// purpose: each stage names each broken team with its fix, and a rerun
// after a failed team keeps the others. Every gameday command of the
// guide is run here or named with the test that runs it.
func TestTheFacilitatorsDayFor30Teams(t *testing.T) {
	guide, err := os.ReadFile("../../../docs/facilitator.md")
	if err != nil {
		t.Fatal(err)
	}
	walked := []string{"accounts preflight", "accounts deploy", "rehearse", "handout", "accounts teardown"}
	for _, m := range guideCommand.FindAllStringSubmatch(string(guide), -1) {
		if _, ok := testedElsewhere[m[1]]; !ok && !slices.Contains(walked, m[1]) {
			t.Errorf("docs/facilitator.md runs gameday %s, which neither the day's walk nor another named test runs", m[1])
		}
	}

	t.Setenv("GAMEDAY_TOKEN", "the-facilitators-control-token")
	ctx := context.Background()
	// What the deploys leave in the account: the game stack's key and
	// outputs, the players' guardrail and the role the players sign in with.
	c := motoAccount(t)
	guardrail, err := c.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("UnicornRentals-PlayersGuardrail1A2B-3C4D"),
		PolicyDocument: aws.String(`{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "cloudtrail:StopLogging", "Resource": "*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	guardrailARN := aws.ToString(guardrail.Policy.Arn)
	if _, err := c.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("TeamAdmin"),
		AssumeRolePolicyDocument: aws.String(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	putGameStack(t, c, map[string]string{"PlayersGuardrailArn": guardrailARN})
	// The teams' endpoints: team-07's answers without the key.
	endpoints := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := r.URL.Query().Get(api.Param)
		if strings.HasPrefix(r.URL.Path, "/team-07/") {
			fmt.Fprintln(w, "not-the-answer")
			return
		}
		w.Write([]byte(api.Answer([]byte(rehearsalKey), in)))
	}))
	defer endpoints.Close()
	defer endpoints.CloseClientConnections()

	bin := t.TempDir()
	npx := `#!/bin/sh
echo "$@" >> "` + bin + `/calls"
out=""; assembly=""
while [ $# -gt 0 ]; do
  case "$1" in
    --outputs-file) out="$2"; shift ;;
    --output) assembly="$2"; shift ;;
  esac
  shift
done
[ -z "$out" ] && exit 0
team=$(basename "$(dirname "$assembly")")
if [ "$team" = team-13 ] && [ ! -f "` + bin + `/quota-raised" ]; then echo "UnicornRentals failed: Resource handler returned message: vCPU quota exceeded" >&2; exit 1; fi
mkdir -p "$assembly"
printf '{"UnicornRentals": {"Endpoint": "` + endpoints.URL + `/%s/", "BillReaderRoleArn": "arn:aws:iam::123456789012:role/%s-BillReader", "PlayersGuardrailArn": "` + guardrailARN + `"}}' "$team" "$team" > "$out"
`
	if err := os.WriteFile(filepath.Join(bin, "npx"), []byte(npx), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	dir := t.TempDir()
	var lines strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&lines, "team-%02d arn:aws:iam::123456789012:role/OrganizationAccountAccessRole\n", i)
	}
	accountsFile := filepath.Join(dir, "accounts.txt")
	os.WriteFile(accountsFile, []byte(lines.String()), 0o644)
	teamsFile := filepath.Join(dir, "teams.txt")
	stage := func(name string, args ...string) (string, error) {
		t.Helper()
		var stdout, stderr strings.Builder
		start := time.Now()
		err := run(ctx, args, &stdout, &stderr)
		t.Logf("%-26s %6s for 30 teams", name, time.Since(start).Round(10*time.Millisecond))
		return stdout.String(), err
	}

	// Preflight: one line a team.
	out, _ := stage("accounts preflight --fix", "accounts", "preflight", "--accounts", accountsFile, "--fix", "--out", filepath.Join(dir, "teams"))
	if n := strings.Count(out, "\n"); n < 30 || strings.Count(out, "team-30 ") == 0 {
		t.Errorf("preflight printed %d lines:\n%s", n, out)
	}

	// Deploy: team-13 fails, the others are in the teams file; once its
	// quota is raised, the rerun adds it and keeps every other team's
	// ExternalId.
	deploy := []string{"accounts", "deploy", "--accounts", accountsFile, "--out", filepath.Join(dir, "teams"), "--teams-out", teamsFile, "-c", "facilitatorAccount=999999999999", "--parallel", "10", "--players-role", "TeamAdmin"}
	if _, err := stage("accounts deploy", deploy...); err == nil || !strings.Contains(err.Error(), "team-13") {
		t.Errorf("deploy with team-13 broken: %v", err)
	}
	first, _ := os.ReadFile(teamsFile)
	if strings.Count(string(first), "\nteam-") != 29 || strings.Contains(string(first), "team-13 ") {
		t.Errorf("teams file after the first deploy:\n%s", first)
	}
	os.WriteFile(filepath.Join(bin, "quota-raised"), nil, 0o644)
	if _, err := stage("accounts deploy (rerun)", deploy...); err != nil {
		t.Errorf("the rerun: %v", err)
	}
	second, _ := os.ReadFile(teamsFile)
	if strings.Count(string(second), "\nteam-") != 30 {
		t.Errorf("teams file after the rerun:\n%s", second)
	}
	for _, line := range strings.Split(string(first), "\n") {
		if strings.HasPrefix(line, "team-") && !strings.Contains(string(second), line) {
			t.Errorf("the rerun changed %q", line)
		}
	}

	// Preflight again: every team's players are bound by the guardrail
	// the deploy attached.
	out, _ = stage("accounts preflight (after)", "accounts", "preflight", "--accounts", accountsFile, "--details")
	if n := strings.Count(out, "players' guardrail: attached to role TeamAdmin"); n != 30 {
		t.Errorf("%d teams' players bound by the guardrail, want 30:\n%s", n, out)
	}

	// Rehearse, compressed to seconds, with a script without chaos (the
	// monkey's aim is TestRehearsalNamesEachBrokenTeamWithItsFix's).
	calm := game.DefaultScenario()
	calm.Events = nil
	raw, _ := json.Marshal(calm)
	scenario := filepath.Join(dir, "calm.json")
	os.WriteFile(scenario, raw, 0o644)
	out, err = stage("rehearse", "rehearse", "--teams", teamsFile, "--speed", "3600", "--scenario", scenario, "--parallel", "30")
	if err == nil || !strings.Contains(err.Error(), "1 of 30 teams have something to fix") || !strings.Contains(out, "team-07: endpoint: GET ?input=gameday-check answered 200 \"not-the-answer\"") {
		t.Errorf("rehearse: %v\n%s", err, out)
	}

	// Handout: a sheet a team.
	sheets := filepath.Join(dir, "handout")
	if _, err := stage("handout", "handout", "--teams", teamsFile, "--server", "http://10.0.0.5:8080", "--runbook", "../../../docs/runbook.md", "--out", sheets); err != nil {
		t.Errorf("handout: %v", err)
	}
	if files, _ := os.ReadDir(sheets); len(files) != 30 {
		t.Errorf("%d sheets, want 30", len(files))
	}

	// Teardown: both stacks of every team destroyed, what still bills listed.
	out, _ = stage("accounts teardown", "accounts", "teardown", "--accounts", accountsFile, "--out", filepath.Join(dir, "teams"), "--parallel", "10")
	if strings.Count(out, "team-") < 30 {
		t.Errorf("teardown:\n%s", out)
	}
	calls, _ := os.ReadFile(filepath.Join(bin, "calls"))
	if n := strings.Count(string(calls), "destroy --force"); n != 30 {
		t.Errorf("%d destroys, want 30", n)
	}
	if n := strings.Count(string(calls), "UnicornRentals UnicornRentals-Chaos"); n < 30 {
		t.Errorf("%d deploys of both stacks, want every team's", n)
	}
}
