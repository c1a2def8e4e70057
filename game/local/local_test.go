package local

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/service/api"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

func buildService(t *testing.T) string { return testkit.Build(t, "../../service", ".") }

func configFor(t *testing.T, fixes string) config.Config {
	t.Helper()
	cfg := config.Default()
	var err error
	if cfg.Fixes, err = catalog.ParseFixSet(fixes); err != nil {
		t.Fatal(err)
	}
	cfg.Service.Work = 20 * time.Millisecond
	cfg.Service.MaxWait = time.Second
	cfg.Service.DrainTimeout = 2 * time.Second
	cfg.MaxCapacity = 3
	return cfg
}

func TestTheCacheAnswersRepeatsAndKeysOnInputOnly(t *testing.T) {
	if len(Missing()) > 0 {
		t.Fatalf("missing %v: run make local-tools", Missing())
	}
	dir := t.TempDir()
	topo, err := Start(context.Background(), configFor(t, "all"), Options{ServiceBinary: buildService(t), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Stop()
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "nginx", "logs", "error.log"))
			t.Log(string(b))
		}
	})
	if len(topo.Services) != 3 || topo.Cache == nil || !topo.HTTPCheck {
		t.Fatalf("topology %+v", topo)
	}
	get := func(query string) (string, string) {
		resp, err := http.Get(topo.Front.String() + "?" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b), resp.Header.Get("X-Cache")
	}
	if body, cache := get("input=abc"); body != api.Answer(topo.Key, "abc") || cache != "MISS" {
		t.Errorf("first: %q %q", body, cache)
	}
	if body, cache := get("input=abc&utm=x"); body != api.Answer(topo.Key, "abc") || cache != "HIT" {
		t.Errorf("repeat with another parameter: %q %q, want a HIT", body, cache)
	}
	if _, cache := get("input=abd"); cache != "MISS" {
		t.Errorf("another input: %q", cache)
	}
	// Errors are not kept: a bad request twice reaches the origin twice.
	for range 2 {
		if _, cache := get("nothing=1"); cache != "MISS" {
			t.Errorf("a 400 was cached: %q", cache)
		}
	}
}

// The local game end to end: the same load against the baseline and the
// target, every answer verified.
func TestBaselineAndTargetSideBySide(t *testing.T) {
	bin, dir := buildService(t), t.TempDir()
	scenario := game.Scenario{Name: "e2e", Skew: 1.2, Timeout: game.Duration(5 * time.Second), Phases: []game.Phase{
		{Name: "one", Duration: game.Duration(2 * time.Minute), Rate: 100, Keys: 30},
		{Name: "two", Duration: game.Duration(2 * time.Minute), Rate: 300, Keys: 60},
		{Name: "three", Duration: game.Duration(2 * time.Minute), Rate: 600, Keys: 120},
	}}
	results := map[string]Result{}
	var pids []int
	for _, fixes := range []string{"none", "all"} {
		cfg := configFor(t, fixes)
		r, err := Game(context.Background(), cfg, Options{ServiceBinary: bin, Dir: dir},
			game.Play{Setup: game.Setup{Scenario: scenario, Rules: game.DefaultRules(), Speed: 60, Seed: 1}}, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		results[fixes] = r
		s := r.Summary
		t.Logf("fixes=%s: %d processes, sent %d, ok %d, failed %d, wrong %d, p50 %s, p99 %s, hit ratio %.3f (best %.3f), hit p50 %s, miss p50 %s",
			fixes, r.Processes, s.Sent, s.OK, s.Failed, s.Wrong, s.P50, s.P99, s.HitRatio(), s.BestHitRatio(), s.HitP50, s.MissP50)
		if s.Wrong != 0 || s.OK+s.Failed != s.Sent || s.Sent == 0 {
			t.Errorf("fixes=%s: %d wrong answers, %d ok + %d failed of %d", fixes, s.Wrong, s.OK, s.Failed, s.Sent)
		}
		pids = append(pids, r.PIDs...)
	}
	base, target := results["none"].Summary, results["all"].Summary
	if base.HitRatio() != -1 {
		t.Errorf("the baseline has no cache, yet reports a hit ratio of %v", base.HitRatio())
	}
	// With concurrent misses collapsed, the cache misses each key about once.
	if target.HitRatio() < target.BestHitRatio()-0.02 {
		t.Errorf("target hit ratio %.3f, the scenario allows %.3f", target.HitRatio(), target.BestHitRatio())
	}
	if target.Failed >= base.Failed || base.Failed == 0 {
		t.Errorf("failures: target %d, baseline %d; the target must fail less under the same load", target.Failed, base.Failed)
	}
	if target.P50 >= base.P50 || target.HitP50 == 0 || target.HitP50 >= target.MissP50 {
		t.Errorf("p50: target %s (hits %s, misses %s), baseline %s", target.P50, target.HitP50, target.MissP50, base.P50)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("process %d still running after the game", pid)
		}
	}
}
