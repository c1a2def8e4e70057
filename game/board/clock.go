package board

import (
	"sync"
	"time"
)

// State is where the game is.
type State string

// The game's states.
const (
	Paused  State = "paused"
	Running State = "running"
	Ended   State = "ended"
)

// clock is the game's time, shared by every team so that each is sent the
// same load at the same moment. It runs Speed times faster than real time,
// stands still while the game is paused, and stops at the game's length.
type clock struct {
	mu      sync.Mutex
	speed   float64
	length  time.Duration
	at      time.Duration // game time when the clock last started or stopped
	since   time.Time     // real time when it last started
	state   State
	changed chan struct{} // closed and replaced on every change of state
}

func newClock(speed float64, length, at time.Duration, state State) *clock {
	return &clock{speed: speed, length: length, at: at, since: time.Now(), state: state, changed: make(chan struct{})}
}

// Now is the game time and the state.
func (c *clock) Now() (time.Duration, State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now(), c.state
}

func (c *clock) now() time.Duration {
	if c.state != Running {
		return c.at
	}
	return min(c.at+time.Duration(float64(time.Since(c.since))*c.speed), c.length)
}

// Changed is closed at the next change of state.
func (c *clock) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// Start starts the clock from where it stands, if the game is running,
// and returns that game time: the game's time passes only while its
// requests are being sent.
func (c *clock) Start() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.since = time.Now()
	return c.at
}

// Set moves the game to state s and reports whether it changed. An ended
// game stays ended.
func (c *clock) Set(s State) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == s || c.state == Ended {
		return false
	}
	c.at = c.now()
	c.since = time.Now()
	c.state = s
	close(c.changed)
	c.changed = make(chan struct{})
	return true
}
