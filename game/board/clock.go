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
	mu     sync.Mutex
	speed  float64
	length time.Duration
	at     time.Duration // game time when the clock last started or stopped
	since  time.Time     // real time when it last started
	state  State
	// held stops a running clock without pausing the game: a board with
	// workers is opened held, until they have leased every team.
	held    bool
	changed chan struct{} // closed and replaced on every change of state
}

func newClock(speed float64, length, at time.Duration, state State) *clock {
	return &clock{speed: speed, length: length, at: at, since: time.Now(), state: state, changed: make(chan struct{})}
}

// Now is the game time and the state; a held clock is paused.
func (c *clock) Now() (time.Duration, State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held && c.state == Running {
		return c.at, Paused
	}
	return c.now(), c.state
}

func (c *clock) now() time.Duration {
	if c.state != Running || c.held {
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
	c.bump()
	return true
}

// bump tells the waiters of a change; c.mu must be held.
func (c *clock) bump() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// status is the game's state, whether or not the clock is held, and
// whether it is.
func (c *clock) status() (State, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state, c.held
}

// Release runs a held clock again.
func (c *clock) Release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held {
		c.held, c.since = false, time.Now()
		c.bump()
	}
}

// Sync sets a worker's copy of the clock to the board's reading.
func (c *clock) Sync(at time.Duration, s State) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.since = min(at, c.length), time.Now()
	if c.state != s {
		c.state = s
		c.bump()
	}
}

// waitRunning blocks while the game is paused; false when it is over or
// stop is closed.
func (c *clock) waitRunning(stop <-chan struct{}) bool {
	for {
		changed := c.Changed()
		_, state := c.Now()
		switch state {
		case Running:
			return true
		case Ended:
			return false
		}
		select {
		case <-changed:
		case <-stop:
			return false
		}
	}
}
