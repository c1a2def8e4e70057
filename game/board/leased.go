package board

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// leased is a board whose workers play the teams: the lease rules, the
// board's clock they follow and the endpoints they are leased with. The
// board scores the minutes the workers report.
type leased struct {
	mu     sync.Mutex
	rules  *leases
	clock  *clock
	setup  game.Setup
	teams  []*team // the board's, for their endpoints
	notify func(text string)
}

// errSelfPlay answers a worker's call to a board that plays alone.
var errSelfPlay = errors.New("this board plays the teams itself: start it with --workers to share them")

func newLeased(w Workers, c *clock, s game.Setup, teams []*team, closed int, notify func(string)) (*leased, error) {
	names := make([]string, len(teams))
	for i, t := range teams {
		names[i] = t.name
	}
	rules, err := newLeases(w, names, s.Minutes(), closed)
	if err != nil {
		return nil, err
	}
	// Held from where it stands, until the workers have leased the
	// teams: a lease then starts at the stored minute's start.
	c.held = true
	return &leased{rules: rules, clock: c, setup: s, teams: teams, notify: notify}, nil
}

func (s *leased) announce(notes []string) {
	for _, n := range notes {
		s.notify(n)
	}
}

// lease renews worker's lease and answers with its teams and the game.
func (s *leased) lease(worker string, now time.Time) (Lease, error) {
	if err := checkWorkerID(worker); err != nil {
		return Lease{}, err
	}
	g, state := s.clock.Now()
	s.mu.Lock()
	var notes []string
	if state == Ended {
		notes = s.rules.expire(now, g)
		s.rules.seen[worker] = now
	} else {
		notes = s.rules.renew(worker, now, g, state == Running)
	}
	l := Lease{
		Run: s.rules.run, State: state, GameTime: game.Duration(g), Lease: game.Duration(s.rules.Lease), Renew: game.Duration(s.rules.Lease / 3),
		Setup: s.setup,
	}
	for i, t := range s.rules.teams { // in the board's order
		if t.holder == worker {
			l.Teams = append(l.Teams, LeasedTeam{Name: t.name, Endpoint: s.teams[i].target.Load().String(), AnswerKey: string(s.teams[i].key), From: game.Duration(t.heldFrom)})
		}
	}
	s.mu.Unlock()
	s.announce(notes)
	return l, nil
}

// report keeps a worker's minutes.
func (s *leased) report(r Reports, now time.Time) (ReportsAnswer, error) {
	if err := checkWorkerID(r.Worker); err != nil {
		return ReportsAnswer{}, err
	}
	var a ReportsAnswer
	g, _ := s.clock.Now()
	playing := int(g / time.Minute)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rules.heard(r.Worker, now)
	for _, m := range r.Minutes {
		why := ""
		if m.Minute > playing {
			why = fmt.Sprintf("team %s minute %d: not played yet (the game is in minute %d)", m.Team, m.Minute, playing)
		} else if sc, err := s.setup.Rescore(m.Minute, m.Scored); err != nil {
			why = fmt.Sprintf("team %s %v", m.Team, err)
		} else {
			m.Scored = sc // scored with the board's rules
			why = s.rules.report(r.Worker, m)
		}
		if why != "" {
			a.Refused = append(a.Refused, why)
			continue
		}
		a.Accepted++
	}
	if len(a.Refused) > 0 {
		a.Error = fmt.Sprintf("%d of %d minutes refused: %s", len(a.Refused), len(r.Minutes), a.Refused[0])
	}
	return a, nil
}

func (s *leased) statuses(now time.Time) []WorkerStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rules.statuses(now)
}

func (s *leased) start(time.Duration) {}

// tick runs the held clock once the teams are leased, and frees the
// teams of workers not heard from, even when no other worker asks.
func (s *leased) tick(now time.Time) {
	status, held := s.clock.status()
	g, _ := s.clock.Now()
	s.mu.Lock()
	run, all := s.rules.release(now, status == Running)
	live := len(s.rules.seen)
	notes := s.rules.expire(now, g)
	s.mu.Unlock()
	if run && held {
		s.clock.Release()
		if all {
			s.notify(fmt.Sprintf("every team is leased to %d workers: the clock runs", live))
		} else {
			s.notify(fmt.Sprintf("no worker came for some teams within %s of the start: the clock runs, and the workers here take them", s.rules.Lease))
		}
	}
	s.announce(notes)
}

func (s *leased) ready(m int, now time.Time) bool {
	s.mu.Lock()
	ready, notes := s.rules.in(m, now)
	s.mu.Unlock()
	s.announce(notes)
	return ready
}

func (s *leased) take(m int) []taken {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rules.take(m)
}

func (s *leased) stop() {}

func (s *leased) drain(context.Context) bool { return true }

// Lease renews worker's lease and gives it its share of the teams no
// live worker holds. The teams of workers not heard from for the lease
// are free again first.
func (b *Board) Lease(worker string) (Lease, error) {
	s, ok := b.src.(*leased)
	if !ok {
		return Lease{}, errSelfPlay
	}
	return s.lease(worker, time.Now())
}

// Report keeps a worker's minutes: each team's minute once, from the
// worker that holds the team, while the minute is open.
func (b *Board) Report(r Reports) (ReportsAnswer, error) {
	s, ok := b.src.(*leased)
	if !ok {
		return ReportsAnswer{}, errSelfPlay
	}
	return s.report(r, time.Now())
}

// WorkerStatuses is every live worker and its teams; nil when the board
// plays alone.
func (b *Board) WorkerStatuses() []WorkerStatus {
	s, ok := b.src.(*leased)
	if !ok {
		return nil
	}
	return s.statuses(time.Now())
}
