package board

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/service/api"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

// fakeTeam is a team's endpoint that answers at once, as CloudFront does
// from its cache, and remembers what it was asked.
type fakeTeam struct {
	srv    *httptest.Server
	mu     sync.Mutex
	inputs []string
	status int
	// cacheHeader is the X-Cache header it claims; default a CloudFront hit.
	cacheHeader string
}

func newFakeTeam(t *testing.T) *fakeTeam {
	f := &fakeTeam{status: http.StatusOK, cacheHeader: "Hit from cloudfront"}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := r.URL.Query().Get(api.Param)
		f.mu.Lock()
		f.inputs = append(f.inputs, in)
		status, cache := f.status, f.cacheHeader
		f.mu.Unlock()
		if cache != "" {
			w.Header().Set("X-Cache", cache)
		}
		w.WriteHeader(status)
		if status == http.StatusOK {
			w.Write([]byte(api.Answer([]byte(testKey), in)))
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTeam) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.inputs)
}

// questions is what the game asked, less the start-up check's one
// request (game.CheckInput).
func (f *fakeTeam) questions() []string {
	asked := f.asked()
	if i := slices.Index(asked, game.CheckInput); i >= 0 {
		asked = slices.Delete(asked, i, i+1)
	}
	return asked
}

func (f *fakeTeam) setStatus(code int) {
	f.mu.Lock()
	f.status = code
	f.mu.Unlock()
}

