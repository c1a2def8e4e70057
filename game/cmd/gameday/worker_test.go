package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/service/api"
)

// graded is a team that fails a fixed share of its requests, whoever
// sends them: team k fails k in 30, so the teams rank in their order
// however the load is shared.
func graded(t *testing.T, k int) *httptest.Server {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := r.URL.Query().Get(api.Param)
		if int((n.Add(1)-1)%30) < k {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.Write([]byte(api.Answer([]byte(testKey), in)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func startWorker(t *testing.T, boardURL, token, id string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "worker", "--board", boardURL, "--id", id, "--exit-when-over")
	cmd.Env = append(os.Environ(), "GAMEDAY_TEST_MAIN=1", "GAMEDAY_WORKER_TOKEN="+token)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		if t.Failed() {
			t.Logf("worker %s:\n%s", id, stderr.String())
		}
	})
	return cmd
}

// getJSON reads url, with the control token when one is given.
func getJSON(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		if err := board.Sign(req, token, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}

func gameTime(t *testing.T, p *gamedayProcess) time.Duration {
	d, err := time.ParseDuration(p.state(t).GameTime)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type exported struct {
	Minutes []board.Minute `json:"minutes"`
	Events  []board.Event  `json:"events"`
}

func exportOf(t *testing.T, db string) exported {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"export", "--db", db, "--format", "json"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var e exported
	if err := json.Unmarshal(out.Bytes(), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// Three worker processes share 30 teams; one is killed mid-game. The same
// game is played beside it by a board alone, same seed.
func TestWorkersShareTheTeamsAndALostOnesAreTakenOver(t *testing.T) {
	const teams, speed, minutes = 30, 30, 8
	dir := t.TempDir()
	// Each game has its own teams: a team's share of failures is its own.
	for _, name := range []string{"alone", "shared"} {
		var file strings.Builder
		for k := range teams {
			fmt.Fprintf(&file, "team%02d %s/ 0.5 key=%s\n", k, graded(t, k).URL, testKey)
		}
		os.WriteFile(filepath.Join(dir, name+".txt"), []byte(file.String()), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "scenario.json"), []byte(`{"name": "eight minutes", "skew": 1.2, "timeout": "2s",
		"phases": [{"name": "only", "duration": "8m", "rate": 20, "keys": 3000}]}`), 0o644)
	game := func(name string, extra ...string) []string {
		return append([]string{"board", "--teams", filepath.Join(dir, name+".txt"), "--scenario", filepath.Join(dir, "scenario.json"),
			"--db", filepath.Join(dir, name+".db"), "--speed", fmt.Sprint(speed), "--seed", "7", "--listen", "127.0.0.1:0", "--paused", "--exit-when-over"}, extra...)
	}
	alone := startGameday(t, game("alone")...)
	const workerToken = "the-workers-token-0123"
	shared := startGameday(t, game("shared", "--workers", "3", "--lease", "1s", "--grace", "5s", "--worker-token", workerToken)...)
	workers := map[string]*exec.Cmd{}
	for _, id := range []string{"w1", "w2", "w3"} {
		workers[id] = startWorker(t, shared.url, workerToken, id)
	}
	var status []board.WorkerStatus
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		getJSON(t, shared.url+"/api/workers", shared.token, &status)
		if len(status) == 3 && len(status[0].Teams) == 10 && len(status[1].Teams) == 10 && len(status[2].Teams) == 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the workers did not lease 10 teams each: %+v\n%s", status, shared.stderr)
		}
	}
	// What the facilitator reads of the same.
	var listed strings.Builder
	if err := run(context.Background(), []string{"ctl", "--server", shared.url, "--token", shared.token, "workers"}, &listed, io.Discard); err != nil {
		t.Fatal(err)
	}
	if out := listed.String(); !strings.HasSuffix(out, "3 workers\n") || strings.Count(out, "\t10 teams\t") != 3 || !strings.Contains(out, "w1\theard ") {
		t.Errorf("ctl workers:\n%s", out)
	}
	victims := status[0].Teams // w1's
	for _, p := range []*gamedayProcess{alone, shared} {
		if _, err := callBoard(context.Background(), p.url, http.MethodPost, "/api/resume", p.token, nil, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	for gameTime(t, shared) < 3*time.Minute+30*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	workers["w1"].Process.Signal(syscall.SIGKILL)
	killedAt := gameTime(t, shared)
	for _, p := range []*gamedayProcess{alone, shared} {
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("board: %v\n%s", err, p.stderr)
		}
	}
	for _, id := range []string{"w2", "w3"} {
		if err := workers[id].Wait(); err != nil {
			t.Errorf("worker %s: %v", id, err)
		}
	}

	one, many := exportOf(t, filepath.Join(dir, "alone.db")), exportOf(t, filepath.Join(dir, "shared.db"))
	// Every team's minutes are there once each, complete or marked.
	type key struct {
		team   string
		minute int
	}
	rows := map[key]board.Minute{}
	for _, r := range many.Minutes {
		k := key{r.Team, r.Minute}
		if _, dup := rows[k]; dup {
			t.Errorf("%s minute %d stored twice", r.Team, r.Minute)
		}
		rows[k] = r
	}
	common := map[key]bool{}
	for k := range teams {
		name := fmt.Sprintf("team%02d", k)
		var marked []int
		for m := range minutes {
			r, ok := rows[key{name, m}]
			switch {
			case !ok:
				t.Errorf("%s minute %d: not stored", name, m)
			case r.Missing != "":
				marked = append(marked, m)
			case r.Answers == 0:
				t.Errorf("%s minute %d: no answers and not marked missing", name, m)
			default:
				common[key{name, m}] = true
			}
		}
		if slices.Contains(victims, name) != (len(marked) > 0) || len(marked) > 2 {
			t.Errorf("%s (w1's: %v) has minutes %v marked missing; want 1 or 2 for w1's teams, none for the others", name, slices.Contains(victims, name), marked)
		}
	}
	// Taken over within a game minute of the kill.
	took := regexp.MustCompile(`worker w[23] took over .* at (\S+)$`)
	var takeovers []time.Duration
	for _, e := range many.Events {
		if m := took.FindStringSubmatch(e.Text); m != nil {
			d, _ := time.ParseDuration(m[1])
			takeovers = append(takeovers, d)
		}
	}
	if len(takeovers) == 0 || slices.Max(takeovers)-killedAt > time.Minute {
		t.Errorf("takeovers at %v after the kill at %s: want them within a game minute\n%v", takeovers, killedAt, many.Events)
	}
	t.Logf("w1 killed at %s of game time; its teams taken over at %v (speed %d, lease 1s)", killedAt, takeovers, speed)

	// The standings over the minutes every team was scored in full (those
	// of the takeover left out for all, so that every team is summed over
	// the same minutes) are the same in both games; each team's answers
	// differ by a few at most (those landing either side of a minute's end).
	full := map[int]bool{}
	for m := range minutes {
		full[m] = true
	}
	for k := range rows {
		if !common[k] {
			full[k.minute] = false
		}
	}
	type total struct {
		name       string
		score      float64
		ok, failed int
	}
	sum := func(ms []board.Minute) ([]total, map[string]total) {
		by := map[string]*total{}
		for _, r := range ms {
			if !full[r.Minute] {
				continue
			}
			tt := by[r.Team]
			if tt == nil {
				tt = &total{name: r.Team}
				by[r.Team] = tt
			}
			tt.score += r.Points - r.Penalty
			tt.ok += r.OK
			tt.failed += r.Failed
		}
		var ranked []total
		named := map[string]total{}
		for _, tt := range by {
			ranked = append(ranked, *tt)
			named[tt.name] = *tt
		}
		slices.SortFunc(ranked, func(a, b total) int { return cmp.Compare(b.score, a.score) })
		return ranked, named
	}
	a, aloneBy := sum(one.Minutes)
	b, sharedBy := sum(many.Minutes)
	if len(a) != teams || len(b) != teams {
		t.Fatalf("%d and %d teams with full minutes, want %d", len(a), len(b), teams)
	}
	for i := range a {
		if a[i].name != b[i].name {
			t.Errorf("rank %d: %s alone, %s with workers", i+1, a[i].name, b[i].name)
		}
	}
	for name, x := range aloneBy {
		y := sharedBy[name]
		if d := (x.ok + x.failed) - (y.ok + y.failed); d > 10 || d < -10 {
			t.Errorf("%s: %d answers alone, %d with workers", name, x.ok+x.failed, y.ok+y.failed)
		}
	}
}
