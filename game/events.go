package game

import (
	"fmt"
	"slices"
	"time"
)

// Event is a moment of the day's script, on the game clock: a line the
// room hears (the CEO's), or a chaos experiment started in every team's
// account. A paused game holds its events; a resumed one fires what came
// due while it ran, once.
type Event struct {
	At Duration `json:"at"`
	// Announce is the text shown on the board and in gameday play.
	Announce string `json:"announce,omitempty"`
	// Chaos starts an experiment in every team's account.
	Chaos *Chaos `json:"chaos,omitempty"`
}

// Chaos is one of the monkey's experiments.
type Chaos struct {
	// Experiment is what it does: one of Experiments.
	Experiment string `json:"experiment"`
	// Duration of a network disruption; the others act at once. Default 5m.
	Duration Duration `json:"duration,omitempty"`
}

// The monkey's experiments, each aimed at what the team runs at that
// moment in its stack's VPC, whatever made it.
const (
	TerminateInstance = "terminate-instance" // one running instance
	StopTasks         = "stop-tasks"         // half the running ECS tasks
	AZOutage          = "az-outage"          // every subnet of one Availability Zone loses its network
)

// Experiments are the known chaos experiments.
var Experiments = []string{TerminateInstance, StopTasks, AZOutage}

// Text is how the event reads on the board.
func (e Event) Text() string {
	if e.Chaos != nil {
		d := ""
		if e.Chaos.Experiment == AZOutage {
			d = " for " + time.Duration(e.Chaos.DurationOrDefault()).String()
		}
		return fmt.Sprintf("the Chaos Monkey strikes: %s%s", e.Chaos.Experiment, d)
	}
	return e.Announce
}

// DurationOrDefault is the disruption's length: Duration, or 5 minutes.
func (c Chaos) DurationOrDefault() Duration {
	if c.Duration > 0 {
		return c.Duration
	}
	return Duration(5 * time.Minute)
}

// MaxOutage caps a network disruption: the monkey stops any experiment
// still running Overrun past it.
const MaxOutage = 30 * time.Minute

// Time is how long the experiment's actions run: a network disruption's
// duration; the others act at once.
func (c Chaos) Time() time.Duration {
	if c.Experiment == AZOutage {
		return time.Duration(c.DurationOrDefault())
	}
	return 0
}

func (s Scenario) checkEvents() []string {
	var problems []string
	for i, e := range s.Events {
		switch {
		case e.At < 0 || time.Duration(e.At) >= s.Length():
			problems = append(problems, fmt.Sprintf("event %d: at %s, want it inside the game (%s)", i+1, time.Duration(e.At), s.Length()))
		case (e.Announce == "") == (e.Chaos == nil):
			problems = append(problems, fmt.Sprintf("event %d: want either announce or chaos", i+1))
		case e.Chaos != nil && !slices.Contains(Experiments, e.Chaos.Experiment):
			problems = append(problems, fmt.Sprintf("event %d: experiment %q, want one of %v", i+1, e.Chaos.Experiment, Experiments))
		case e.Chaos != nil && (e.Chaos.Duration < 0 || time.Duration(e.Chaos.Duration) > MaxOutage):
			problems = append(problems, fmt.Sprintf("event %d: duration %s, want at most %s (or none, the default 5m)", i+1, time.Duration(e.Chaos.Duration), MaxOutage))
		}
		if i > 0 && e.At < s.Events[i-1].At {
			problems = append(problems, fmt.Sprintf("event %d: at %s, before the event above it: list events in order", i+1, time.Duration(e.At)))
		}
	}
	return problems
}

// Due lists the events from index next on that are due by game time t:
// those a clock that has reached t fires, in order.
func (s Scenario) Due(next int, t time.Duration) []Event {
	var out []Event
	for i := next; i < len(s.Events) && time.Duration(s.Events[i].At) <= t; i++ {
		out = append(out, s.Events[i])
	}
	return out
}
