package board

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// A team's token opens its own page and its proposals, and nothing else:
// not another team's page, nor any of the facilitator's or the workers'
// calls.
func TestATeamsTokenOpensItsPageAndNothingElse(t *testing.T) {
	t.Parallel()
	a, b := newFakeTeam(t), newFakeTeam(t)
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: a.srv.URL}, Team{AnswerKey: testKey, Name: "b", Endpoint: b.srv.URL})
	g.Paused = true
	board, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	defer store.Close()
	srv := httptest.NewServer(board.Handler())
	defer srv.Close()
	tokenA := TeamToken(board.Token(), "a")
	if tokenA == TeamToken(board.Token(), "b") || tokenA == board.Token() || len(tokenA) != 32 {
		t.Fatalf("team a's token %q: want its own, of 32 hex digits", tokenA)
	}
	call := func(method, path, token, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		sign(t, req, token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(raw)
	}
	if code, body := call("GET", "/api/team/a", tokenA, ""); code != http.StatusOK || !strings.Contains(body, `"team":"a"`) {
		t.Errorf("a's page with a's token: %d %s", code, body)
	}
	if code, body := call("POST", "/api/team/a/hint", tokenA, `{"quest": 3}`); code != http.StatusOK || !strings.Contains(body, `"hints":["`) {
		t.Errorf("a's hint with a's token: %d %s, want its page with the hint", code, body)
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/api/team/b", ""},
		{"POST", "/api/team/b/endpoint", `{"endpoint": "` + a.srv.URL + `"}`},
		{"POST", "/api/team/b/hint", `{"quest": 3}`},
		{"POST", "/api/hint", `{"team": "a", "quest": 4}`},
		{"POST", "/api/pause", ""},
		{"POST", "/api/teams/b", `{"endpoint": "` + a.srv.URL + `"}`},
		{"POST", "/api/award", `{"team": "a", "points": 1000, "reason": "we say so"}`},
		{"GET", "/api/live", ""},
		{"POST", "/api/workers/lease", `{"worker": "w"}`},
	} {
		if code, body := call(c.method, c.path, tokenA, c.body); code != http.StatusUnauthorized {
			t.Errorf("%s %s with team a's token: %d %s, want 401", c.method, c.path, code, body)
		}
	}
	if code, body := call("GET", "/api/team/a", board.Token(), ""); code != http.StatusUnauthorized {
		t.Errorf("a's page with the control token: %d %s: each credential opens its own calls", code, body)
	}
}

// A proposed endpoint is asked fresh questions first: wrong answers or no
// answer in time are refused with the reason, a right one moves the
// team's customers at the next minute, with an event.
func TestAProposedEndpointIsCheckedThenMovedAtTheNextMinute(t *testing.T) {
	t.Parallel()
	old, good, wrong := newFakeTeam(t), newFakeTeam(t), httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("not a hash"))
	}))
	defer wrong.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: old.srv.URL})
	g.Paused = true
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	defer store.Close()
	ctx := context.Background()
	for endpoint, want := range map[string]string{
		wrong.URL + "/":           `was answered "not a hash", not its answer`,
		slow.URL + "/":            "got no answer within 2s",
		"http://169.254.169.254/": "link-local",
	} {
		if err := b.Propose(ctx, "a", endpoint); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("proposing %s: %v, want %q", endpoint, err, want)
		}
	}
	if err := b.Propose(ctx, "a", good.srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	if v, _ := b.TeamView("a"); v.Endpoint != old.srv.URL || v.Proposed != good.srv.URL+"/" {
		t.Errorf("before the next minute: at %s, proposed %s", v.Endpoint, v.Proposed)
	}
	runCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	go b.Run(runCtx)
	b.Resume()
	moved := func() bool {
		return slices.ContainsFunc(b.Events(), func(e Event) bool { return e.Team == "a" && strings.Contains(e.Text, "endpoint "+good.srv.URL+"/") })
	}
	waitFor(t, func() bool { return b.Teams()[0].Endpoint == good.srv.URL+"/" && moved() })
	if b.Minute() < 1 {
		t.Errorf("moved at minute %d: want it at the end of a minute", b.Minute())
	}
	var texts []string
	for _, e := range b.Events() {
		if e.Team == "a" {
			texts = append(texts, e.Text)
		}
	}
	joined := strings.Join(texts, "|")
	if !strings.Contains(joined, "a proposed "+good.srv.URL+"/") || !strings.Contains(joined, "endpoint "+good.srv.URL+"/") {
		t.Errorf("a's events: %s", joined)
	}
	v, err := b.TeamView("a")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(v)
	if v.Standing.Name != "a" || len(v.Rows) == 0 || len(v.Trend) == 0 || v.Rows[0].Minute < v.Rows[len(v.Rows)-1].Minute {
		t.Errorf("a's page: %s", raw)
	}
}

