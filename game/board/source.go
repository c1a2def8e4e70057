package board

import (
	"context"
	"sync"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// source is where the board's minutes come from: its own players
// (selfPlay) or its workers' reports (leased, in leased.go). The board
// scores, ranks, stores, bills and runs the script the same either way.
type source interface {
	// start begins the play from game time from.
	start(from time.Duration)
	// tick runs at every scoring tick, before the board scores.
	tick(now time.Time)
	// ready says whether minute m can be scored now.
	ready(m int, now time.Time) bool
	// take closes minute m for every team, in the board's order: what
	// each scored, and what of the minute is missing.
	take(m int) []taken
	// stop stops sending requests.
	stop()
	// drain waits for the answers in flight at the end of the game; false
	// when ctx ended first.
	drain(ctx context.Context) bool
}

// taken is a team's closed minute.
type taken struct {
	scored  game.Scored
	missing string
}

// selfPlay is a board playing every team itself: one player on the
// board's clock.
type selfPlay struct {
	player   *player
	teams    []*playedTeam
	halt     chan struct{}
	stopOnce sync.Once
	started  bool
}

// newSelfPlay plays the board's teams from the first minute not stored.
func newSelfPlay(c *clock, s game.Setup, teams []*team, closed int) *selfPlay {
	sp := &selfPlay{player: newPlayer(c, s), halt: make(chan struct{})}
	for _, t := range teams {
		sp.teams = append(sp.teams, newPlayedTeam(t.name, t.key, &t.target, closed))
	}
	return sp
}

func (s *selfPlay) start(from time.Duration) {
	s.started = true
	for _, t := range s.teams {
		s.player.attack(t, from, s.halt)
	}
}

func (s *selfPlay) tick(time.Time) {}

func (s *selfPlay) ready(int, time.Time) bool { return true }

func (s *selfPlay) take(m int) []taken {
	out := make([]taken, len(s.teams))
	for i, t := range s.teams {
		out[i].scored = t.take(m)
	}
	return out
}

func (s *selfPlay) stop() {
	s.stopOnce.Do(func() {
		close(s.halt)
		for _, t := range s.teams {
			t.halt()
		}
	})
}

func (s *selfPlay) drain(ctx context.Context) bool {
	if !s.started {
		return true // ended before this run started
	}
	for _, t := range s.teams {
		select {
		case <-t.done:
		case <-ctx.Done():
			return false
		}
	}
	return true
}
