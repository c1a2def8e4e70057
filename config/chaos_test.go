package config

import (
	"strings"
	"testing"
	"time"
)

func TestTheMonkeysFirstRunIsNeverInThePast(t *testing.T) {
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	c := ChaosSchedule{Enabled: true, Start: start, Interval: 20 * time.Minute, Duration: 4 * time.Hour}
	for _, tc := range []struct {
		now    time.Time
		offset time.Duration
		want   time.Time
		ok     bool
	}{
		{start.Add(-time.Hour), 0, start, true},                                                   // deployed the day before: the game's start
		{start.Add(-time.Hour), 10 * time.Minute, start.Add(10 * time.Minute), true},              // the second experiment, half an interval later
		{start.Add(45 * time.Minute), 0, start.Add(time.Hour), true},                              // deployed mid-game: the next run
		{start.Add(time.Hour), 0, start.Add(time.Hour), true},                                     // exactly on a run
		{start.Add(4*time.Hour + time.Second), 0, start.Add(4*time.Hour + 20*time.Minute), false}, // after the game
	} {
		got, ok := c.FirstRun(tc.offset, tc.now)
		if !got.Equal(tc.want) || ok != tc.ok || (ok && got.Before(tc.now)) {
			t.Errorf("now %s offset %s: first run %s (%v), want %s (%v)", tc.now, tc.offset, got, ok, tc.want, tc.ok)
		}
	}
	if err := c.CheckAt(start.Add(5 * time.Hour)); err == nil || !strings.Contains(err.Error(), "window ended at 2026-12-03T13:00:00Z") {
		t.Errorf("deploying after the window: %v", err)
	}
	if err := c.CheckAt(start.Add(time.Hour)); err != nil {
		t.Errorf("deploying mid-game: %v", err)
	}
}