// hostsBill is a live bill whose account serves from hosts (the accounts
// package reads them from moto's distributions and load balancers:
// TestTheHostsAreTheAccountsDistributionsAndLoadBalancers).
type hostsBill struct {
	fakeBills
	hosts []string
}

func (h *hostsBill) Hosts(context.Context, string) ([]string, error) { return h.hosts, nil }

// A team billed live may propose only a host of its own account.
func TestALiveTeamProposesOnlyItsOwnHosts(t *testing.T) {
	t.Parallel()
	old, good := newFakeTeam(t), newFakeTeam(t)
	const role = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader"
	bills := &hostsBill{fakeBills: fakeBills{answers: []func() (game.Estimate, error){func() (game.Estimate, error) { return game.Estimate{Total: 0.5}, nil }}},
		hosts: []string{"d111111abcdef8.cloudfront.net", "127.0.0.1"}}
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: old.srv.URL, Cost: "live:" + role})
	g.Paused = true
	b := openBoardWith(t, g, Options{Live: bills})
	ctx := context.Background()
	outside := strings.Replace(good.srv.URL, "127.0.0.1", "localhost", 1) + "/"
	if err := b.Propose(ctx, "a", outside); err == nil || !strings.Contains(err.Error(), "is none of your account's CloudFront distributions or load balancers") {
		t.Errorf("a host outside the account: %v", err)
	}
	if err := b.Propose(ctx, "a", good.srv.URL+"/"); err != nil {
		t.Errorf("a host of the account: %v", err)
	}
}

// A live bill cannot be dodged by breaking its reads: before the first
// read the team pays the board's default cost, and while reads fail the
// highest bill read so far, with a note saying so.
func TestALiveBillCannotBeDodgedByBreakingItsReads(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader"
	b := openBoardWith(t, newGame(t, Team{AnswerKey: testKey, Name: "live", Endpoint: "http://127.0.0.1:9/", Cost: "live:" + role}), Options{Live: &fakeBills{}})
	tm := b.byName["live"]
	broken := errors.New("AccessDenied: the role's trust was changed")
	steps := []struct {
		est  float64
		err  error
		want float64
		note string
	}{
		{err: broken, want: 0.6, note: "billed the board's default cost"},
		{est: 0.2, want: 0.2},
		{est: 0.9, want: 0.9},
		{est: 0.3, want: 0.3},
		{err: broken, want: 0.9, note: "highest bill read so far, $0.900/h"},
		{err: broken, want: 0.9, note: "highest bill read so far"},
		{est: 0.25, want: 0.25},
	}
	for i, s := range steps {
		tm.live.set(game.Estimate{Total: s.est}, time.Now(), s.err)
		if got := b.costPerHour(tm, Minute{}); got != s.want {
			t.Errorf("step %d: billed $%v/h, want $%v/h", i+1, got, s.want)
		}
		st := b.Snapshot().Standings[0]
		if !strings.Contains(st.BillNote, s.note) || (s.note == "") != (st.BillNote == "") {
			t.Errorf("step %d: note %q, want %q", i+1, st.BillNote, s.note)
		}
	}
}

