package board

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

func openShared(t *testing.T, w Workers, g NewGame) *Board {
	t.Helper()
	store, err := OpenStore(filepath.Join(t.TempDir(), "game.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b, err := Open(store, g, Options{Workers: &w})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runPausedShared runs a paused game of teams shared among w's workers,
// for 30 seconds at most; the test ends it if the game has not ended. Run's
// error arrives on done.
func runPausedShared(t *testing.T, teams int, w Workers) (*Board, context.Context, <-chan error) {
	b := openPausedShared(t, teams, w)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	done := make(chan error, 1)
	ended := make(chan struct{})
	go func() { err := b.Run(ctx); close(ended); done <- err }()
	t.Cleanup(func() { cancel(); <-ended })
	return b, ctx, done
}

// openPausedShared opens a paused game of teams shared among w's workers.
func openPausedShared(t *testing.T, teams int, w Workers) *Board {
	g := newGame(t, someTeams(t, teams)...)
	g.Paused = true
	return openShared(t, w, g)
}

func someTeams(t *testing.T, n int) []Team {
	var teams []Team
	for i := range n {
		teams = append(teams, Team{AnswerKey: testKey, Name: fmt.Sprintf("team%02d", i), Endpoint: newFakeTeam(t).srv.URL})
	}
	return teams
}

func leasedNames(l Lease) []string {
	var names []string
	for _, t := range l.Teams {
		names = append(names, t.Name)
	}
	return names
}

func TestTheBoardSharesTheTeamsAmongTheExpectedWorkers(t *testing.T) {
	t.Parallel()
	g := newGame(t, someTeams(t, 7)...)
	g.Paused = true
	b := openShared(t, Workers{Expected: 3, Lease: time.Hour}, g)
	seen := map[string]string{}
	for _, w := range []string{"a", "b", "c", "d", "a"} {
		l, err := b.Lease(w)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"a": 3, "b": 3, "c": 1, "d": 0}[w]
		if len(l.Teams) != want {
			t.Errorf("worker %s leased %v, want %d teams (7 among 3 expected workers, in turn)", w, leasedNames(l), want)
		}
		for _, lt := range l.Teams {
			if other, ok := seen[lt.Name]; ok && other != w {
				t.Errorf("team %s leased to %s and %s", lt.Name, other, w)
			}
			seen[lt.Name] = w
			if lt.From != 0 {
				t.Errorf("team %s from %s, want the start of the held clock", lt.Name, time.Duration(lt.From))
			}
		}
		if l.State != Paused || l.Speed != testSpeed || l.Seed != 7 || l.Scenario.Name != "test" {
			t.Errorf("lease %+v: want the game's scenario, speed, seed and state", l)
		}
	}
	if _, err := b.Lease("not a name"); err == nil {
		t.Error("a worker name with spaces was accepted")
	}
}

func TestAMinuteIsKeptOnceAndOnlyFromTheTeamsWorker(t *testing.T) {
	t.Parallel()
	b := openPausedShared(t, 2, Workers{Expected: 2, Lease: time.Hour})
	la, _ := b.Lease("a")
	lb, _ := b.Lease("b")
	mine, theirs := la.Teams[0].Name, lb.Teams[0].Name
	ok := game.Scored{Points: 1e308, Tiers: []int{1, 0, 0, 0, 0}} // the board scores the tiers itself
	ok.Answers, ok.OK = 1, 1
	a, err := b.Report(Reports{Worker: "a", Minutes: []MinuteReport{
		{Team: mine, Minute: 0, Scored: ok},
		{Team: mine, Minute: 0, Scored: ok},   // again
		{Team: theirs, Minute: 0, Scored: ok}, // not a's
		{Team: "nobody", Minute: 0, Scored: ok},
		{Team: mine, Minute: 3, Scored: ok}, // the game is paused at minute 0
	}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Accepted != 1 || len(a.Refused) != 4 {
		t.Fatalf("accepted %d, refused %q; want 1 and 4", a.Accepted, a.Refused)
	}
	for i, want := range []string{"already reported", "not leased to a", "not in the game", "not played yet"} {
		if !strings.Contains(a.Refused[i], want) {
			t.Errorf("refusal %d: %q, want %q", i, a.Refused[i], want)
		}
	}
	// A board that plays its teams itself has no workers to hear.
	solo, _ := openBoard(t, filepath.Join(t.TempDir(), "solo.db"), newGame(t, someTeams(t, 1)...))
	if _, err := solo.Lease("a"); err == nil || !strings.Contains(err.Error(), "--workers") {
		t.Errorf("lease from a board without workers: %v, want an error naming --workers", err)
	}
}

// Workers in this process: one is stopped mid-game without a word, as a
// killed task would be. (The failover between processes is tested with
// the gameday command, game/cmd/gameday.)
func TestALostWorkersTeamsAreTakenOverAndTheMinuteMarked(t *testing.T) {
	t.Parallel()
	b, ctx, done := runPausedShared(t, 4, Workers{Expected: 2, Lease: 400 * time.Millisecond})
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()

	victimCtx, kill := context.WithCancel(ctx)
	for i, wctx := range []context.Context{victimCtx, ctx} {
		w := &Worker{Board: srv.URL, Token: b.WorkerToken(), ID: fmt.Sprintf("w%d", i), ExitWhenOver: true}
		go w.Run(wctx)
	}
	waitFor(t, func() bool {
		s := b.WorkerStatuses()
		return len(s) == 2 && len(s[0].Teams) == 2 && len(s[1].Teams) == 2
	})
	victims := b.WorkerStatuses()[0].Teams
	if err := b.Resume(); err != nil {
		t.Fatal(err)
	}
	// Lose w0 in the middle of minute 1 (a game minute is a second).
	waitFor(t, func() bool { g, _ := b.clock.Now(); return g >= 90*time.Second })
	kill()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rows := b.Rows()
	missing := map[string][]int{}
	for _, name := range []string{"team00", "team01", "team02", "team03"} {
		mine := rowsOf(rows, name)
		if len(mine) != 3 {
			t.Fatalf("%s has %d minutes, want 3", name, len(mine))
		}
		for _, r := range mine {
			if r.Missing != "" {
				missing[name] = append(missing[name], r.Minute)
			} else if r.Answers == 0 {
				t.Errorf("%s minute %d: no answers and not marked missing", name, r.Minute)
			}
		}
	}
	for _, name := range []string{"team00", "team01", "team02", "team03"} {
		if !slices.Contains(victims, name) && len(missing[name]) > 0 {
			t.Errorf("%s, whose worker lived, has minutes %v marked missing", name, missing[name])
		}
		if slices.Contains(victims, name) && (len(missing[name]) == 0 || len(missing[name]) > 2) {
			t.Errorf("%s, whose worker was lost at 1:30, has minutes %v marked missing; want minute 1, and 2 at most if the takeover came after it", name, missing[name])
		}
	}
	var lost, took bool
	for _, e := range b.Events() {
		lost = lost || strings.Contains(e.Text, "worker w0 lost")
		took = took || strings.Contains(e.Text, "worker w1 took over")
	}
	if !lost || !took {
		t.Errorf("events %v: want the loss of w0 and the takeover by w1", b.Events())
	}
}

// Workers that start long after the board (an image pull, a slow task)
// still share a paused game's teams; once the game has run a lease
// without them, the workers there take every team.
func TestWorkersLateForAPausedGameStillShareItsTeams(t *testing.T) {
	t.Parallel()
	const lease = 100 * time.Millisecond
	b, _, _ := runPausedShared(t, 6, Workers{Expected: 3, Lease: lease})
	time.Sleep(3 * lease)
	if l, _ := b.Lease("a"); len(l.Teams) != 2 {
		t.Errorf("the first worker, late to a paused game, leased %v; want 2 of 6 teams for 3 expected workers", leasedNames(l))
	}
	if err := b.Resume(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { _, held := b.clock.status(); return !held })
	if l, _ := b.Lease("a"); len(l.Teams) != 6 {
		t.Errorf("a lease after the game ran without the others: %v; want all 6 teams", leasedNames(l))
	}
	if !slices.ContainsFunc(b.Events(), func(e Event) bool { return strings.Contains(e.Text, "no worker came for some teams") }) {
		t.Errorf("events %v: want the start without the missing workers said", b.Events())
	}
}

// A board stopped mid-game (its task replaced) resumes from its last
// stored minute; its workers see a new board, drop what they were playing
// and play the teams again from there.
func TestWorkersFollowARestartedBoard(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "game.db")
	g := newGame(t, someTeams(t, 2)...)
	g.Paused = true
	// A lease longer than the worker's retry after a failed call (1 s).
	opts := Options{Workers: &Workers{Expected: 1, Lease: 2 * time.Second}}
	var current atomic.Pointer[http.Handler]
	down := http.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "restarting", http.StatusServiceUnavailable)
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*current.Load()).ServeHTTP(w, r) }))
	defer srv.Close()

	store, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := Open(store, g, opts)
	if err != nil {
		t.Fatal(err)
	}
	h := first.Handler()
	current.Store(&h)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go (&Worker{Board: srv.URL, Token: first.WorkerToken(), ID: "w", ExitWhenOver: true}).Run(ctx)
	firstCtx, stopFirst := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- first.Run(firstCtx) }()
	waitFor(t, func() bool { s := first.WorkerStatuses(); return len(s) == 1 && len(s[0].Teams) == 2 })
	first.Resume()
	waitFor(t, func() bool { return first.Minute() >= 1 })
	current.Store(&down)
	stopFirst()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	store.Close()
	time.Sleep(200 * time.Millisecond) // the worker finds the board gone

	store, err = OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	second, err := Open(store, NewGame{}, opts)
	if err != nil {
		t.Fatal(err)
	}
	h2 := second.Handler()
	current.Store(&h2)
	if err := second.Run(ctx); err != nil {
		t.Fatal(err)
	}
	rows := second.Rows()
	for _, name := range []string{"team00", "team01"} {
		mine := rowsOf(rows, name)
		if len(mine) != 3 {
			t.Fatalf("%s: %d minutes, want 3", name, len(mine))
		}
		for _, r := range mine {
			if r.Missing != "" || r.Answers == 0 {
				t.Errorf("%s minute %d: %d answers, missing %q; want every minute played whole across the restart", name, r.Minute, r.Answers, r.Missing)
			}
		}
	}
}

