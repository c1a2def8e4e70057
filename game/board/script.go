package board

import (
	"context"
	"fmt"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// Monkey starts and follows chaos experiments in teams' accounts.
// game/accounts implements it with AWS FIS, so the board calls no AWS API.
type Monkey interface {
	// Start starts the experiment in the account reached through role, on
	// what runs at this moment in the VPC of the team's stack (empty: the
	// default one), and returns its ID.
	Start(ctx context.Context, role, stack string, c game.Chaos) (id string, err error)
	// State is the experiment's state (running, completed, failed...) and,
	// once it is over, done.
	State(ctx context.Context, role, stack, id string) (state string, done bool, err error)
}

// scriptKind marks the board events that are the scenario's script: how
// many are stored says how far a resumed game's script got.
const scriptKind = "script"

// fireEvents fires the script's events that came due by game time g, each
// once: a paused clock does not move, so nothing fires during a pause, and
// a resumed one fires what came due, in order.
func (b *Board) fireEvents(ctx context.Context, g time.Duration) {
	b.mu.Lock()
	due := b.meta.Scenario.Due(b.fired, g)
	b.fired += len(due)
	b.mu.Unlock()
	for _, e := range due {
		minute := int(time.Duration(e.At) / time.Minute)
		if e.Chaos != nil && (b.monkey == nil || len(b.liveTeams()) == 0) {
			// Nothing will run: the room is not told the monkey struck.
			b.noteAt(minute, "", scriptKind, fmt.Sprintf("at %s: the script's %s is due; no experiment started: %s", time.Duration(e.At), e.Chaos.Experiment, b.noMonkeyReason()))
			continue
		}
		b.noteAt(minute, "", scriptKind, fmt.Sprintf("at %s: %s", time.Duration(e.At), e.Text()))
		if e.Chaos != nil {
			b.unleash(ctx, *e.Chaos)
		}
	}
}

// noMonkeyReason says why the board starts no experiment.
func (b *Board) noMonkeyReason() string {
	if b.monkey == nil {
		return "this board has no AWS access (run it with credentials to start the Chaos Monkey's experiments)"
	}
	return "no team is billed live, so the board reaches no team's account"
}

// unleash starts the experiment in every team's account that the board
// can reach, and follows each to its end, in the background.
func (b *Board) unleash(ctx context.Context, c game.Chaos) {
	for _, x := range b.liveTeams() {
		go func() {
			id, err := b.monkey.Start(ctx, x.role, x.stack, c)
			if err != nil {
				b.noteChaos(x.t.name, chaosFailed, fmt.Sprintf("%s: %s did not start: %v", x.t.name, c.Experiment, err))
				return
			}
			x.t.setChaos(c.Experiment + " " + id)
			b.noteChaos(x.t.name, chaosStarted, fmt.Sprintf("%s: %s started, experiment %s", x.t.name, c.Experiment, id))
			b.follow(ctx, x.t, x.role, x.stack, id, c.Experiment)
		}()
	}
}

// follow polls an experiment until it ends, and posts its end.
func (b *Board) follow(ctx context.Context, t *team, role, stack, id, name string) {
	defer t.setChaos("")
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(b.chaosPoll):
		}
		state, done, err := b.monkey.State(ctx, role, stack, id)
		if err != nil {
			b.log.Warn("cannot read an experiment", "team", t.name, "id", id, "err", err)
			continue
		}
		if done {
			b.noteChaos(t.name, chaosEnded, fmt.Sprintf("%s: %s (experiment %s) %s", t.name, name, id, state))
			return
		}
	}
}

func (t *team) setChaos(s string) {
	t.mu.Lock()
	t.chaos = s
	t.mu.Unlock()
}

func (t *team) chaosNow() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.chaos
}
