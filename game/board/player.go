package board

import (
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/game"
)

// player sends teams their requests on a game clock and scores the
// answers in the minute they land: the board's own clock when it plays
// alone (selfPlay), a worker's copy of it when workers play.
type player struct {
	clock   *clock
	setup   game.Setup
	minutes int
	sampled game.Rules
}

func newPlayer(c *clock, s game.Setup) *player {
	return &player{clock: c, setup: s, minutes: s.Minutes(), sampled: s.Sampled()}
}

// playedTeam is a team this process sends requests to: its answers by
// the game minute they landed in, until the minute is taken.
type playedTeam struct {
	name   string
	key    []byte                   // the team's answer key
	target *atomic.Pointer[url.URL] // read at every request: a moved endpoint takes effect at once

	mu          sync.Mutex
	open        map[int]*game.Window // answers of minutes not yet taken
	closedBelow int                  // minutes below it are taken

	attacker *vegeta.Attacker
	done     chan struct{} // closed once every answer has landed
}

func newPlayedTeam(name string, key []byte, target *atomic.Pointer[url.URL], fromMinute int) *playedTeam {
	return &playedTeam{name: name, key: key, target: target, open: map[int]*game.Window{}, closedBelow: fromMinute, done: make(chan struct{})}
}

// attack starts sending a team its requests from game time from, until
// the game ends or stop is closed.
func (p *player) attack(t *playedTeam, from time.Duration, stop <-chan struct{}) {
	base := p.setup.Base(from)
	t.attacker = game.NewAttacker(time.Duration(p.setup.Scenario.Timeout))
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
		tg.Method, tg.URL = "GET", game.RequestURL(t.target.Load(), p.setup.Input(p.setup.KeyOf(n)))
		return nil
	}
	// None is sent while paused.
	pace := game.Pacer{
		Scenario: p.setup.Scenario, Speed: p.setup.Speed, Base: base,
		Now:  func(time.Duration) time.Duration { g, _ := p.clock.Now(); return g },
		Wait: func() bool { return p.clock.waitRunning(stop) },
	}
	results := t.attacker.Attack(targeter, pace, 0, t.name)
	go func() {
		defer close(t.done)
		for r := range results {
			if r.Error == vegeta.ErrNoTargets.Error() {
				continue
			}
			g, _ := p.clock.Now()
			t.add(int(g/time.Minute), p.minutes, r, p.sampled)
		}
	}()
}

// add scores one answer in the minute it completed in.
func (t *playedTeam) add(minute, minutes int, r *vegeta.Result, rules game.Rules) {
	t.mu.Lock()
	defer t.mu.Unlock()
	minute = min(max(minute, t.closedBelow), minutes-1)
	w, ok := t.open[minute]
	if !ok {
		w = game.NewWindow()
		t.open[minute] = w
	}
	w.Add(r, rules, t.key)
}

// take closes minute m and returns its score.
func (t *playedTeam) take(m int) game.Scored {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.open[m]
	delete(t.open, m)
	t.closedBelow = m + 1
	if w == nil {
		return game.Scored{}
	}
	return w.Scored()
}

// halt stops sending; the answers in flight still land.
func (t *playedTeam) halt() {
	if t.attacker != nil {
		t.attacker.Stop()
	}
}
