package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/service/api"
)

// TestMain lets a test run this binary as gameday, in a process of its own
// that can be killed.
func TestMain(m *testing.M) {
	if os.Getenv("GAMEDAY_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// gamedayProcess is gameday running in a child process.
type gamedayProcess struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	stdout *bytes.Buffer
	url    string
	token  string
}

// scoreboardLine is the board's start-up: its page and, for a new game,
// its control token (a resumed game shows none).
var scoreboardLine = regexp.MustCompile(`scoreboard: (http://\S+)/\ncontrol token: ([0-9a-f]{32}\n|the one given)`)

func startGameday(t *testing.T, args ...string) *gamedayProcess {
	t.Helper()
	p := &gamedayProcess{cmd: exec.Command(os.Args[0], args...), stderr: &bytes.Buffer{}, stdout: &bytes.Buffer{}}
	p.cmd.Env = append(os.Environ(), "GAMEDAY_TEST_MAIN=1")
	p.cmd.Stdout = p.stdout
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill() })
	found := make(chan struct{})
	go func() {
		r := bufio.NewReader(pipe)
		for {
			line, err := r.ReadString('\n')
			p.stderr.WriteString(line) // read only by this goroutine until found
			if m := scoreboardLine.FindStringSubmatch(p.stderr.String()); m != nil && p.url == "" {
				p.url, p.token = m[1], strings.TrimSuffix(m[2], "\n")
				if p.token == "the one given" {
					p.token = ""
				}
				close(found)
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-found:
	case <-time.After(20 * time.Second):
		t.Fatalf("gameday %s did not start: %s", strings.Join(args, " "), p.stderr)
	}
	return p
}

func (p *gamedayProcess) state(t *testing.T) board.Snapshot {
	t.Helper()
	resp, err := http.Get(p.url + "/api/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s board.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func answeringTeam(t testing.TB) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(api.Answer([]byte(testKey), r.URL.Query().Get(api.Param))))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// boardFiles writes a teams file of n answering teams and a six-minute
// scenario, and returns the flags that play them a second a minute.
func boardFiles(t *testing.T, n int) []string {
	dir := t.TempDir()
	var teams strings.Builder
	for i := range n {
		fmt.Fprintf(&teams, "team-%d %s/ %d key=%s\n", i+1, answeringTeam(t).URL, i, testKey)
	}
	os.WriteFile(filepath.Join(dir, "teams.txt"), []byte(teams.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "scenario.json"), []byte(`{"name": "six minutes", "skew": 1.2, "timeout": "2s",
		"phases": [{"name": "only", "duration": "6m", "rate": 30, "keys": 100}]}`), 0o644)
	return []string{"board", "--teams", filepath.Join(dir, "teams.txt"), "--scenario", filepath.Join(dir, "scenario.json"),
		"--db", filepath.Join(dir, "game.db"), "--speed", "60", "--listen", "127.0.0.1:0"}
}

func loadRows(t testing.TB, path string) []board.Minute {
	t.Helper()
	store, err := board.OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	_, rows, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestAKilledBoardResumesWithItsTotalsIntact(t *testing.T) {
	args := boardFiles(t, 3)
	db := args[slices.Index(args, "--db")+1]
	first := startGameday(t, args...)
	for deadline := time.Now().Add(20 * time.Second); first.state(t).Minutes < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no minutes stored: %s", first.stderr)
		}
	}
	// The facilitator's hand, given just before the kill, must survive it.
	for _, action := range [][]string{{"award", "team-1", "250", "a fine postmortem"}, {"hint", "team-1", "2"}, {"freeze"}} {
		if err := run(context.Background(), append([]string{"ctl", "--server", first.url, "--token", first.token}, action...), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	// The facilitator's debrief of a team, live from the running board.
	live := filepath.Join(t.TempDir(), "live")
	if err := run(context.Background(), []string{"debrief", "--server", first.url, "--token", first.token, "--team", "team-1", "--out", live}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if page, _ := os.ReadFile(filepath.Join(live, "team-1.html")); !strings.Contains(string(page), "team-1 was given hint 1 of quest 2 by the facilitator") {
		t.Errorf("the live debrief of team-1 does not show its hint:\n%.400s", page)
	}
	if err := first.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.cmd.Wait()
	killed := loadRows(t, db)
	stored := len(killed) / 3
	if stored < 2 || stored >= 6 {
		t.Fatalf("%d minutes stored at the kill, want 2 to 5", stored)
	}

	second := startGameday(t, append(args, "--exit-when-over")...)
	if err := second.cmd.Wait(); err != nil {
		t.Fatalf("the resumed game: %v\n%s", err, second.stderr)
	}
	if !strings.Contains(second.stderr.String(), fmt.Sprintf("resuming the game in %s from minute %d", db, stored)) {
		t.Errorf("the resumed game did not say where it resumed:\n%s", second.stderr)
	}
	store, err := board.OpenStore(db)
	if err != nil {
		t.Fatal(err)
	}
	meta, final, _, err := store.Load()
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	ex, err := func() (board.Export, error) {
		store, err := board.OpenStore(db)
		if err != nil {
			return board.Export{}, err
		}
		defer store.Close()
		return board.ExportStore(store)
	}()
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range ex.Events {
		if e.Kind == "award" || e.Kind == "hint" || e.Kind == "freeze" || e.Kind == "reveal" {
			kinds = append(kinds, fmt.Sprintf("%s %s %g", e.Kind, e.Team, e.Points))
		}
	}
	if strings.Join(kinds, "|") != "award team-1 250|hint team-1 0|freeze  0" {
		t.Errorf("after SIGKILL and a resume, the facilitator's events are %q: want the award and the freeze, still in force", kinds)
	}
	// Every team's printable debrief after the game, from its database.
	after := filepath.Join(t.TempDir(), "after")
	var printed bytes.Buffer
	if err := run(context.Background(), []string{"debrief", "--db", db, "--out", after, "--no-history"}, &printed, io.Discard); err != nil {
		t.Fatal(err)
	}
	var debriefs []board.Debrief
	raw, _ := os.ReadFile(filepath.Join(after, "debriefs.json"))
	if err := json.Unmarshal(raw, &debriefs); err != nil || len(debriefs) != 3 || strings.Count(printed.String(), ".html") != 3 {
		t.Errorf("debriefs %s (%v), printed %q: want three teams' pages and their JSON", raw, err, printed.String())
	}
	if second.token != "" || first.token == "" || !bytes.Equal(meta.ControlKey, board.PublicKey(first.token)) {
		t.Errorf("tokens %q then %q: the resumed board shows none and keeps the key of the one shown at the start, so the facilitator's GAMEDAY_TOKEN keeps working", first.token, second.token)
	}
	for _, team := range []string{"team-1", "team-2", "team-3"} {
		var before, after []board.Minute
		for _, r := range killed {
			if r.Team == team {
				before = append(before, r)
			}
		}
		for _, r := range final {
			if r.Team == team {
				after = append(after, r)
			}
		}
		if len(after) != 6 {
			t.Fatalf("%s: %d minutes, want 6", team, len(after))
		}
		if !reflect.DeepEqual(after[:stored], before) {
			t.Errorf("%s: the minutes stored before the kill changed", team)
		}
		total, answers := 0.0, 0
		for m, r := range after {
			answers += r.Answers
			total += r.Points - r.Penalty - r.Cost
			if r.Minute != m || r.Score-total > 1e-6 || total-r.Score > 1e-6 {
				t.Errorf("%s minute %d (stored as %d): score %v, want the running total %v", team, m, r.Minute, r.Score, total)
			}
		}
		// The minute cut short by the kill is played again, so every
		// request of the scenario (30 a second for 6 s) is scored once.
		if answers != 180 {
			t.Errorf("%s: %d answers scored over the two runs, want 180", team, answers)
		}
		if team == "team-1" {
			total += 250 // the award
		}
		if !regexp.MustCompile(fmt.Sprintf(`%s\s+%.0f\s`, team, total)).MatchString(second.stdout.String()) {
			t.Errorf("the final standings do not show %s at %.0f:\n%s", team, total, second.stdout)
		}
	}

	// The export reads the same database once the board has stopped.
	var csv bytes.Buffer
	if err := run(context.Background(), []string{"export", "--db", db}, &csv, io.Discard); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(csv.String(), "\n"); lines != 1+18 {
		t.Errorf("the CSV export has %d lines, want a header and 18 minutes", lines)
	}
}

func TestCtlChangesTheGameWithTheTokenOnly(t *testing.T) {
	args := boardFiles(t, 2)
	p := startGameday(t, append(args, "--paused")...)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"ctl", "--server", p.url, "--token", "wrong", "resume"}, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("ctl with a wrong token: %v, want a 401", err)
	}
	t.Setenv("GAMEDAY_TOKEN", p.token)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"resume"}, "game running"},
		{[]string{"move", "team-2", "http://127.0.0.1:9/"}, "team-2 moved to endpoint http://127.0.0.1:9/"},
		{[]string{"chaos", "team-1", "FIS:", "stop", "one", "task"}, "FIS: stop one task"},
		{[]string{"pause"}, "game paused"},
		{[]string{"end"}, "game ended by the facilitator"},
	} {
		if err := run(ctx, append([]string{"ctl", "--server", p.url}, c.args...), &out, io.Discard); err != nil {
			t.Fatalf("ctl %v: %v", c.args, err)
		}
		if !slices.ContainsFunc(p.state(t).Events, func(e board.Event) bool { return strings.Contains(e.Text, c.want) }) {
			t.Errorf("ctl %v: no event %q", c.args, c.want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ctl", "--server", p.url, "move", "team-9", "http://x/"}, `404 Not Found: no such team "team-9"`},
		{[]string{"ctl", "--server", p.url, "resume"}, "409 Conflict: the game is over"},
		{[]string{"ctl", "--server", p.url, "dance"}, `"dance": not an action`},
		{[]string{"ctl", "--server", "http://127.0.0.1:1", "pause"}, "is gameday board running at http://127.0.0.1:1?"},
		{[]string{"export"}, "give --db FILE for a stopped game or --server URL"},
		{[]string{"export", "--server", p.url, "--format", "xml"}, `--format "xml": want csv or json`},
		{[]string{"board", "--db", filepath.Join(t.TempDir(), "none.db")}, "none.db yet: give a teams file with --teams"},
		{[]string{"board", "--teams", "/nonexistent/teams.txt"}, "teams file: open /nonexistent/teams.txt"},
		{[]string{"board", "--db", args[slices.Index(args, "--db")+1]}, "in use by another gameday board"},
	} {
		err := run(ctx, c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error containing %q", c.args, err, c.want)
		}
	}
	var js bytes.Buffer
	if err := run(ctx, []string{"export", "--server", p.url, "--format", "json"}, &js, io.Discard); err != nil {
		t.Fatal(err)
	}
	var ex struct{ Standings []board.Standing }
	if err := json.Unmarshal(js.Bytes(), &ex); err != nil || len(ex.Standings) != 2 {
		t.Errorf("JSON export: %v, %d standings", err, len(ex.Standings))
	}
}

// BenchmarkBoardTwentyTeams plays 20 teams at the default scenario's peak
// (80 requests a second, tripled by a surge: 240 a team, 4,800 in all) for
// 30 seconds, the engine in a process of its own, and reports the cores it
// used. make bench-board runs it.
func BenchmarkBoardTwentyTeams(b *testing.B) {
	const teams, rate = 20, 240
	seconds := 30 // the scenario's two minutes, at speed 4; GAMEDAY_BENCH_SECONDS plays them faster
	if n, err := strconv.Atoi(os.Getenv("GAMEDAY_BENCH_SECONDS")); err == nil && n > 0 {
		seconds = n
	}
	dir := b.TempDir()
	var file strings.Builder
	for i := range teams {
		fmt.Fprintf(&file, "team-%02d %s/ 0.18 key=%s\n", i+1, answeringTeam(b).URL, testKey)
	}
	os.WriteFile(filepath.Join(dir, "teams.txt"), []byte(file.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "scenario.json"), []byte(fmt.Sprintf(`{"name": "the peak", "skew": 1.2, "timeout": "30s",
		"phases": [{"name": "step 7 with a surge", "duration": "2m", "rate": %d, "keys": 6400}]}`, rate)), 0o644)
	db := filepath.Join(dir, "game.db")
	for range b.N {
		cmd := exec.Command(os.Args[0], "board", "--teams", filepath.Join(dir, "teams.txt"), "--scenario", filepath.Join(dir, "scenario.json"),
			"--db", db, "--speed", fmt.Sprint(120/float64(seconds)), "--listen", "127.0.0.1:0", "--exit-when-over")
		cmd.Env = append(os.Environ(), "GAMEDAY_TEST_MAIN=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			b.Fatalf("%v: %s", err, stderr.String())
		}
		wall := time.Since(start)
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		rows := loadRows(b, db)
		var answers, failed int
		p99 := 0.0
		for _, r := range rows {
			answers += r.Answers
			failed += r.Failed
			p99 = max(p99, r.P99ms)
		}
		b.ReportMetric(float64(answers)/wall.Seconds(), "answers/s")
		b.ReportMetric(float64(failed), "failures")
		b.ReportMetric(cpu.Seconds()/wall.Seconds(), "engine-cores")
		b.ReportMetric(p99, "worst-minute-p99-ms")
		b.Logf("%d teams x %d req/s for %s: %d answers (%d due), %d failed, engine CPU %s over %s (%.2f cores), worst team-minute p99 %.1f ms",
			teams, rate, wall.Round(time.Second), answers, teams*rate*seconds, failed, cpu.Round(time.Millisecond), wall.Round(time.Millisecond), cpu.Seconds()/wall.Seconds(), p99)
		os.Remove(db)
	}
}

// ctl follows no redirect: a board address that answers with one never
// passes the call, signed or not, to where it points.
func TestCtlFollowsNoRedirect(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	err := run(context.Background(), []string{"ctl", "--server", redirecting.URL, "--token", "a-token-of-16-chars", "pause"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "redirects to") {
		t.Errorf("ctl against a redirect: %v, want the redirect named", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect's target got %d calls", n)
	}
}

// testKey is the answer key of the tests' stand-in services.
const testKey = "a-test-answer-key-of-32-bytes-ok"
