package accounts

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/teamsfile"
)

// fakeCDK puts an npx first on PATH that plays `cdk deploy`: it writes the
// outputs file the CLI writes, fails once with throttling for the team
// whose profile is "flaky", and for good for "broken"; each call records
// its arguments and profile.
func fakeCDK(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	script := `#!/bin/sh
log="` + dir + `/calls"
echo "$AWS_PROFILE $*" >> "$log"
out=""; assembly=""
while [ $# -gt 0 ]; do
  case "$1" in
    --outputs-file) out="$2"; shift ;;
    --output) assembly="$2"; shift ;;
  esac
  shift
done
case "$AWS_PROFILE" in
  broken) echo "UnicornRentals failed: Resource handler returned message: quota exceeded" >&2; exit 1 ;;
  flaky) if [ ! -f "` + dir + `/flaky-once" ]; then touch "` + dir + `/flaky-once"; echo "Rate exceeded" >&2; exit 1; fi ;;
esac
[ -z "$out" ] && exit 0 # bootstrap: no assembly, no outputs
mkdir -p "$assembly"
printf '{"UnicornRentals": {"Endpoint": "https://%s.cloudfront.example/", "BillReaderRoleArn": "arn:aws:iam::123456789012:role/%s-BillReader"}}' "$AWS_PROFILE" "$AWS_PROFILE" > "$out"
`
	if err := os.WriteFile(filepath.Join(dir, "npx"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// Every team deploys with its own credentials and cloud assembly, in
// parallel; a throttled deploy is tried again; a failed one is reported
// and left out of the board's teams file.
func TestDeployEveryTeam(t *testing.T) {
	fake := fakeCDK(t)
	backoff = 10 * time.Millisecond
	teams, err := ParseTeams(strings.NewReader("# the day's accounts\nteam-01 team-01\nteam-02 flaky\nteam-03 broken us-west-2\n"), "accounts.txt")
	if err != nil {
		t.Fatal(err)
	}
	var progress strings.Builder
	out := t.TempDir()
	got := Deploy(context.Background(), teams, DeployOptions{Dir: out, Context: map[string]string{"fixes": "none", "facilitatorAccount": "123456789012"}, Progress: &progress})
	if got[0].Err != nil || got[1].Err != nil || got[2].Err == nil {
		t.Fatalf("results %+v", got)
	}
	if got[1].Endpoint != "https://flaky.cloudfront.example/" || !strings.Contains(progress.String(), "team-02      cdk deploy, attempt 2 of 3") {
		t.Errorf("the throttled team: %+v\n%s", got[1], progress.String())
	}
	if !strings.Contains(got[2].Err.Error(), "team-03/deploy.log") {
		t.Errorf("the failed team's error %v names no log", got[2].Err)
	}
	calls, _ := os.ReadFile(filepath.Join(fake, "calls"))
	for _, team := range []string{"team-01", "team-02", "team-03"} {
		if !strings.Contains(string(calls), "--output "+filepath.Join(out, team, "cdk.out")) {
			t.Errorf("%s did not get its own cloud assembly:\n%s", team, calls)
		}
	}
	if !strings.Contains(string(calls), "-c facilitatorAccount=123456789012") || !strings.Contains(string(calls), "--require-approval never") ||
		!strings.Contains(string(calls), " UnicornRentals UnicornRentals-Chaos") {
		t.Errorf("calls:\n%s", calls)
	}
	// Each team its own ExternalId, passed to its deploy, kept for the
	// next one and written into the board's teams file.
	ids := map[string]string{}
	for i, team := range []string{"team-01", "team-02"} {
		id := got[i].ExternalID
		if teamsfile.CheckExternalID(id) != nil || !strings.Contains(string(calls), "-c externalId="+id) {
			t.Errorf("%s: external ID %q, not given to its deploy:\n%s", team, id, calls)
		}
		ids[id] = team
	}
	if len(ids) != 2 {
		t.Errorf("two teams share an external ID: %v", ids)
	}
	again := Deploy(context.Background(), teams[:1], DeployOptions{Dir: out, Context: map[string]string{"fixes": "none", "facilitatorAccount": "123456789012"}})
	if again[0].ExternalID != got[0].ExternalID {
		t.Errorf("a redeploy changed team-01's external ID from %s to %s: its role's trust would change under the board", got[0].ExternalID, again[0].ExternalID)
	}
	var teamsFile strings.Builder
	if err := TeamsFile(&teamsFile, got); err != nil {
		t.Fatal(err)
	}
	want := "# gameday teams file: \"name endpoint [cost [stack]] [key=K]\" a line\n" +
		"team-01 https://team-01.cloudfront.example/ live:arn:aws:iam::123456789012:role/team-01-BillReader#" + got[0].ExternalID + "\n" +
		"team-02 https://flaky.cloudfront.example/ live:arn:aws:iam::123456789012:role/flaky-BillReader#" + got[1].ExternalID + "\n"
	if teamsFile.String() != want {
		t.Errorf("teams file:\n%s\nwant\n%s", teamsFile.String(), want)
	}
	back, err := teamsfile.Parse(strings.NewReader(teamsFile.String()), "teams.txt")
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := teamsfile.ParseCost(back[0].Cost); c.ExternalID != got[0].ExternalID || c.Role != "arn:aws:iam::123456789012:role/team-01-BillReader" {
		t.Errorf("the teams file reads back as %+v", c)
	}
}

func TestAccountsFileErrorsNameTheLine(t *testing.T) {
	_, err := ParseTeams(strings.NewReader("team-01\n"), "accounts.txt")
	if err == nil || !strings.Contains(err.Error(), "accounts.txt:1") || !strings.Contains(err.Error(), "profile-or-role-ARN") {
		t.Errorf("error %v", err)
	}
	_, err = ParseTeams(strings.NewReader("team-01 arn:aws:iam::12:role/R\n"), "accounts.txt")
	if err == nil || !strings.Contains(err.Error(), "accounts.txt:1: role \"arn:aws:iam::12:role/R\": want an IAM role's ARN") {
		t.Errorf("a 2-digit account: %v", err)
	}
	_, err = ParseTeams(strings.NewReader("team-01 p1\n# and again\nteam-01 p2\n"), "accounts.txt")
	if err == nil || !strings.Contains(err.Error(), `accounts.txt:3: team "team-01" is already on line 1`) {
		t.Errorf("a name twice: %v", err)
	}
}
