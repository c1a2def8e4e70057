package board

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// Workers makes the board the scorer of remote workers rather than the
// player of every team: each worker leases a share of the teams, plays
// them and reports every minute; the board scores, ranks and stores as
// before. The lease is what hands a lost worker's teams to another.
type Workers struct {
	// Expected is how many workers the board shares the teams among
	// before any is late; default 1.
	Expected int
	// Lease is how long a worker keeps its teams without word: after it,
	// they go to the next worker that asks. Default DefaultLease.
	Lease time.Duration
	// Grace is how long after a minute ends the board waits for its
	// reports before scoring it with what came, the rest marked missing.
	// Default: the lease.
	Grace time.Duration
}

// DefaultLease hands a lost worker's teams over within 20 seconds: the
// lease and a third of it, the interval at which workers renew.
const DefaultLease = 15 * time.Second

// workerPool is the board's side of its workers; guarded by Board.mu.
type workerPool struct {
	Workers
	run     string               // this board process: a worker seeing another starts afresh
	seen    map[string]time.Time // worker → when the board last heard from it
	started time.Time            // when the game started running with its clock held
	ended   map[int]time.Time    // minute → when the board saw it end
}

func newWorkerPool(w Workers) (*workerPool, error) {
	if w.Expected <= 0 {
		w.Expected = 1
	}
	if w.Lease <= 0 {
		w.Lease = DefaultLease
	}
	if w.Grace <= 0 {
		w.Grace = w.Lease
	}
	id := make([]byte, 8)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return &workerPool{Workers: w, run: hex.EncodeToString(id), seen: map[string]time.Time{}, ended: map[int]time.Time{}}, nil
}

// workerSide is a team's lease and reports; guarded by Board.mu.
type workerSide struct {
	holder   string
	heldFrom time.Duration // game time the holder plays the team from
	everHeld bool
	reports  map[int]game.Scored
	missing  map[int]string
}

// Lease is a worker's teams and the game it plays them in: the answer to
// every lease request, which is also the worker's heartbeat.
type Lease struct {
	// Run identifies the board process: a new one has no memory of the
	// old one's leases.
	Run      string        `json:"run"`
	State    State         `json:"state"`
	GameTime game.Duration `json:"game_time"`
	// Lease is how long the teams are the worker's without word; Renew
	// how often it should ask again.
	Lease    game.Duration `json:"lease"`
	Renew    game.Duration `json:"renew"`
	Scenario game.Scenario `json:"scenario"`
	Rules    game.Rules    `json:"rules"`
	Speed    float64       `json:"speed"`
	Seed     uint64        `json:"seed"`
	Teams    []LeasedTeam  `json:"teams"`
}

// LeasedTeam is a team a worker plays, from game time From.
type LeasedTeam struct {
	Name     string        `json:"name"`
	Endpoint string        `json:"endpoint"`
	From     game.Duration `json:"from"`
}

// MinuteReport is one team's minute as its worker scored it.
type MinuteReport struct {
	Team   string      `json:"team"`
	Minute int         `json:"minute"`
	Scored game.Scored `json:"scored"`
}

// Reports is a worker's minutes, sent together.
type Reports struct {
	Worker  string         `json:"worker"`
	Minutes []MinuteReport `json:"minutes"`
}

// ReportsAnswer says which reports the board kept; a refused one is not
// sent again.
type ReportsAnswer struct {
	Accepted int      `json:"accepted"`
	Refused  []string `json:"refused,omitempty"`
}

// WorkerStatus is a worker as the board sees it.
type WorkerStatus struct {
	Worker string   `json:"worker"`
	Heard  string   `json:"heard"` // how long ago
	Teams  []string `json:"teams"`
}

// checkWorkerID accepts a short printable name: it goes into events.
func checkWorkerID(id string) error {
	if id == "" || len(id) > 64 || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return fmt.Errorf("worker %q: want 1 to 64 printable ASCII characters, no spaces", id)
	}
	return nil
}

