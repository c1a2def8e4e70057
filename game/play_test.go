package game

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/service/api"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// short is a compressed game: three phases of 2 s of real time at speed 60.
func short(rate float64) Scenario {
	return Scenario{Name: "short", Skew: 1.3, Timeout: Duration(5 * time.Second), Phases: []Phase{
		{Name: "one", Duration: Duration(2 * time.Minute), Rate: rate, Keys: 20},
		{Name: "two", Duration: Duration(2 * time.Minute), Rate: 2 * rate, Keys: 40},
		{Name: "three", Duration: Duration(2 * time.Minute), Rate: 3 * rate, Keys: 80},
	}}
}

// startService builds and starts the real hash service on a free port.
func startService(t *testing.T, env ...string) *url.URL {
	t.Helper()
	bin := testkit.Build(t, "../service", ".")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), append(env, "ADDR="+addr, "ANSWER_KEY="+string(testKey))...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if resp, err := http.Get("http://" + addr + api.HealthPath); err == nil {
			resp.Body.Close()
			return mustURL(t, "http://"+addr+"/")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the service did not start")
	return nil
}

func TestPlayAgainstTheRealService(t *testing.T) {
	target := startService(t, "WORK=20ms", "CONCURRENCY=8", "MAX_WAIT=2s", "DRAIN_TIMEOUT=5s")
	var results, progress bytes.Buffer
	p := Play{Key: testKey, Target: target, Setup: Setup{Scenario: short(20), Rules: DefaultRules(), Speed: 60, Seed: 1}, CostPerHour: 0.5, Results: &results, Progress: &progress}
	sum, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := short(20).Expected(short(20).Length()) / 60 // requests in 6 s of real time: 20*2 + 40*2 + 60*2
	if float64(sum.Sent) < 0.9*want || float64(sum.Sent) > 1.1*want {
		t.Errorf("sent %d requests, the scenario asks for %.0f", sum.Sent, want)
	}
	if sum.OK == 0 || sum.Wrong != 0 || sum.OK+sum.Failed != sum.Sent {
		t.Errorf("ok %d, wrong %d, failed %d of %d", sum.OK, sum.Wrong, sum.Failed, sum.Sent)
	}
	if sum.HitRatio() != -1 {
		t.Errorf("hit ratio %v from an endpoint that reports none", sum.HitRatio())
	}
	if sum.DistinctKeys > 80 || sum.BestHitRatio() <= 0 {
		t.Errorf("%d distinct keys, best hit ratio %v", sum.DistinctKeys, sum.BestHitRatio())
	}
	// Six seconds of game at $0.5/h and speed 60: six minutes of bill, no
	// more, however long the last answers take.
	if wantCost := DefaultRules().CostPoints(0.5, 6*time.Minute); math.Abs(sum.Cost-wantCost) > 1e-6 {
		t.Errorf("cost %v points, want about %v", sum.Cost, wantCost)
	}
	// One JSON line per second, the score running.
	var lines []Second
	sc := bufio.NewScanner(&results)
	for sc.Scan() {
		var s Second
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("results line %q: %v", sc.Text(), err)
		}
		lines = append(lines, s)
	}
	if len(lines) < 6 || lines[len(lines)-1].Score != sum.Score || lines[0].Phase != "one" {
		t.Errorf("%d result lines, last %+v, summary score %v", len(lines), lines[len(lines)-1], sum.Score)
	}
	if !strings.Contains(progress.String(), "score") || !strings.Contains(progress.String(), "p99") {
		t.Errorf("progress:\n%s", progress.String())
	}
}

func TestWrongAnswersAreFailures(t *testing.T) {
	stale := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cache", "Hit from cloudfront")
		fmt.Fprint(w, api.Answer(testKey, "yesterday's answer"))
	}))
	defer stale.Close()
	p := Play{Key: testKey, Target: mustURL(t, stale.URL+"/"), Setup: Setup{Scenario: short(20), Rules: DefaultRules(), Speed: 120, Seed: 1}}
	sum, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent == 0 || sum.Wrong != sum.Sent || sum.OK != 0 || sum.Score >= 0 || sum.HitRatio() != 1 {
		t.Errorf("%+v: every answer is wrong and must cost points", sum)
	}
}

func TestUnreachableTargetFailsAtOnce(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	p := Play{Key: testKey, Target: mustURL(t, "http://"+addr+"/"), Setup: Setup{Scenario: short(1), Rules: DefaultRules(), Speed: 1, Seed: 1}}
	start := time.Now()
	_, err := p.Run(context.Background())
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) || time.Since(start) > 5*time.Second {
		t.Errorf("error %v after %s", err, time.Since(start))
	}
}

