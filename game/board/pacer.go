package board

import (
	"math/rand/v2"
	"time"
)

// teamPacer sends one team its requests on the shared clock: the same
// number at the same game time for every team, none while paused, and
// never more than the scenario's total.
type teamPacer struct {
	board *Board
	base  uint64 // requests sent before this run: those of the stored minutes
	stop  <-chan struct{}
}

// Pace says how long to wait before request base+hits.
func (p *teamPacer) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	b := p.board
	n := p.base + hits
	for {
		if n >= b.total {
			return 0, true
		}
		if !b.waitRunning(p.stop) {
			return 0, true
		}
		g, state := b.clock.Now()
		if state != Running {
			continue
		}
		// Request n is due once the scenario has sent n requests.
		due := b.meta.Scenario.TimeOf(float64(n) * b.meta.Speed)
		if g >= due {
			return 0, false
		}
		// The attacker sends a request whenever a wait ends, so the wait
		// must end when it is due; one that ends in a pause is held by the
		// targeter until the game resumes.
		return time.Duration(float64(due-g) / b.meta.Speed), false
	}
}

// Rate is the requests per second due now.
func (p *teamPacer) Rate(time.Duration) float64 {
	g, _ := p.board.clock.Now()
	_, _, rate := p.board.meta.Scenario.At(g)
	return rate
}

// keyOf is the key rank request n asks about. It depends only on the seed
// and n, so every team is asked the same questions in the same order,
// and a game resumed after a crash asks what it would have asked.
func (b *Board) keyOf(n uint64) int {
	sc := b.meta.Scenario
	phase, _, _ := sc.At(sc.TimeOf(float64(n) * b.meta.Speed))
	if phase.Keys <= 1 {
		return 0
	}
	rng := rand.New(rand.NewPCG(b.meta.Seed, n))
	return int(rand.NewZipf(rng, sc.Skew, 1, uint64(phase.Keys-1)).Uint64())
}
