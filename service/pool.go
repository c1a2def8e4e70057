package main

import (
	"context"
	"sync"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// pool holds the service's slots: at most concurrency requests are worked
// on at once, the rest wait in line in arrival order of their admission.
type pool struct {
	slots       chan struct{}
	concurrency int
	work        time.Duration
	maxWait     time.Duration

	mu       sync.Mutex
	inSystem int // admitted requests: in a slot or waiting for one
}

func newPool(concurrency int, work, maxWait time.Duration) *pool {
	return &pool{
		slots:       make(chan struct{}, concurrency),
		concurrency: concurrency,
		work:        work,
		maxWait:     maxWait,
	}
}

// admit takes a place in line, or refuses at once when the expected wait is
// above maxWait: a refused request gets a prompt 503 instead of a timeout.
func (p *pool) admit() (expected time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	expected = api.ExpectedWait(p.inSystem, p.concurrency, p.work)
	if expected > p.maxWait {
		return expected, false
	}
	p.inSystem++
	return expected, true
}

// serve waits for a slot and holds it for the work time. It returns early
// with ctx's error when the client goes away, freeing its place either way.
// Only call it after admit said ok.
func (p *pool) serve(ctx context.Context) (waited time.Duration, err error) {
	defer p.leave()
	start := time.Now()
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return time.Since(start), ctx.Err()
	}
	waited = time.Since(start)
	defer func() { <-p.slots }()
	if p.work <= 0 {
		return waited, nil
	}
	timer := time.NewTimer(p.work)
	defer timer.Stop()
	select {
	case <-timer.C:
		return waited, nil
	case <-ctx.Done():
		return waited, ctx.Err()
	}
}

func (p *pool) leave() {
	p.mu.Lock()
	p.inSystem--
	p.mu.Unlock()
}
