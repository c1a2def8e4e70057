package board

import (
	"fmt"
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
	Lease game.Duration `json:"lease"`
	Renew game.Duration `json:"renew"`
	// Setup is the game the board plays.
	game.Setup
	Teams []LeasedTeam `json:"teams"`
}

// LeasedTeam is a team a worker plays, from game time From.
type LeasedTeam struct {
	Name     string `json:"name"`
	Endpoint string `json:"endpoint"`
	// AnswerKey is what the worker checks the team's answers with.
	AnswerKey string        `json:"answer_key"`
	From      game.Duration `json:"from"`
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
	// Error sums the refusals up when there are any: the board then
	// answers 422, having kept the accepted ones.
	Error string `json:"error,omitempty"`
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
