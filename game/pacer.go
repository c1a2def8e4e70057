package game

import "time"

// pacer sends the scenario's requests on schedule, whatever the answers do
// (an open loop: a slow endpoint does not slow the customers down). Speed
// compresses the game's phases in time; the rates stay per real second, so
// each second of a compressed game loads the endpoint as the real one would.
type pacer struct {
	scenario Scenario
	speed    float64
}

// gameTime is how far into the game a real elapsed time is.
func (p pacer) gameTime(elapsed time.Duration) time.Duration {
	return time.Duration(float64(elapsed) * p.speed)
}

// Rate is the requests per second due at elapsed.
func (p pacer) Rate(elapsed time.Duration) float64 {
	_, _, rate := p.scenario.At(p.gameTime(elapsed))
	return rate
}

// Pace says how long to wait before the next request, given how many were
// sent: none while the schedule is ahead of them.
func (p pacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if p.gameTime(elapsed) >= p.scenario.Length() {
		return 0, true
	}
	now := p.gameTime(elapsed)
	if float64(hits) < p.scenario.Expected(now)/p.speed {
		return 0, false
	}
	// The attacker sends the next request when the wait is over, so the
	// wait must end exactly when it is due, across rate changes.
	next := p.scenario.TimeOf(float64(hits+1) * p.speed)
	return time.Duration(float64(next-now) / p.speed), false
}
