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

// leases are the rules of a board with workers: who plays which team,
// which reports are kept, when a minute can be scored. They know nothing
// of the board, its clock or its store: every call is given the time and
// the game time, so each rule is tested on its own. Not safe for
// concurrent use; leased guards them.
type leases struct {
	Workers
	run     string               // this board process: a worker seeing another starts afresh
	seen    map[string]time.Time // worker → when the board last heard from it: the live workers
	started time.Time            // when the game started running with its clock held
	ended   map[int]time.Time    // minute → when the board saw it end
	minutes int                  // the game's minutes
	// closedBelow is the first minute not yet taken: reports for the
	// minutes below it come too late.
	closedBelow int
	teams       []*teamLease // in the board's order
}

// teamLease is one team's holder and reports.
type teamLease struct {
	name     string
	holder   string
	heldFrom time.Duration // game time the holder plays the team from
	everHeld bool
	silent   string // the last holder that renewed its lease but reported nothing
	reports  map[int]game.Scored
	missing  map[int]string
}

// newLeases shares teams, a game of minutes whose first closedBelow are
// scored already, among workers.
func newLeases(w Workers, teams []string, minutes, closedBelow int) (*leases, error) {
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
	l := &leases{Workers: w, run: hex.EncodeToString(id), seen: map[string]time.Time{}, ended: map[int]time.Time{}, minutes: minutes, closedBelow: closedBelow}
	for _, name := range teams {
		l.teams = append(l.teams, &teamLease{name: name, reports: map[int]game.Scored{}, missing: map[int]string{}})
	}
	return l, nil
}

// heard records word from a worker it knows: a report renews a lease too.
func (l *leases) heard(worker string, now time.Time) {
	if _, ok := l.seen[worker]; ok {
		l.seen[worker] = now
	}
}

// expire frees the teams of workers not heard from for the lease: every
// worker left in seen is live. It returns what the room should hear.
func (l *leases) expire(now time.Time, g time.Duration) []string {
	var notes []string
	for id, heard := range l.seen {
		if now.Sub(heard) <= l.Lease {
			continue
		}
		delete(l.seen, id)
		var freed []string
		for _, t := range l.teams {
			if t.holder == id {
				t.holder = ""
				freed = append(freed, t.name)
			}
		}
		if len(freed) > 0 {
			notes = append(notes, fmt.Sprintf("worker %s lost at %s (no word for %s): %s wait for another worker", id, g.Round(time.Second), l.Lease, strings.Join(freed, ", ")))
		}
	}
	return notes
}

// renew is a worker's lease request at game time g: it renews the
// worker's lease and gives it unheld teams up to its share. running says
// the game's clock runs (started and not held). The share is the teams
// over the expected workers while the game waits for them, over the live
// ones once it runs, and over the live ones at once for a lost worker's
// teams.
func (l *leases) renew(worker string, now time.Time, g time.Duration, running bool) []string {
	notes := l.expire(now, g)
	l.seen[worker] = now
	live, held := len(l.seen), 0
	lost := false
	quiet := map[string]bool{} // live workers that went silent on a team: it goes to the others
	for _, t := range l.teams {
		if t.holder == worker {
			held++
		}
		lost = lost || t.holder == "" && t.everHeld
		if _, ok := l.seen[t.silent]; ok && t.holder == "" {
			quiet[t.silent] = true
		}
	}
	among := max(live, l.Expected)
	if lost || running {
		among = max(live-len(quiet), 1)
	}
	share := (len(l.teams) + among - 1) / among
	var taken []string
	for _, t := range l.teams {
		if held >= share {
			break
		}
		if t.holder != "" || t.silent == worker && live > 1 {
			continue // a worker that went silent on a team gets it back only alone
		}
		held++
		t.holder, t.heldFrom = worker, g
		// The part of this minute before g was played by a lost worker,
		// or by nobody: its answers are not here.
		if m := int(g / time.Minute); g > time.Duration(m)*time.Minute && m < l.minutes {
			why := fmt.Sprintf("played from %s only", g.Round(time.Second))
			if t.everHeld {
				why = fmt.Sprintf("worker lost; %s took the team over at %s", worker, g.Round(time.Second))
			}
			t.missing[m] = why
		}
		if t.everHeld {
			taken = append(taken, t.name)
		}
		t.everHeld = true
	}
	if len(taken) > 0 {
		notes = append(notes, fmt.Sprintf("worker %s took over %s at %s", worker, strings.Join(taken, ", "), g.Round(time.Second)))
	}
	return notes
}

