package board

import (
	"strings"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// The lease rules, alone: no board, no clock, no store; every call given
// its time and game time.
func newTestLeases(t *testing.T, teams int) *leases {
	t.Helper()
	var names []string
	for i := range teams {
		names = append(names, string(rune('a'+i)))
	}
	l, err := newLeases(Workers{Expected: 3, Lease: 15 * time.Second, Grace: 5 * time.Second}, names, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func heldBy(l *leases, worker string) string {
	var s string
	for _, t := range l.held(worker) {
		s += t.name
	}
	return s
}

func TestLeasesShareTheTeamsAmongTheExpectedWorkersWhileTheGameWaits(t *testing.T) {
	l := newTestLeases(t, 7)
	now := time.Now()
	for _, w := range []string{"w1", "w2", "w3"} {
		l.renew(w, now, 0, false)
	}
	if got := heldBy(l, "w1") + "|" + heldBy(l, "w2") + "|" + heldBy(l, "w3"); got != "abc|def|g" {
		t.Errorf("shares %s, want abc|def|g: 7 teams over 3 expected workers, in turn", got)
	}
	// Once the game runs, a lone worker's share is every team left.
	l = newTestLeases(t, 7)
	l.renew("w1", now, 0, true)
	if got := heldBy(l, "w1"); got != "abcdefg" {
		t.Errorf("a lone worker of a running game holds %s, want every team", got)
	}
}

func TestALostWorkersTeamsGoToTheNextWorkerAtOnceWithTheMinuteMarked(t *testing.T) {
	l := newTestLeases(t, 4)
	start := time.Now()
	l.renew("w1", start, 0, false)
	l.renew("w2", start, 0, false)
	// Before the start, each takes its share of the expected workers.
	if heldBy(l, "w1") != "ab" || heldBy(l, "w2") != "cd" {
		t.Fatalf("shares %s and %s", heldBy(l, "w1"), heldBy(l, "w2"))
	}
	l.heard("w2", start.Add(10*time.Second)) // a report: w2 is alive
	later := start.Add(16 * time.Second)
	notes := l.renew("w2", later, 3*time.Minute+30*time.Second, true)
	if got := heldBy(l, "w2"); got != "abcd" {
		t.Errorf("after w1's lease ran out w2 holds %s, want every team at once", got)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], "worker w1 lost at 3m30s") || !strings.Contains(notes[1], "worker w2 took over a, b at 3m30s") {
		t.Errorf("notes %q", notes)
	}
	closed := l.take(3)
	if closed[0].missing != "worker lost; w2 took the team over at 3m30s" || closed[2].missing != "no worker reported the minute" {
		t.Errorf("minute 3: %+v", closed)
	}
	if s := l.statuses(later); len(s) != 1 || s[0].Worker != "w2" || len(s[0].Teams) != 4 {
		t.Errorf("statuses %+v, want w2 alone with the four teams", s)
	}
}

func TestAReportIsKeptOnceFromItsHolderWhileTheMinuteIsOpen(t *testing.T) {
	l := newTestLeases(t, 2)
	now := time.Now()
	l.renew("w1", now, 2*time.Minute, true) // holds a and b from minute 2
	ok := game.Scored{Points: 10}
	for _, c := range []struct {
		worker string
		report MinuteReport
		want   string
	}{
		{"w1", MinuteReport{Team: "a", Minute: 2, Scored: ok}, ""},
		{"w1", MinuteReport{Team: "a", Minute: 2, Scored: ok}, "already reported"},
		{"w2", MinuteReport{Team: "b", Minute: 2, Scored: ok}, "not leased to w2"},
		{"w1", MinuteReport{Team: "z", Minute: 2}, `team "z": not in the game`},
		{"w1", MinuteReport{Team: "b", Minute: 1}, "before w1's lease"},
		{"w1", MinuteReport{Team: "b", Minute: 10}, "closed"},
	} {
		if got := l.report(c.worker, c.report); c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s reports %+v: %q, want %q", c.worker, c.report, got, c.want)
		}
	}
	if ready, _ := l.in(2, now); ready {
		t.Error("minute 2 ready with b's report missing and no grace passed")
	}
	if ready, _ := l.in(2, now.Add(5*time.Second)); !ready {
		t.Error("minute 2 not ready once the grace passed")
	}
	if got := l.take(2); got[0].scored.Points != 10 || got[0].missing != "" || got[1].missing != "no worker reported the minute" {
		t.Errorf("minute 2 taken as %+v", got)
	}
	if got := l.report("w1", MinuteReport{Team: "b", Minute: 2}); !strings.Contains(got, "closed") {
		t.Errorf("a report for a taken minute: %q, want it closed", got)
	}
	l.renew("w1", now, 3*time.Minute, true) // b went to another worker; w1 takes it back, alone
	if ready, _ := l.in(3, now); ready || l.report("w1", MinuteReport{Team: "a", Minute: 3}) != "" || l.report("w1", MinuteReport{Team: "b", Minute: 3}) != "" {
		t.Error("minute 3 ready before its reports, or refused from its holder")
	}
	if ready, _ := l.in(3, now); !ready {
		t.Error("minute 3 with every report in is not ready at once")
	}
}

func TestAHeldClockRunsOnceEveryTeamIsLeasedOrALeaseAfterTheStart(t *testing.T) {
	l := newTestLeases(t, 4)
	now := time.Now()
	if run, _ := l.release(now, false); run {
		t.Error("a paused game's clock released")
	}
	l.renew("w1", now, 0, false)
	if run, _ := l.release(now, true); run {
		t.Error("released with two teams unleased, at the start")
	}
	if run, all := l.release(now.Add(16*time.Second), true); !run || all {
		t.Errorf("a lease after the start: run %v, all %v; want the clock run without every team", run, all)
	}
	l.renew("w2", now, 0, false)
	if run, all := l.release(now, true); !run || !all {
		t.Errorf("every team leased: run %v, all %v", run, all)
	}
}

// A worker that renews its lease but never reports keeps no team past a
// minute's grace: the team goes to a worker that reports, with a note.
func TestASilentWorkerLosesItsTeamsToOneThatReports(t *testing.T) {
	l, err := newLeases(Workers{Expected: 2, Lease: time.Hour, Grace: 5 * time.Second}, []string{"a", "b"}, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	l.renew("silent", now, 0, false)
	l.renew("busy", now, 0, false)
	if heldBy(l, "silent") != "a" || heldBy(l, "busy") != "b" {
		t.Fatalf("shares %q and %q", heldBy(l, "silent"), heldBy(l, "busy"))
	}
	if l.report("busy", MinuteReport{Team: "b", Minute: 0}) != "" {
		t.Fatal("busy's report refused")
	}
	l.in(0, now.Add(time.Minute))
	l.renew("silent", now.Add(time.Minute+time.Second), time.Minute, true) // it renews: it is live
	ready, notes := l.in(0, now.Add(time.Minute+5*time.Second))
	if !ready || len(notes) != 1 || !strings.Contains(notes[0], "worker silent renews its lease but reported nothing of a's minute 0") {
		t.Fatalf("past the grace: ready %v, notes %q", ready, notes)
	}
	l.renew("silent", now.Add(time.Minute+6*time.Second), time.Minute+6*time.Second, true)
	l.renew("busy", now.Add(time.Minute+6*time.Second), time.Minute+6*time.Second, true)
	if heldBy(l, "busy") != "ab" || heldBy(l, "silent") != "" {
		t.Errorf("after the grace busy holds %q and silent %q; want busy to hold both", heldBy(l, "busy"), heldBy(l, "silent"))
	}
}
