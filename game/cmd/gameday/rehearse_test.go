package main

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/game/accounts"
	"github.com/unicorn-rentals/gameday/service/api"
	"github.com/unicorn-rentals/gameday/teamsfile"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

const rehearsalKey = "a-rehearsal-answer-key-32-bytes!"

// fakeAccounts answers the live reads and the monkey's aim for the teams
// billed live, by role; the accounts package's own tests read the same
// from moto (TestTheAnswerKeyIsReadFromTheGameStacksSecret, the live
// bill's and the monkey's tests).
type fakeAccounts struct{}

func (fakeAccounts) AnswerKey(_ context.Context, role, _ string) (string, error) {
	if strings.Contains(role, "locked") {
		return "", errors.New("secretsmanager:GetSecretValue denied (AccessDeniedException)")
	}
	return rehearsalKey, nil
}

func (fakeAccounts) Bill(_ context.Context, role string) (game.Estimate, error) {
	est := game.Estimate{Total: 0.697}
	if strings.Contains(role, "greedy") {
		est.Breaks = []string{"1 c5.xlarge instances running: the game allows only its instance type"}
	}
	return est, nil
}

// Quests: a locked account's role may not read its template either.
func (fakeAccounts) Quests(_ context.Context, role, _ string) ([]game.Quest, error) {
	if strings.Contains(role, "locked") {
		return nil, errors.New("cloudformation:GetTemplate denied (AccessDenied)")
	}
	return []game.Quest{{Flaw: "no-cache"}, {Flaw: "idle-elastic-ip", Fixed: true}}, nil
}

func (fakeAccounts) Aim(_ context.Context, role, stack, experiment string) (accounts.Targets, error) {
	if strings.Contains(role, "nochaos") {
		return accounts.Targets{}, fmt.Errorf("stack %s has no ChaosStarterRoleArn output: deploy it (gameday accounts deploy)", contract.ChaosStackName(cmp.Or(stack, contract.DefaultStackName)))
	}
	return accounts.Targets{ARNs: []string{"i-1", "i-2"}}, nil
}

// The morning of the day for 30 teams: each endpoint's answer checked
// under its key, a compressed game, the bill read and the monkey's
// targets found for the teams billed live; a row a team, and every broken
// team named with its fix, the others untouched.
func TestRehearsalNamesEachBrokenTeamWithItsFix(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := r.URL.Query().Get(api.Param)
		switch {
		case strings.HasPrefix(r.URL.Path, "/team-07/"): // the plain hash, computed elsewhere
			sum := sha256.Sum256([]byte(in))
			fmt.Fprintln(w, hex.EncodeToString(sum[:]))
		case strings.HasPrefix(r.URL.Path, "/team-13/"):
			http.Error(w, "internal error", http.StatusInternalServerError)
		default:
			w.Write([]byte(api.Answer([]byte(rehearsalKey), in)))
		}
	}))
	defer srv.Close()
	defer srv.CloseClientConnections()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + closed.Addr().String() + "/"
	closed.Close()

	live := map[int]string{2: "locked", 3: "greedy", 4: "nochaos", 5: "fine"}
	var teams []teamsfile.Team
	for i := 1; i <= 30; i++ {
		name := fmt.Sprintf("team-%02d", i)
		team := teamsfile.Team{Name: name, Endpoint: srv.URL + "/" + name + "/", Cost: "0.18", AnswerKey: rehearsalKey}
		if kind, ok := live[i]; ok {
			team.Cost, team.AnswerKey = fmt.Sprintf("live:arn:aws:iam::%012d:role/%s-BillReader#0123456789abcdef0123", i, kind), ""
		}
		if i == 21 {
			team.Endpoint = dead
		}
		teams = append(teams, team)
	}
	setup := game.DefaultSetup()
	setup.Speed = game.MaxSpeed
	r := rehearsal{Setup: setup, Live: fakeAccounts{}, Monkey: fakeAccounts{}, Parallel: 30}
	rows := r.rehearse(context.Background(), teams)
	var out strings.Builder
	err = printRehearsal(&out, rows, 0)
	if err == nil || !strings.Contains(err.Error(), "6 of 30 teams have something to fix") {
		t.Errorf("error %v: want the 6 broken teams counted", err)
	}
	for _, want := range []string{
		"team-02: answer key: secretsmanager:GetSecretValue denied",
		"team-02: quests: cloudformation:GetTemplate denied",
		"team-03: rule break: 1 c5.xlarge instances running",
		"team-04: chaos terminate-instance: stack UnicornRentals-Chaos has no ChaosStarterRoleArn output: deploy it",
		"team-07: endpoint: GET ?input=gameday-check answered 200",
		"team-13: endpoint: GET ?input=gameday-check answered 500",
		"team-21: endpoint: ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	for i, row := range rows {
		broken := strings.Contains(" 02 03 04 07 13 21 ", fmt.Sprintf(" %02d ", i+1))
		if row.ok() == broken {
			t.Errorf("%s: fixes %q", row.Team, row.Fixes)
		}
		if !broken && (row.Answer != "right" || !strings.Contains(row.Game, "points, 0 of")) {
			t.Errorf("%s: answer %q, game %q: want the right answer and a game with no failure", row.Team, row.Answer, row.Game)
		}
	}
	if rows[4].Quests != "1 of 2 done" {
		t.Errorf("team-05's quests %q, want what the checks read", rows[4].Quests)
	}
	if rows[4].Bill != "$0.70/h" || !strings.Contains(rows[4].Chaos, "terminate-instance: 2") {
		t.Errorf("the live team that is fine: bill %q, chaos %q", rows[4].Bill, rows[4].Chaos)
	}
}

