package config

import (
	"fmt"
	"time"
)

// ChaosSchedule starts the monkey's experiments at intervals during the
// game window. Off by default.
type ChaosSchedule struct {
	Enabled  bool          // context "chaosSchedule" (on/off)
	Interval time.Duration // context "chaosInterval", default 20m, at least 5m
	Start    time.Time     // context "chaosStart", RFC 3339; required when enabled
	Duration time.Duration // context "chaosDuration", default 4h
}

// Runs are the start times of one experiment on the monkey's clock: every
// Interval from Start plus offset, until Start plus Duration.
//
// FirstRun is the first of them not before now, so that a schedule
// created during the game starts in the future: EventBridge Scheduler
// rejects a StartDate more than five minutes in the past (CreateSchedule,
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html).
// ok is false when the window has ended.
func (c ChaosSchedule) FirstRun(offset time.Duration, now time.Time) (first time.Time, ok bool) {
	first = c.Start.Add(offset)
	if now.After(first) {
		steps := (now.Sub(first) + c.Interval - 1) / c.Interval
		first = first.Add(steps * c.Interval)
	}
	return first, first.Before(c.End())
}

// End is when the monkey stops.
func (c ChaosSchedule) End() time.Time { return c.Start.Add(c.Duration) }

// CheckAt says whether a schedule deployed at now can still run: an
// enabled schedule whose window has ended is an error naming the fix.
func (c ChaosSchedule) CheckAt(now time.Time) error {
	if !c.Enabled || now.Before(c.End()) {
		return nil
	}
	return fmt.Errorf("context chaosStart %s with chaosDuration %s: the monkey's window ended at %s; give this game's start, or chaosSchedule=off",
		c.Start.UTC().Format(time.RFC3339), c.Duration, c.End().UTC().Format(time.RFC3339))
}