// Lease renews worker's lease and gives it its share of the teams no
// live worker holds. The teams of workers not heard from for the lease
// are free again first.
func (b *Board) Lease(worker string) (Lease, error) {
	if b.workers == nil {
		return Lease{}, fmt.Errorf("this board plays the teams itself: start it with --workers to share them")
	}
	if err := checkWorkerID(worker); err != nil {
		return Lease{}, err
	}
	now := time.Now()
	g, state := b.clock.Now()
	b.mu.Lock()
	wp := b.workers
	notes := b.expireLocked(now, g)
	wp.seen[worker] = now
	if state != Ended {
		notes = append(notes, b.shareLocked(worker, g)...)
	}
	l := Lease{
		Run: wp.run, State: state, GameTime: game.Duration(g), Lease: game.Duration(wp.Lease), Renew: game.Duration(wp.Lease / 3),
		Scenario: b.meta.Scenario, Rules: b.meta.Rules, Speed: b.meta.Speed, Seed: b.meta.Seed,
	}
	for _, t := range b.teams {
		if t.w.holder == worker {
			l.Teams = append(l.Teams, LeasedTeam{Name: t.name, Endpoint: t.target.Load().String(), From: game.Duration(t.w.heldFrom)})
		}
	}
	b.mu.Unlock()
	for _, n := range notes {
		b.note("", "game", n)
	}
	return l, nil
}

// expireLocked frees the teams of workers not heard from for the lease:
// every worker left in seen is live.
func (b *Board) expireLocked(now time.Time, g time.Duration) []string {
	wp := b.workers
	var notes []string
	for id, heard := range wp.seen {
		if now.Sub(heard) <= wp.Lease {
			continue
		}
		delete(wp.seen, id)
		var freed []string
		for _, t := range b.teams {
			if t.w.holder == id {
				t.w.holder = ""
				freed = append(freed, t.name)
			}
		}
		if len(freed) > 0 {
			notes = append(notes, fmt.Sprintf("worker %s lost at %s (no word for %s): %s wait for another worker", id, g.Round(time.Second), wp.Lease, strings.Join(freed, ", ")))
		}
	}
	return notes
}

// shareLocked gives worker unheld teams up to its share: the teams over
// the expected workers while the game waits for them (paused, or its
// clock held), over the live ones once it runs, and over the live ones at
// once for a lost worker's teams.
func (b *Board) shareLocked(worker string, g time.Duration) []string {
	wp := b.workers
	live, held := len(wp.seen), 0 // expireLocked has just run
	lost := false
	for _, t := range b.teams {
		if t.w.holder == worker {
			held++
		}
		lost = lost || t.w.holder == "" && t.w.everHeld
	}
	among := max(live, wp.Expected)
	if lost || b.meta.State == Running && !b.clock.isHeld() {
		among = live
	}
	share := (len(b.teams) + among - 1) / among
	var notes []string
	var taken []string
	for _, t := range b.teams {
		if held >= share {
			break
		}
		if t.w.holder != "" {
			continue
		}
		held++
		t.w.holder, t.w.heldFrom = worker, g
		// The part of this minute before g was played by a lost worker,
		// or by nobody: its answers are not here.
		if m := int(g / time.Minute); g > time.Duration(m)*time.Minute && m < b.minutes {
			why := fmt.Sprintf("played from %s only", g.Round(time.Second))
			if t.w.everHeld {
				why = fmt.Sprintf("worker lost; %s took the team over at %s", worker, g.Round(time.Second))
			}
			t.w.missing[m] = why
		}
		if t.w.everHeld {
			taken = append(taken, t.name)
		}
		t.w.everHeld = true
	}
	if len(taken) > 0 {
		notes = append(notes, fmt.Sprintf("worker %s took over %s at %s", worker, strings.Join(taken, ", "), g.Round(time.Second)))
	}
	return notes
}