// A rule the account breaks (a type the game does not allow) is posted
// once, for the room and the facilitator, however many reads find it.
func TestARuleBreakIsPostedOnce(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader"
	brk := "2 t3.micro instances running: the game allows only its instance type"
	bills := &fakeBills{answers: []func() (game.Estimate, error){func() (game.Estimate, error) { return game.Estimate{Total: 2.5, Breaks: []string{brk}}, nil }}}
	f := newFakeTeam(t)
	b := openBoardWith(t, newGame(t, Team{AnswerKey: testKey, Name: "live", Endpoint: f.srv.URL, Cost: "live:" + role}), Options{Live: bills, LiveEvery: 50 * time.Millisecond})
	run(t, b)
	var posted []string
	for _, e := range b.Events() {
		if e.Kind == "rule" {
			posted = append(posted, e.Text)
		}
	}
	if len(bills.roles) < 3 || len(posted) != 1 || !strings.Contains(posted[0], "live breaks a rule: "+brk) {
		t.Errorf("%d reads posted %q: want the break once", len(bills.roles), posted)
	}
}

// keyedBill is a live bill whose role reads each stack's answer key (the
// accounts package reads it from moto's Secrets Manager:
// TestTheAnswerKeyIsReadFromTheGameStacksSecret).
type keyedBill struct {
	fakeBills
	keys map[string]string // by stack; a stack not here fails
	mu   sync.Mutex
	read []string
}

func (k *keyedBill) AnswerKey(_ context.Context, role, stack string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.read = append(k.read, role+" "+stack)
	key, ok := k.keys[stack]
	if !ok {
		return "", errors.New("secretsmanager:GetSecretValue AccessDenied")
	}
	return key, nil
}

// A team billed live needs no key in the teams file: the board reads it
// through the team's role and judges its answers with it; a team whose
// key is neither given nor readable stops the board before it starts,
// named with the fix.
func TestTheAnswerKeyIsReadThroughTheTeamsRole(t *testing.T) {
	const role = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader"
	f := newFakeTeam(t)
	bills := &keyedBill{fakeBills: fakeBills{answers: []func() (game.Estimate, error){func() (game.Estimate, error) { return game.Estimate{Total: 0.5}, nil }}},
		keys: map[string]string{"Team07": testKey}}
	b := openBoardWith(t, scriptedGame(t, Team{Name: "a", Endpoint: f.srv.URL, Cost: "live:" + role, Stack: "Team07"}), Options{Live: bills})
	run(t, b)
	if len(bills.read) != 1 || bills.read[0] != role+" Team07" {
		t.Errorf("keys read %q, want one through the team's role from its stack", bills.read)
	}
	if s := b.Snapshot().Standings[0]; s.Score <= 0 {
		t.Errorf("score %v: the fake team answers with the key read, so its answers should count", s.Score)
	}

	open := func(team Team, live LiveBill) error {
		store, err := OpenStore(filepath.Join(t.TempDir(), "game.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		_, err = Open(store, newGame(t, team), Options{Live: live})
		return err
	}
	if err := open(Team{Name: "fixed", Endpoint: f.srv.URL, Cost: "0.5"}, nil); err == nil || !strings.Contains(err.Error(), "team fixed has no answer key: give key=") {
		t.Errorf("a team billed fixed with no key: %v", err)
	}
	if err := open(Team{Name: "locked", Endpoint: f.srv.URL, Cost: "live:" + role, Stack: "Team09"}, bills); err == nil || !strings.Contains(err.Error(), "team locked: its answer key could not be read through its role: secretsmanager:GetSecretValue AccessDenied") {
		t.Errorf("a team whose key cannot be read: %v", err)
	}
}
