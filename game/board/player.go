package board

import (
	"math"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/game"
)

// player sends teams their requests on a game clock and scores the
// answers in the minute they land: the board's own clock when it plays
// alone, a worker's copy of it when workers play.
type player struct {
	clock    *clock
	scenario game.Scenario
	rules    game.Rules
	speed    float64
	seed     uint64
	minutes  int
}

func (b *Board) player() *player {
	return &player{clock: b.clock, scenario: b.meta.Scenario, rules: b.meta.Rules, speed: b.meta.Speed, seed: b.meta.Seed, minutes: b.minutes}
}

// base is the number of requests due before game time from: every team
// gets the same request numbers at the same game time.
func (p *player) base(from time.Duration) uint64 {
	return uint64(math.Ceil(p.scenario.Expected(from) / p.speed))
}

// attack starts sending a team its requests from game time from.
func (p *player) attack(t *team, from time.Duration, stop <-chan struct{}) {
	base := p.base(from)
	t.attacker = game.NewAttacker(time.Duration(p.scenario.Timeout))
	next := base
	var nextMu sync.Mutex
	targeter := func(tg *vegeta.Target) error {
		// A request ticked just before a pause waits for the resume.
		if !p.clock.waitRunning(stop) {
			return vegeta.ErrNoTargets
		}
		nextMu.Lock()
		n := next
		next++
		nextMu.Unlock()
		t.sent.Add(1)
		tg.Method, tg.URL = "GET", game.RequestURL(t.target.Load(), game.Input(game.KeyOf(p.scenario, p.speed, p.seed, n)))
		return nil
	}
	// None is sent while paused.
	pace := game.Pacer{
		Scenario: p.scenario, Speed: p.speed, Base: base,
		Now:  func(time.Duration) time.Duration { g, _ := p.clock.Now(); return g },
		Wait: func() bool { return p.clock.waitRunning(stop) },
	}
	results := t.attacker.Attack(targeter, pace, 0, t.name)
	rules := p.rules.Sample(p.speed)
	go func() {
		defer close(t.done)
		for r := range results {
			if r.Error == vegeta.ErrNoTargets.Error() {
				continue
			}
			g, _ := p.clock.Now()
			t.add(int(g/time.Minute), p.minutes, r, rules)
		}
	}()
}
