package local

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/game"
)

// Result is one fix set's game on loopback.
type Result struct {
	Fixes       catalog.FixSet
	Processes   int
	Summary     game.Summary
	CostPerHour float64 // -1 when no template was given
	PIDs        []int   // the processes that ran, all stopped
}

// Game plays a scenario against a fix set's local data path and stops it.
func Game(ctx context.Context, cfg config.Config, opt Options, p game.Play, costPerHour float64) (Result, error) {
	dir := filepath.Join(opt.Dir, cfg.Fixes.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Result{}, err
	}
	opt.Dir = dir
	topo, err := Start(ctx, cfg, opt)
	if err != nil {
		return Result{}, fmt.Errorf("fixes=%s: %w", cfg.Fixes, err)
	}
	defer topo.Stop()
	p.Target, p.Key = topo.Front, topo.Key
	p.CostPerHour = max(costPerHour, 0)
	sum, err := p.Run(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("fixes=%s: %w", cfg.Fixes, err)
	}
	return Result{Fixes: cfg.Fixes, Processes: len(topo.Services), Summary: sum, CostPerHour: costPerHour, PIDs: topo.PIDs()}, nil
}

// Chaos is what killing one service process did to a steady load.
type Chaos struct {
	Fixes     catalog.FixSet
	HTTPCheck bool
	Lost      int           // failed answers after the kill
	Recovery  time.Duration // from the kill to the last failure
	Sent      int
}

// KillOne sends a steady load at rate to the load balancer for length,
// kills one service process after a quarter of it, and reports what the
// load balancer let through: the cache, if any, is left out, so the
// balancer's health check alone decides.
func KillOne(ctx context.Context, cfg config.Config, opt Options, rate float64, length time.Duration) (Chaos, error) {
	dir := filepath.Join(opt.Dir, "chaos-"+cfg.Fixes.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Chaos{}, err
	}
	opt.Dir = dir
	topo, err := Start(ctx, cfg, opt)
	if err != nil {
		return Chaos{}, err
	}
	defer topo.Stop()
	killAt := length / 4
	results := &failureLog{}
	p := game.Play{Target: &url.URL{Scheme: "http", Host: topo.Balancer.Addr, Path: "/"}, Key: topo.Key, Results: results, Setup: game.Setup{
		Rules: game.DefaultRules(), Speed: 1, Seed: 1,
		Scenario: game.Scenario{Name: "chaos", Skew: 1.01, Timeout: game.Duration(30 * time.Second), Phases: []game.Phase{
			{Name: "steady", Duration: game.Duration(length), Rate: rate, Keys: 1 << 30},
		}}}}
	go func() {
		select {
		case <-time.After(killAt):
			topo.Services[0].Kill()
		case <-ctx.Done():
		}
	}()
	sum, err := p.Run(ctx)
	if err != nil {
		return Chaos{}, err
	}
	c := Chaos{Fixes: cfg.Fixes, HTTPCheck: topo.HTTPCheck, Sent: sum.Sent}
	for _, s := range results.seconds {
		if time.Duration(s.T)*time.Second >= killAt-time.Second && s.Failed > 0 {
			c.Lost += s.Failed
			c.Recovery = max(c.Recovery, time.Duration(s.T+1)*time.Second-killAt)
		}
	}
	return c, nil
}

// failureLog keeps the results lines of a chaos run.
type failureLog struct{ seconds []game.Second }

func (f *failureLog) Write(b []byte) (int, error) {
	var s game.Second
	if err := json.Unmarshal(b, &s); err != nil {
		return 0, err
	}
	f.seconds = append(f.seconds, s)
	return len(b), nil
}