func TestATallyCountsEachOutcomeOnce(t *testing.T) {
	var a Tally
	for _, o := range []Outcome{
		{OK: true, Hit: true},
		{OK: true, Miss: true},
		{Wrong: true, Miss: true},
		{Timeout: true},
		{}, // a 503: failed, neither wrong nor a timeout
	} {
		a.Count(o)
	}
	want := Tally{Answers: 5, OK: 2, Failed: 3, Wrong: 1, Timeouts: 1, Hits: 1, Misses: 2}
	if a != want {
		t.Fatalf("tally %+v, want %+v", a, want)
	}
	if got := a.HitRatio(); got != 1.0/3 {
		t.Errorf("hit ratio %v, want 1/3", got)
	}
	if got := a.ErrorRate(); got != 0.6 {
		t.Errorf("error rate %v, want 0.6", got)
	}
	var sum Tally
	sum.Add(a)
	sum.Add(a)
	if sum.Answers != 10 || sum.Misses != 4 || sum.Timeouts != 2 {
		t.Errorf("sum of two tallies %+v", sum)
	}
	if (Tally{}).HitRatio() != -1 || (Tally{}).ErrorRate() != 0 {
		t.Error("an empty tally has no hit ratio (-1) and no errors")
	}
}

// A slow endpoint gets at most MaxConnectionsPerTeam connections from the
// engine; the customers beyond wait for one.
func TestTheEngineCapsItsConnectionsToOneEndpoint(t *testing.T) {
	var open, most atomic.Int64
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write([]byte(api.Answer(testKey, r.URL.Query().Get(api.Param))))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			n := open.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	defer srv.Close()
	defer close(release)

	// Requests keep coming until the test ends, however slow the machine:
	// every one beyond the cap would open a connection if the cap failed.
	a := NewAttacker(30 * time.Second)
	target := vegeta.Target{Method: http.MethodGet, URL: srv.URL + "/?input=a"}
	results := a.Attack(vegeta.NewStaticTargeter(target), vegeta.Rate{Freq: 4000, Per: time.Second}, 0, "cap")
	defer a.Stop()
	go func() {
		for range results {
		}
	}()
	deadline := time.After(20 * time.Second)
	for open.Load() < MaxConnectionsPerTeam {
		select {
		case <-deadline:
			t.Fatalf("%d connections open after 20 s, want %d", open.Load(), MaxConnectionsPerTeam)
		case <-time.After(10 * time.Millisecond):
		}
	}
	time.Sleep(200 * time.Millisecond) // time for any connection beyond the cap
	if got := most.Load(); got != MaxConnectionsPerTeam {
		t.Errorf("at most %d connections open at once, want the cap, %d", got, MaxConnectionsPerTeam)
	}
}

// gameday play announces the script's events once each, in order, in the
// second of the game they come due in.
func TestPlayAnnouncesTheScriptOnTheGameClock(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, api.Answer(testKey, r.URL.Query().Get(api.Param)))
	}))
	defer ok.Close()
	sc := short(5)
	sc.Events = []Event{
		{At: Duration(0), Announce: "CEO: good morning"},
		{At: Duration(150 * time.Second), Chaos: &Chaos{Experiment: TerminateInstance}},
		{At: Duration(5 * time.Minute), Announce: "CEO: five minutes"},
	}
	var events, results strings.Builder
	p := Play{Key: testKey, Target: mustURL(t, ok.URL+"/"), Setup: Setup{Scenario: sc, Rules: DefaultRules(), Speed: 120, Seed: 1}, Events: &events, Results: &results}
	if _, err := p.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "at 0s: CEO: good morning\nat 2m30s: the Chaos Monkey strikes: terminate-instance\nat 5m0s: CEO: five minutes\n"
	if events.String() != want {
		t.Errorf("events:\n%s\nwant\n%s", events.String(), want)
	}
	// At speed 120 a real second is two game minutes: the chaos event at
	// 2m30s comes due in the second second (game time 2m to 4m).
	for _, line := range strings.Split(strings.TrimSpace(results.String()), "\n") {
		var sec Second
		if err := json.Unmarshal([]byte(line), &sec); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(sec.Events, "|")
		want := map[int]string{0: "CEO: good morning", 1: "the Chaos Monkey strikes: terminate-instance", 2: "CEO: five minutes"}[sec.T]
		if got != want {
			t.Errorf("second %d: events %q, want %q", sec.T, got, want)
		}
	}
}

func TestScenarioEventsAreChecked(t *testing.T) {
	for want, events := range map[string]string{
		"want either announce or chaos":      `[{"at": "1m"}]`,
		`experiment "melt"`:                  `[{"at": "1m", "chaos": {"experiment": "melt"}}]`,
		"want it inside the game":            `[{"at": "9h", "announce": "late"}]`,
		"before the event above it":          `[{"at": "2m", "announce": "b"}, {"at": "1m", "announce": "a"}]`,
		"duration 45m0s, want at most 30m0s": `[{"at": "1m", "chaos": {"experiment": "az-outage", "duration": "45m"}}]`,
	} {
		_, err := ParseScenario([]byte(`{"name": "t", "skew": 1.2, "timeout": "2s", "phases": [{"name": "a", "duration": "1h", "rate": 1, "keys": 10}], "events": `+events+`}`), "t.json")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", events, err, want)
		}
	}
}