// testScenario is three game minutes, a second each at speed 60: 160
// requests a team, over key spaces 60 times smaller than the file's.
func testScenario(t *testing.T) game.Scenario {
	s, err := game.ParseScenario([]byte(`{"name": "test", "skew": 1.2, "timeout": "2s",
		"phases": [{"name": "a", "duration": "2m", "rate": 40, "keys": 3000}, {"name": "b", "duration": "1m", "rate": 80, "keys": 6000}]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const testSpeed = 60

func newGame(t *testing.T, teams ...Team) NewGame {
	return NewGame{Teams: teams, Setup: game.Setup{Scenario: testScenario(t), Rules: game.DefaultRules(), Speed: testSpeed, Seed: 7}, DefaultCost: "0.6"}
}

// openBoardWith opens g in a new database with opts; the store closes
// with the test.
func openBoardWith(t *testing.T, g NewGame, opts Options) *Board {
	t.Helper()
	store, err := OpenStore(filepath.Join(t.TempDir(), "game.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b, err := Open(store, g, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openBoard(t *testing.T, path string, g NewGame) (*Board, *Store) {
	t.Helper()
	store, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(store, g, Options{})
	if err != nil {
		store.Close()
		t.Fatal(err)
	}
	return b, store
}

func run(t *testing.T, b *Board) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("the game did not end")
	}
}

func TestEveryTeamIsAskedTheSameQuestionsAndScoredEveryMinute(t *testing.T) {
	t.Parallel()
	fakes := []*fakeTeam{newFakeTeam(t), newFakeTeam(t), newFakeTeam(t)}
	var teams []Team
	for i, f := range fakes {
		teams = append(teams, Team{AnswerKey: testKey, Name: string(rune('a' + i)), Endpoint: f.srv.URL})
	}
	teams[2].Cost = "1.2" // the others take the default, 0.6
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), newGame(t, teams...))
	defer store.Close()
	run(t, b)

	if b.meta.Requests() != 160 {
		t.Fatalf("the scenario sends %d requests a team, want 160", b.meta.Requests())
	}
	first := slices.Sorted(slices.Values(fakes[0].questions()))
	if len(first) != 160 {
		t.Errorf("team a was asked %d questions, want 160", len(first))
	}
	for i, f := range fakes[1:] {
		if got := slices.Sorted(slices.Values(f.questions())); !slices.Equal(got, first) {
			t.Errorf("team %c was asked %d questions, not the same as team a's %d", 'b'+i, len(got), len(first))
		}
	}
	distinct := slices.Compact(first)
	if len(distinct) < 20 || len(distinct) > 100 {
		t.Errorf("%d distinct questions of 160: want a skewed mix of the scenario's keys", len(distinct))
	}

	_, rows, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 9 {
		t.Fatalf("%d minutes stored, want 3 teams x 3 minutes", len(rows))
	}
	for _, team := range teams {
		score, answers := 0.0, 0
		for m, r := range rowsOf(rows, team.Name) {
			if r.Minute != m {
				t.Errorf("team %s: minute %d stored as %d", team.Name, m, r.Minute)
			}
			wantCost := 0.6
			if team.Name == "c" {
				wantCost = 1.2
			}
			perDollar := game.DefaultRules().PointsPerDollar
			if r.CostPerHour != wantCost || !near(r.Cost, wantCost*perDollar/60) {
				t.Errorf("team %s minute %d: cost %v at $%v/h, want %v at $%v/h", team.Name, m, r.Cost, r.CostPerHour, wantCost*perDollar/60, wantCost)
			}
			score += r.Points - r.Penalty - r.Cost
			if !near(r.Score, score) {
				t.Errorf("team %s minute %d: score %v, want the running total %v", team.Name, m, r.Score, score)
			}
			answers += r.Answers
		}
		if answers != 160 {
			t.Errorf("team %s: %d answers scored, want 160", team.Name, answers)
		}
	}
	s := b.Snapshot()
	if s.State != Ended || s.Standings[2].Name != "c" {
		t.Errorf("state %s, last %s: want the game ended and team c, which pays double, last", s.State, s.Standings[2].Name)
	}
}

func rowsOf(rows []Minute, team string) []Minute {
	var out []Minute
	for _, r := range rows {
		if r.Team == team {
			out = append(out, r)
		}
	}
	return out
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

func TestAnUnreachableTeamDoesNotSlowTheOthers(t *testing.T) {
	t.Parallel()
	good := newFakeTeam(t)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedURL := "http://" + closed.Addr().String() + "/"
	closed.Close()
	// A black hole, as a dead instance behind a security group that drops packets.
	hole := testkit.BlackHole(t)
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), newGame(t,
		Team{AnswerKey: testKey, Name: "good", Endpoint: good.srv.URL},
		Team{AnswerKey: testKey, Name: "closed", Endpoint: closedURL},
		Team{AnswerKey: testKey, Name: "hole", Endpoint: "http://" + hole + "/"}))
	defer store.Close()
	run(t, b)

	// At 40 a second for a second of real time, then 80.
	want := []int{40, 40, 80}
	for _, r := range rowsOf(b.Rows(), "good") {
		if r.OK < want[r.Minute]-3 || r.OK > want[r.Minute]+3 || r.Failed != 0 {
			t.Errorf("good team, minute %d: %d ok and %d failed, want about %d ok on schedule", r.Minute, r.OK, r.Failed, want[r.Minute])
		}
	}
	for _, s := range b.Snapshot().Standings {
		if s.Name != "good" && (s.OK != 0 || s.Failed != 160 || s.Penalty != 160*5*testSpeed) {
			t.Errorf("team %s: %d ok, %d failed, penalty %v: want all 160 failed", s.Name, s.OK, s.Failed, s.Penalty)
		}
	}
	if !slices.ContainsFunc(b.Events(), func(e Event) bool { return e.Team == "closed" && strings.Contains(e.Text, "cannot be reached") }) {
		t.Error("no event says the closed team cannot be reached")
	}
}

func TestPauseHoldsTheClockAndTheLoad(t *testing.T) {
	t.Parallel()
	f := newFakeTeam(t)
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL})
	g.Paused = true
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()

	time.Sleep(300 * time.Millisecond)
	if n := len(f.asked()); n > 1 { // the start-up check asks once
		t.Fatalf("%d requests sent while paused", n)
	}
	if gt, _ := b.clock.Now(); gt != 0 {
		t.Fatalf("the clock moved to %s while paused", gt)
	}
	b.Resume()
	waitFor(t, func() bool { return b.Minute() >= 1 })
	b.Pause()
	time.Sleep(100 * time.Millisecond) // answers in flight land
	held := len(f.asked())
	at, _ := b.clock.Now()
	time.Sleep(300 * time.Millisecond)
	if n := len(f.asked()); n != held {
		t.Errorf("%d requests sent during a pause", n-held)
	}
	if now, _ := b.clock.Now(); now != at {
		t.Errorf("the clock moved from %s to %s during a pause", at, now)
	}
	b.Resume()
	time.Sleep(200 * time.Millisecond)
	if err := b.End(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	played, state := b.clock.Now()
	rows := b.Rows()
	last := rows[len(rows)-1]
	partial := played - time.Duration(last.Minute)*time.Minute
	if state != Ended || partial <= 0 || partial >= time.Minute || !near(last.Cost, 0.6*game.DefaultRules().PointsPerDollar*partial.Hours()) {
		t.Errorf("ended at %s (%s): the last minute, %s of it played, cost %v; want %v", played, state, partial, last.Cost, 0.6*game.DefaultRules().PointsPerDollar*partial.Hours())
	}
	if b.Resume() != ErrGameOver {
		t.Error("an ended game resumed")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}

func TestAStoppedGameResumesFromItsLastStoredMinute(t *testing.T) {
	t.Parallel()
	f := newFakeTeam(t)
	path := filepath.Join(t.TempDir(), "game.db")
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL}, Team{AnswerKey: testKey, Name: "b", Endpoint: f.srv.URL})
	b, store := openBoard(t, path, g)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	waitFor(t, func() bool { return b.Minute() >= 1 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	before := b.Rows()
	stored := b.Minute()
	store.Close()

	b, store = openBoard(t, path, g)
	defer store.Close()
	if !b.Resumed() || b.Minute() != stored {
		t.Fatalf("reopened at minute %d (resumed %v), want %d", b.Minute(), b.Resumed(), stored)
	}
	if !reflect.DeepEqual(b.Rows(), before) {
		t.Fatal("the stored minutes changed on reopening")
	}
	run(t, b)
	after := b.Rows()
	for _, team := range []string{"a", "b"} {
		rows := rowsOf(after, team)
		if len(rows) != 3 {
			t.Fatalf("team %s: %d minutes after resuming, want 3", team, len(rows))
		}
		for m, r := range rows {
			if r.Minute != m {
				t.Errorf("team %s: minute %d stored as %d", team, m, r.Minute)
			}
		}
		if !reflect.DeepEqual(rows[:stored], rowsOf(before, team)) {
			t.Errorf("team %s: the minutes from before the stop changed", team)
		}
	}
	if _, err := Open(store, newGame(t, Team{AnswerKey: testKey, Name: "z", Endpoint: f.srv.URL}), Options{}); err == nil || !strings.Contains(err.Error(), "other teams") {
		t.Errorf("a teams file of other teams resumed the game: %v", err)
	}
}

func TestMovingATeamSendsItsRequestsToTheNewEndpointAndIsKept(t *testing.T) {
	t.Parallel()
	old, moved := newFakeTeam(t), newFakeTeam(t)
	path := filepath.Join(t.TempDir(), "game.db")
	b, store := openBoard(t, path, newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: old.srv.URL}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	waitFor(t, func() bool { return len(old.asked()) > 10 })
	if err := b.ChangeTeam("a", TeamChange{Endpoint: moved.srv.URL + "/", Cost: "0.18"}); err != nil {
		t.Fatal(err)
	}
	if err := b.ChangeTeam("nobody", TeamChange{Endpoint: moved.srv.URL}); err == nil {
		t.Error("moved a team that is not in the game")
	}
	if err := b.ChangeTeam("a", TeamChange{Endpoint: "ftp://x"}); err == nil {
		t.Error("moved a team to an ftp URL")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	n := len(old.asked())
	if m := len(moved.asked()); m == 0 || n+m < 160 {
		t.Errorf("old endpoint asked %d, new %d: want the rest of the 160 at the new one", n, m)
	}
	rows := b.Rows()
	if last := rows[len(rows)-1]; last.CostPerHour != 0.18 || last.Endpoint != moved.srv.URL+"/" {
		t.Errorf("last minute at %s for $%v/h, want the new endpoint at $0.18/h", last.Endpoint, last.CostPerHour)
	}
	store.Close()
	_, store = openBoard(t, path, NewGame{})
	defer store.Close()
	meta, _, _, _ := store.Load()
	if meta.Teams[0].Endpoint != moved.srv.URL+"/" || meta.Teams[0].Cost != "0.18" {
		t.Errorf("stored team %+v, want the move kept", meta.Teams[0])
	}
}

func TestErrorSpikesAreAnnounced(t *testing.T) {
	t.Parallel()
	f := newFakeTeam(t)
	// After the failing minute: phase b's minute and calmMinutes more, one
	// more than the recovery needs, as on a busy machine the switch back
	// can land a little into the first of them.
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL})
	g.Scenario.Phases = append(g.Scenario.Phases, game.Phase{Name: "c", Duration: game.Duration(calmMinutes * time.Minute), Rate: 40, Keys: 3000})
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	defer store.Close()
	go func() {
		for b.Minute() < 1 {
			time.Sleep(5 * time.Millisecond)
		}
		f.setStatus(http.StatusServiceUnavailable)
		for b.Minute() < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		f.setStatus(http.StatusOK)
	}()
	run(t, b)
	var spikes []string
	for _, e := range b.Events() {
		if e.Kind == "errors" {
			spikes = append(spikes, e.Text)
		}
	}
	if len(spikes) != 2 || !strings.Contains(spikes[0], "a is failing") || !strings.Contains(spikes[1], "recovered") {
		t.Errorf("error events %q: want a spike and a recovery", spikes)
	}
}

func TestAMinuteThatCannotBeStoredPausesTheGame(t *testing.T) {
	t.Parallel()
	f := newFakeTeam(t)
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL}))
	store.Close() // as a full disk would, every write now fails
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	waitFor(t, func() bool { _, s := b.clock.Now(); return s == Paused })
	if b.Minute() != 0 || b.pending == nil || b.pending.minute != 0 {
		t.Errorf("minute %d stored, pending %+v: want minute 0 held, not lost", b.Minute(), b.pending)
	}
	cancel()
	<-done
}

func TestTooFewOpenFilesForTheTeamsIsAWarning(t *testing.T) {
	t.Parallel()
	f := newFakeTeam(t)
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL}, Team{AnswerKey: testKey, Name: "b", Endpoint: f.srv.URL}))
	defer store.Close()
	var log bytes.Buffer
	b.log = slog.New(slog.NewTextHandler(&log, nil))
	need := uint64(2*game.MaxConnectionsPerTeam + 256)
	b.warnIfFewFiles(need, true)
	b.warnIfFewFiles(0, false)
	if log.Len() != 0 {
		t.Errorf("warned with enough files or an unknown limit: %s", log.String())
	}
	b.warnIfFewFiles(need-1, true)
	if !strings.Contains(log.String(), "ulimit -n") || !strings.Contains(log.String(), fmt.Sprintf("files_needed=%d", need)) {
		t.Errorf("no warning with one file too few: %q", log.String())
	}
}

// The board and `gameday play` share one key function and one pacer: with
// the same scenario, speed and seed they ask the same questions.
func TestPlayAndTheBoardAskTheSameQuestions(t *testing.T) {
	t.Parallel()
	boarded, played := newFakeTeam(t), newFakeTeam(t)
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: boarded.srv.URL})
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	defer store.Close()
	run(t, b)

	target, err := url.Parse(played.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := game.Play{Key: []byte(testKey), Target: target, Setup: g.Setup}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	fromBoard := slices.Sorted(slices.Values(boarded.questions()))
	fromPlay := slices.Sorted(slices.Values(played.questions()))
	if len(fromBoard) != 160 || sum.Sent != 160 || !slices.Equal(fromBoard, fromPlay) {
		t.Errorf("the board asked %d questions, play %d (%d sent); the same ones: %v", len(fromBoard), len(fromPlay), sum.Sent, slices.Equal(fromBoard, fromPlay))
	}
}

// A team's bill does not follow what its endpoint says of its cache: two
// teams priced from the same template (CloudFront in front of a group
// that scales with the requests the cache misses), one claiming every answer came from
// CloudFront's cache, the other saying nothing, pay the same, at the best
// hit ratio the game's questions allow.
func TestATeamCannotSetItsOwnBill(t *testing.T) {
	t.Parallel()
	tpl := filepath.Join(t.TempDir(), "cdn.template.json")
	if err := os.WriteFile(tpl, []byte(`{"Resources": {
  "Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {}},
  "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"InstanceType": "m5.large"}}},
  "Asg": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
    "MinSize": "1", "MaxSize": "100", "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Lt"}}}},
  "Policy": {"Type": "AWS::AutoScaling::ScalingPolicy", "Properties": {"TargetTrackingConfiguration": {"TargetValue": 1}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	claims, silent := newFakeTeam(t), newFakeTeam(t)
	silent.cacheHeader = ""
	g := newGame(t, Team{AnswerKey: testKey, Name: "claims", Endpoint: claims.srv.URL, Cost: tpl}, Team{AnswerKey: testKey, Name: "silent", Endpoint: silent.srv.URL, Cost: tpl})
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	defer store.Close()
	run(t, b)
	best := g.Setup.BestHitRatios()
	raw, _ := os.ReadFile(tpl)
	for m, c := range rowsOf(b.Rows(), "claims") {
		s := rowsOf(b.Rows(), "silent")[m]
		want, err := game.EstimateCost(raw, game.DefaultPrices(), game.Traffic{RPS: c.PerSecond, HitRatio: best[m]})
		if err != nil {
			t.Fatal(err)
		}
		if c.HitRatio() != 1 || s.HitRatio() >= 0 {
			t.Fatalf("minute %d: the teams' headers say %v and %v: the test's fakes are wrong", m, c.HitRatio(), s.HitRatio())
		}
		if c.PerSecond == s.PerSecond && c.CostPerHour != s.CostPerHour {
			t.Errorf("minute %d: the team claiming hits pays $%v/h, the silent one $%v/h", m, c.CostPerHour, s.CostPerHour)
		}
		if math.Abs(c.CostPerHour-want.Total) > 1e-12 {
			t.Errorf("minute %d: $%v/h, want $%v/h at the best hit ratio %.2f", m, c.CostPerHour, want.Total, best[m])
		}
	}
}

// fakeBills answers live bills: each read returns the next of its
// answers, the last one forever.
type fakeBills struct {
	mu      sync.Mutex
	answers []func() (game.Estimate, error)
	roles   []string
}

func (f *fakeBills) Bill(_ context.Context, role string) (game.Estimate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.roles = append(f.roles, role)
	next := f.answers[0]
	if len(f.answers) > 1 {
		f.answers = f.answers[1:]
	}
	return next()
}

// A live team is billed what its account runs; when a read fails, the
// board keeps the last bill and shows why.
func TestALiveBillIsReadAndKeptWhenAReadFails(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader"
	est := game.Estimate{Total: 0.75, Lines: []game.Line{{Resource: "EC2 m5.large", Detail: "7 running", PerHour: 0.672}, {Resource: "EBS gp2", Detail: "560 GiB", PerHour: 0.078}}, Unpriced: []string{"i-1 (EC2 c5.xlarge: not in the price table)"}}
	bills := &fakeBills{answers: []func() (game.Estimate, error){
		func() (game.Estimate, error) { return est, nil },
		func() (game.Estimate, error) {
			return game.Estimate{}, errors.New("ec2:DescribeInstances throttled (RequestLimitExceeded) after 5 attempts")
		},
	}}
	f := newFakeTeam(t)
	b := openBoardWith(t, newGame(t, Team{AnswerKey: testKey, Name: "live", Endpoint: f.srv.URL, Cost: "live:" + role}), Options{Live: bills, LiveEvery: 50 * time.Millisecond})
	run(t, b)
	for _, r := range rowsOf(b.Rows(), "live") {
		if r.CostPerHour != 0.75 {
			t.Errorf("minute %d billed $%v/h, want the live bill's $0.75", r.Minute, r.CostPerHour)
		}
	}
	s := b.Snapshot().Standings[0]
	if s.CostPerHour != 0.75 || len(s.Bill) != 3 || !strings.Contains(s.Bill[0], "EC2 m5.large: $0.6720/h (7 running)") || !strings.Contains(s.Bill[2], "not priced: i-1") {
		t.Errorf("standing: $%v/h, items %q", s.CostPerHour, s.Bill)
	}
	if !strings.Contains(s.BillNote, "throttled") || !strings.Contains(s.BillNote, "billing the highest bill read so far, $0.750/h") || s.BillAt == "" {
		t.Errorf("note %q (read at %q): want the failure and the bill kept", s.BillNote, s.BillAt)
	}
	if bills.roles[0] != role {
		t.Errorf("read through %q, want the team's role", bills.roles[0])
	}
}

func TestALiveTeamNeedsAWSAccess(t *testing.T) {
	store, err := OpenStore(filepath.Join(t.TempDir(), "game.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, err = Open(store, newGame(t, Team{AnswerKey: testKey, Name: "live", Endpoint: "http://127.0.0.1:1/", Cost: "live"}), Options{})
	if err == nil || !strings.Contains(err.Error(), "AWS credentials") {
		t.Errorf("error %v", err)
	}
	if _, err := parseCost("live:team-7"); err == nil || !strings.Contains(err.Error(), "BillReaderRoleArn") {
		t.Errorf("a live cost with no role ARN: %v", err)
	}
}

// fakeMonkey starts experiments that end after one poll, or refuses.
type fakeMonkey struct {
	mu      sync.Mutex
	started []string
	refuse  error
}

func (m *fakeMonkey) Start(_ context.Context, role, stack string, c game.Chaos) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.refuse != nil {
		return "", m.refuse
	}
	m.started = append(m.started, role+" "+stack+" "+c.Experiment)
	return fmt.Sprintf("EXP%d", len(m.started)), nil
}

func (m *fakeMonkey) State(context.Context, string, string, string) (string, bool, error) {
	return "completed", true, nil
}

// scriptedGame is the test scenario with a script: an announcement at
// the start, chaos in the second minute, an announcement in the third.
func scriptedGame(t *testing.T, teams ...Team) NewGame {
	g := newGame(t, teams...)
	g.Scenario.Events = []game.Event{
		{At: 0, Announce: "CEO: good morning"},
		{At: game.Duration(70 * time.Second), Chaos: &game.Chaos{Experiment: game.TerminateInstance}},
		{At: game.Duration(150 * time.Second), Announce: "CEO: almost done"},
	}
	return g
}

func scriptEvents(b *Board, kind string) []string {
	var out []string
	for _, e := range b.Events() {
		if e.Kind == kind {
			out = append(out, fmt.Sprintf("%d %s", e.Minute, e.Text))
		}
	}
	return out
}

// The script fires on the game clock, each event once, never during a
// pause; chaos starts in every live team's account and is followed to its
// end, and the minute it ran in records it.
func TestTheScriptFiresOnTheGameClockAndHoldsDuringAPause(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader"
	f := newFakeTeam(t)
	monkey := &fakeMonkey{}
	store, err := OpenStore(filepath.Join(t.TempDir(), "game.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bills := &fakeBills{answers: []func() (game.Estimate, error){func() (game.Estimate, error) { return game.Estimate{Total: 0.5}, nil }}}
	g := scriptedGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL, Cost: "live:" + role, Stack: "Team07"})
	g.Paused = true
	b, err := Open(store, g, Options{Live: bills, Monkey: monkey, ChaosPoll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done <- b.Run(ctx)
	}()
	// Paused at 0: not even the event at 0 fires.
	time.Sleep(300 * time.Millisecond)
	if got := scriptEvents(b, scriptKind); len(got) != 0 {
		t.Fatalf("fired while paused: %v", got)
	}
	b.Resume()
	time.Sleep(1300 * time.Millisecond) // about 1m18s of game time: two events due
	b.Pause()
	paused := scriptEvents(b, scriptKind)
	time.Sleep(1200 * time.Millisecond) // a pause longer than the rest of the game
	if got := scriptEvents(b, scriptKind); strings.Join(got, "|") != strings.Join(paused, "|") {
		t.Errorf("fired during the pause: %v, then %v", paused, got)
	}
	if len(paused) != 2 {
		t.Errorf("before the pause: %v, want the first two events", paused)
	}
	b.Resume()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := []string{"0 at 0s: CEO: good morning", "1 at 1m10s: the Chaos Monkey strikes: terminate-instance", "2 at 2m30s: CEO: almost done"}
	if got := scriptEvents(b, scriptKind); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("script %v, want each once at its minute: %v", got, want)
	}
	if len(monkey.started) != 1 || monkey.started[0] != role+" Team07 terminate-instance" {
		t.Errorf("experiments started: %v", monkey.started)
	}
	chaos := strings.Join(scriptEvents(b, "chaos"), "|")
	if !strings.Contains(chaos, "a: terminate-instance started, experiment EXP1") || !strings.Contains(chaos, "(experiment EXP1) completed") {
		t.Errorf("chaos events: %s", chaos)
	}
}

// A refused start is on the board with its reason.
func TestAFailedExperimentStartIsShown(t *testing.T) {
	t.Parallel()
	f := newFakeTeam(t)
	monkey := &fakeMonkey{refuse: errors.New("fis:StartExperiment denied (AccessDeniedException)")}
	store, err := OpenStore(filepath.Join(t.TempDir(), "game.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	bills := &fakeBills{answers: []func() (game.Estimate, error){func() (game.Estimate, error) { return game.Estimate{Total: 0.5}, nil }}}
	b, err := Open(store, scriptedGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL, Cost: "live"}), Options{Live: bills, Monkey: monkey})
	if err != nil {
		t.Fatal(err)
	}
	run(t, b)
	if chaos := strings.Join(scriptEvents(b, "chaos"), "|"); !strings.Contains(chaos, "a: terminate-instance did not start: fis:StartExperiment denied (AccessDeniedException)") {
		t.Errorf("chaos events: %s", chaos)
	}
}

// A board others reach plays no endpoint on its own machine: its
// services are no team's.
func TestARemoteBoardRefusesEndpointsOnItsOwnMachine(t *testing.T) {
	f := newFakeTeam(t) // on loopback
	store, err := OpenStore(filepath.Join(t.TempDir(), "game.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := Open(store, newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL}), Options{RemoteEndpointsOnly: true}); err == nil || !strings.Contains(err.Error(), "is on the board's own machine") {
		t.Errorf("a loopback team on a remote board: %v", err)
	}
	b, _ := openBoard(t, filepath.Join(t.TempDir(), "local.db"), newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL}))
	b.remoteOnly = true
	for _, endpoint := range []string{"http://localhost:8080/", "http://[::1]/", "http://0.0.0.0:9000/", "http://127.0.0.2/"} {
		if err := b.ChangeTeam("a", TeamChange{Endpoint: endpoint}); err == nil {
			t.Errorf("moved to %s on a remote board", endpoint)
		}
	}
	if err := b.ChangeTeam("a", TeamChange{Endpoint: "https://d111111abcdef8.cloudfront.net/"}); err != nil {
		t.Errorf("a team's CloudFront endpoint: %v", err)
	}
}

// A board that starts nothing does not tell the room the monkey struck.
func TestAScriptWithNoMonkeySaysNothingStarted(t *testing.T) {
	t.Parallel()
	f := newFakeTeam(t)
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), scriptedGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL}))
	defer store.Close()
	run(t, b)
	script := strings.Join(scriptEvents(b, scriptKind), "|")
	if strings.Contains(script, "strikes") || !strings.Contains(script, "1 at 1m10s: the script's terminate-instance is due; no experiment started: this board has no AWS access") {
		t.Errorf("script events %s: want the due experiment said not started, and no strike", script)
	}
	if chaos := scriptEvents(b, chaosKind); len(chaos) != 0 {
		t.Errorf("chaos events %v from a board that started nothing", chaos)
	}
}

// testKey is the answer key of the tests' teams and their stand-in
// services.
const testKey = "a-test-answer-key-of-32-bytes-ok"
