package game

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// hostile are endpoints a team could put up to slow the engine down.
var hostile = map[string]http.HandlerFunc{
	"endless body": func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 32<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	},
	"slow drip": func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil {
			if _, err := w.Write([]byte("x")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	},
	"huge header": func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Huge", strings.Repeat("h", 1<<20))
		w.Write([]byte(api.Answer(testKey, r.URL.Query().Get(api.Param))))
	},
	"redirect loop": func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.String(), http.StatusFound)
	},
}

// honest answers right after a steady 100 ms, so its latency is the
// engine's measure more than the machine's noise.
func honest(w http.ResponseWriter, r *http.Request) {
	time.Sleep(100 * time.Millisecond)
	w.Write([]byte(api.Answer(testKey, r.URL.Query().Get(api.Param))))
}

func playAt(t *testing.T, handler http.HandlerFunc, wg *sync.WaitGroup, out *Summary) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	target, _ := url.Parse(srv.URL)
	sc := Scenario{Name: "fair", Skew: 1.2, Timeout: Duration(2 * time.Second), Phases: []Phase{{Name: "a", Duration: Duration(3 * time.Second), Rate: 100, Keys: 50}}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		sum, err := Play{Key: testKey, Target: target, Setup: Setup{Scenario: sc, Rules: DefaultRules(), Speed: 1, Seed: 1}}.Run(context.Background())
		if err != nil {
			t.Error(err)
		}
		*out = sum
	}()
}

// One team's endpoint cannot slow another team's measurements: beside
// all the hostile endpoints at once, an honest one keeps its median within
// 10 % or 250 ms of what it gets alone, just before, and its 99th
// percentile within 10 % or 500 ms, well under the hostile teams' 2 s
// timeout.
func TestAHostileTeamDoesNotSlowAnHonestOne(t *testing.T) {
	// The measure is taken three times at most: a machine busy with
	// other tests can slow one or two (the endless body's server shares
	// this process's CPU); a held-up engine slows every one.
	var problems []string
	for attempt := 1; attempt <= 3; attempt++ {
		if problems = hostileNeighbours(t); len(problems) == 0 {
			return
		}
		t.Logf("attempt %d: %s", attempt, strings.Join(problems, "; "))
	}
	t.Error(strings.Join(problems, "; "))
}

// hostileNeighbours plays an honest team alone, then beside every hostile
// one, and says what went wrong.
func hostileNeighbours(t *testing.T) []string {
	var wg sync.WaitGroup
	var alone Summary
	playAt(t, honest, &wg, &alone)
	wg.Wait()
	if alone.OK < 290 {
		return []string{fmt.Sprintf("alone, the honest team got %d answers of 300", alone.OK)}
	}
	var fair Summary
	bad := map[string]*Summary{}
	playAt(t, honest, &wg, &fair)
	for name, h := range hostile {
		bad[name] = &Summary{}
		playAt(t, h, &wg, bad[name])
	}
	wg.Wait()
	t.Logf("honest alone p50 %s p99 %s; beside %d hostile teams p50 %s p99 %s", alone.P50, alone.P99, len(hostile), fair.P50, fair.P99)
	within := func(got, base time.Duration) bool { return float64(got) <= 1.1*float64(base) }
	// The 99th percentile of 300 answers is the third slowest: on a busy
	// 2-core machine (make test runs packages side by side) a scheduling
	// hiccup moves it by a few hundred milliseconds (319 ms once, against
	// 105 alone). A hostile team that held the engine up would cost its
	// neighbours its own 2 s timeout (a shared connection, a blocked
	// reader), so the tail gets 500 ms of slack beyond the 10 %.
	tail := func(got, base time.Duration) bool { return within(got, base) || got <= base+500*time.Millisecond }
	// The endless body's server runs in this process: on a busy machine
	// its writing takes CPU from everything else here, and the median
	// moved once by 63 ms (164 ms against 101 alone, with four test
	// packages side by side). A held-up engine would move it by seconds.
	median := func(got, base time.Duration) bool { return within(got, base) || got <= base+250*time.Millisecond }
	var problems []string
	if !median(fair.P50, alone.P50) || !tail(fair.P99, alone.P99) || fair.OK < alone.OK-5 {
		problems = append(problems, fmt.Sprintf("beside them the honest team's p50 %s, p99 %s, %d answers; alone %s, %s, %d", fair.P50, fair.P99, fair.OK, alone.P50, alone.P99, alone.OK))
	}
	for name, sum := range bad {
		if sum.OK != 0 {
			problems = append(problems, fmt.Sprintf("%s: %d answers counted right", name, sum.OK))
		}
	}
	return problems
}