func TestRehearseNeedsTheTeamsFile(t *testing.T) {
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"rehearse"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--teams FILE is required") {
		t.Errorf("error %v", err)
	}
}

// gameday rehearse as the facilitator runs it, against moto: the live
// team's answer key read from its stack's secret through its role, its
// bill read, and its missing chaos stack named with the fix.
func TestRehearseReadsALiveTeamFromItsAccount(t *testing.T) {
	ctx := context.Background()
	putGameStack(t, motoAccount(t), nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(api.Answer([]byte(rehearsalKey), r.URL.Query().Get(api.Param))))
	}))
	defer srv.Close()
	defer srv.CloseClientConnections()
	file := filepath.Join(t.TempDir(), "teams.txt")
	os.WriteFile(file, []byte("team-01 "+srv.URL+"/ live:arn:aws:iam::123456789012:role/UnicornRentals-BillReader#0123456789abcdef0123\n"), 0o644)
	var stdout, stderr strings.Builder
	err := run(ctx, []string{"rehearse", "--teams", file, "--speed", "3600"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "1 of 1 teams have something to fix") {
		t.Errorf("error %v", err)
	}
	out := stdout.String()
	for _, want := range []string{"team-01  right", "points, 0 of", "$0.", "team-01: chaos terminate-instance: ", "deploy the chaos stack (gameday accounts deploy"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s%s", want, out, stderr.String())
		}
	}
}

// motoAccount starts moto for the test and connects to its account.
func motoAccount(t *testing.T) *accounts.Clients {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL", testkit.Moto(t))
	c, err := accounts.Connect(context.Background(), accounts.Account{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// putGameStack puts in the account what a deployed game stack leaves: its
// answer key (rehearsalKey) in Secrets Manager, and the stack with its
// AnswerKeySecretArn output and the outputs given.
func putGameStack(t *testing.T, c *accounts.Clients, outputs map[string]string) {
	t.Helper()
	ctx := context.Background()
	secret, err := c.Secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("AnswerKey-AbCdEf"), SecretString: aws.String(rehearsalKey)})
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]any{"AnswerKeySecretArn": map[string]string{"Value": aws.ToString(secret.ARN)}}
	for k, v := range outputs {
		all[k] = map[string]string{"Value": v}
	}
	body, _ := json.Marshal(map[string]any{"Resources": map[string]any{"Q": map[string]string{"Type": "AWS::SQS::Queue"}}, "Outputs": all})
	if _, err := c.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("UnicornRentals"), TemplateBody: aws.String(string(body))}); err != nil {
		t.Fatal(err)
	}
}