// Report keeps a worker's minutes: each team's minute once, from the
// worker that holds the team, while the minute is open.
func (b *Board) Report(r Reports) (ReportsAnswer, error) {
	if b.workers == nil {
		return ReportsAnswer{}, fmt.Errorf("this board plays the teams itself: start it with --workers to share them")
	}
	if err := checkWorkerID(r.Worker); err != nil {
		return ReportsAnswer{}, err
	}
	now := time.Now()
	var a ReportsAnswer
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.workers.seen[r.Worker]; ok {
		b.workers.seen[r.Worker] = now
	}
	open := b.closed
	if b.pending != nil {
		open = b.pending.minute + 1
	}
	for _, m := range r.Minutes {
		t, ok := b.byName[m.Team]
		var why string
		switch {
		case !ok:
			why = fmt.Sprintf("team %q: not in the game", m.Team)
		case t.w.holder != r.Worker:
			why = fmt.Sprintf("team %s: not leased to %s", m.Team, r.Worker)
		case m.Minute < open || m.Minute >= b.minutes:
			why = fmt.Sprintf("team %s minute %d: closed", m.Team, m.Minute)
		case m.Minute < int(t.w.heldFrom/time.Minute):
			why = fmt.Sprintf("team %s minute %d: before %s's lease", m.Team, m.Minute, r.Worker)
		case t.w.has(m.Minute):
			why = fmt.Sprintf("team %s minute %d: already reported; a minute is scored once", m.Team, m.Minute)
		}
		if why != "" {
			a.Refused = append(a.Refused, why)
			continue
		}
		t.w.reports[m.Minute] = m.Scored
		a.Accepted++
	}
	return a, nil
}

func (w *workerSide) has(m int) bool {
	_, ok := w.reports[m]
	return ok
}

// reported is the minute m a team's worker reported, and what of it is
// missing; Board.mu must be held.
func (t *team) reported(m int) (game.Scored, string) {
	s, ok := t.w.reports[m]
	missing := t.w.missing[m]
	delete(t.w.reports, m)
	delete(t.w.missing, m)
	if !ok {
		return s, cmp.Or(missing, "no worker reported the minute")
	}
	return s, missing
}

// reportsIn says whether minute m can be scored: every team's report is
// in, or the grace after its end has passed.
func (b *Board) reportsIn(m int, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	wp := b.workers
	if !slices.ContainsFunc(b.teams, func(t *team) bool { _, ok := t.w.reports[m]; return !ok }) {
		return true
	}
	ended, ok := wp.ended[m]
	if !ok {
		wp.ended[m] = now
		return false
	}
	return now.Sub(ended) >= wp.Grace
}

// releaseWhenLeased runs the held clock once every team is leased, or a
// lease after the game started running (the missing workers are late: the
// others take their teams, which start then).
func (b *Board) releaseWhenLeased(now time.Time) {
	b.mu.Lock()
	wp := b.workers
	if b.meta.State != Running {
		wp.started = time.Time{} // waiting for the start, not for workers
	} else if wp.started.IsZero() {
		wp.started = now
	}
	all := !slices.ContainsFunc(b.teams, func(t *team) bool { return t.w.holder == "" })
	late := !wp.started.IsZero() && now.Sub(wp.started) > wp.Lease
	n := len(wp.seen)
	b.mu.Unlock()
	if (all || late) && b.clock.isHeld() {
		b.clock.Release()
		if all {
			b.note("", "game", fmt.Sprintf("every team is leased to %d workers: the clock runs", n))
		} else {
			b.note("", "game", fmt.Sprintf("no worker came for some teams within %s of the start: the clock runs, and the workers here take them", wp.Lease))
		}
	}
}

// expireWorkers frees the teams of workers not heard from for the lease,
// even when no other worker asks.
func (b *Board) expireWorkers() {
	g, _ := b.clock.Now()
	b.mu.Lock()
	notes := b.expireLocked(time.Now(), g)
	b.mu.Unlock()
	for _, n := range notes {
		b.note("", "game", n)
	}
}

// WorkerStatuses is every live worker and its teams.
func (b *Board) WorkerStatuses() []WorkerStatus {
	if b.workers == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []WorkerStatus
	for id, heard := range b.workers.seen {
		s := WorkerStatus{Worker: id, Heard: time.Since(heard).Round(time.Millisecond).String(), Teams: []string{}}
		for _, t := range b.teams {
			if t.w.holder == id {
				s.Teams = append(s.Teams, t.name)
			}
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b WorkerStatus) int { return strings.Compare(a.Worker, b.Worker) })
	return out
}