// held is the teams worker holds.
func (l *leases) held(worker string) []*teamLease {
	var out []*teamLease
	for _, t := range l.teams {
		if t.holder == worker {
			out = append(out, t)
		}
	}
	return out
}

// report keeps a team's minute from worker, or says why not: each team's
// minute once, from the worker that holds the team, while the minute is
// open.
func (l *leases) report(worker string, r MinuteReport) (refused string) {
	i := slices.IndexFunc(l.teams, func(t *teamLease) bool { return t.name == r.Team })
	if i < 0 {
		return fmt.Sprintf("team %q: not in the game", r.Team)
	}
	t := l.teams[i]
	switch _, reported := t.reports[r.Minute]; {
	case r.Minute < l.closedBelow || r.Minute >= l.minutes:
		return fmt.Sprintf("team %s minute %d: closed", r.Team, r.Minute)
	case t.holder != worker:
		return fmt.Sprintf("team %s: not leased to %s", r.Team, worker)
	case r.Minute < int(t.heldFrom/time.Minute):
		return fmt.Sprintf("team %s minute %d: before %s's lease", r.Team, r.Minute, worker)
	case reported:
		return fmt.Sprintf("team %s minute %d: already reported; a minute is scored once", r.Team, r.Minute)
	}
	t.reports[r.Minute] = r.Scored
	return ""
}

// in says whether minute m can be scored at now: every team's report is
// in, or the grace after its end, which it notes the first time it is
// asked, has passed. Past the grace, a live worker that held a team
// through the minute and reported nothing of it loses the team to the
// others: a lease must make progress, not only be renewed. The notes say
// so for the room.
func (l *leases) in(m int, now time.Time) (bool, []string) {
	if !slices.ContainsFunc(l.teams, func(t *teamLease) bool { _, ok := t.reports[m]; return !ok }) {
		return true, nil
	}
	ended, ok := l.ended[m]
	if !ok {
		l.ended[m] = now
		return false, nil
	}
	if now.Sub(ended) < l.Grace {
		return false, nil
	}
	var notes []string
	for _, t := range l.teams {
		_, reported := t.reports[m]
		_, live := l.seen[t.holder]
		if reported || t.holder == "" || !live || t.heldFrom >= time.Duration(m+1)*time.Minute {
			continue
		}
		notes = append(notes, fmt.Sprintf("worker %s renews its lease but reported nothing of %s's minute %d within %s: the team goes to another worker", t.holder, t.name, m, l.Grace))
		t.silent, t.holder = t.holder, ""
	}
	return true, notes
}

// take closes minute m: each team's report, and what of it is missing.
func (l *leases) take(m int) []taken {
	out := make([]taken, len(l.teams))
	for i, t := range l.teams {
		s, ok := t.reports[m]
		missing := t.missing[m]
		delete(t.reports, m)
		delete(t.missing, m)
		if !ok {
			missing = cmp.Or(missing, "no worker reported the minute")
		}
		out[i] = taken{s, missing}
	}
	delete(l.ended, m)
	l.closedBelow = max(l.closedBelow, m+1)
	return out
}

// release says whether a held clock should run now: every team is
// leased (all), or a lease has passed since the game started running
// (the missing workers are late: the others take their teams, which
// start then). running says the game's state is running, held or not.
func (l *leases) release(now time.Time, running bool) (run, all bool) {
	if !running {
		l.started = time.Time{} // waiting for the start, not for workers
	} else if l.started.IsZero() {
		l.started = now
	}
	all = !slices.ContainsFunc(l.teams, func(t *teamLease) bool { return t.holder == "" })
	late := !l.started.IsZero() && now.Sub(l.started) > l.Lease
	return all || late, all
}

// statuses is every live worker and its teams, by name.
func (l *leases) statuses(now time.Time) []WorkerStatus {
	var out []WorkerStatus
	for id, heard := range l.seen {
		s := WorkerStatus{Worker: id, Heard: now.Sub(heard).Round(time.Millisecond).String(), Teams: []string{}}
		for _, t := range l.held(id) {
			s.Teams = append(s.Teams, t.name)
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b WorkerStatus) int { return strings.Compare(a.Worker, b.Worker) })
	return out
}