// A worker with a token the board does not know stops with the fix,
// rather than retry for ever looking healthy.
func TestAWorkerWithAWrongTokenStopsAndSaysWhy(t *testing.T) {
	b, _, _ := runPausedShared(t, 1, Workers{Expected: 1, Lease: time.Hour})
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := (&Worker{Board: srv.URL, Token: b.Token(), ID: "w"}).Run(ctx) // the control token is no worker's
	if err == nil || !strings.Contains(err.Error(), "refused this worker's token: set GAMEDAY_WORKER_TOKEN") {
		t.Errorf("Run: %v, want it to stop on the refused token", err)
	}
	if ctx.Err() != nil {
		t.Error("the worker retried until the deadline")
	}
}

// A credential per role: the workers' token leases and reports and does
// nothing else; the control token does not lease; the worker list is the
// facilitator's.
func TestEachTokenOpensOnlyItsOwnCalls(t *testing.T) {
	t.Parallel()
	b := openPausedShared(t, 1, Workers{Expected: 1, Lease: time.Hour})
	if b.WorkerToken() == "" || b.WorkerToken() == b.Token() {
		t.Fatalf("worker token %q, control token %q: want two tokens", b.WorkerToken(), b.Token())
	}
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	call := func(method, path, token, body string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if token != "" {
			sign(t, req, token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		method, path, token, body string
		want                      int
	}{
		{"POST", "/api/workers/lease", b.Token(), `{"worker":"w"}`, http.StatusUnauthorized},
		{"POST", "/api/workers/lease", b.WorkerToken(), `{"worker":"w"}`, http.StatusOK},
		{"POST", "/api/workers/minutes", b.Token(), `{"worker":"w","minutes":[]}`, http.StatusUnauthorized},
		{"POST", "/api/pause", b.WorkerToken(), "", http.StatusUnauthorized},
		{"POST", "/api/teams/team00", b.WorkerToken(), `{"endpoint":"http://169.254.170.2/"}`, http.StatusUnauthorized},
		{"POST", "/api/events", b.WorkerToken(), `{"kind":"note","text":"forged"}`, http.StatusUnauthorized},
		{"GET", "/api/workers", "", "", http.StatusUnauthorized},
		{"GET", "/api/workers", b.WorkerToken(), "", http.StatusUnauthorized},
		{"GET", "/api/workers", b.Token(), "", http.StatusOK},
	} {
		if got := call(c.method, c.path, c.token, c.body); got != c.want {
			who := map[string]string{"": "no token", b.Token(): "the control token", b.WorkerToken(): "the worker token"}[c.token]
			t.Errorf("%s %s with %s: %d, want %d", c.method, c.path, who, got, c.want)
		}
	}
	if _, err := Open(nil, newGame(t, someTeams(t, 1)...), Options{Token: "the-same-token-0123", WorkerToken: "the-same-token-0123"}); err == nil || !strings.Contains(err.Error(), "give each its own") {
		t.Errorf("one token for both roles: %v", err)
	}
}
