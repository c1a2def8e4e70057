package game

import (
	"math"
	"time"
)

// DueAt is the game time at which request n (from 0) is due: once the
// scenario has sent n requests. Speed compresses the game's phases in
// time while the rates stay per real second, so a compressed game sends
// 1/speed of the requests and request n stands for n x speed of the real
// game's.
func (s Scenario) DueAt(n uint64, speed float64) time.Duration {
	return s.TimeOf(float64(n) * speed)
}

// Requests is how many requests the whole scenario sends at speed.
func (s Scenario) Requests(speed float64) uint64 {
	return uint64(math.Ceil(s.Expected(s.Length()) / speed))
}

// Compressed is the game clock of a game that never pauses: elapsed real
// time times the speed.
func Compressed(speed float64) func(time.Duration) time.Duration {
	return func(elapsed time.Duration) time.Duration { return time.Duration(float64(elapsed) * speed) }
}

// Pacer sends the scenario's requests on schedule, whatever the answers
// do (an open loop: a slow endpoint does not slow the customers down):
// request n goes when the game clock reaches DueAt(n). Play's clock is the
// time since the start; the board's can pause.
type Pacer struct {
	Scenario Scenario
	Speed    float64
	// Base is the number of requests sent before this run (those of a
	// resumed game's stored minutes).
	Base uint64
	// Now is the game time when the attack has run for elapsed. Wait, if
	// set, blocks while the game is paused and returns false once it is over.
	Now  func(elapsed time.Duration) time.Duration
	Wait func() bool
}

// Pace says how long to wait before request Base+hits; stop at the end.
func (p Pacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	n := p.Base + hits
	if n >= p.Scenario.Requests(p.Speed) || (p.Wait != nil && !p.Wait()) {
		return 0, true
	}
	// The attacker sends a request whenever a wait ends, so the wait must
	// end when it is due, across rate changes.
	if now, due := p.Now(elapsed), p.Scenario.DueAt(n, p.Speed); now < due {
		return time.Duration(float64(due-now) / p.Speed), false
	}
	return 0, false
}

// Rate is the requests per second due now.
func (p Pacer) Rate(elapsed time.Duration) float64 {
	_, _, rate := p.Scenario.At(p.Now(elapsed))
	return rate
}
