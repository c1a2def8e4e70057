package board

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// The facilitator's hand on the score: awards and penalties with a
// reason, freezing the public standings before the reveal, and hiding the
// scores. Each is an event of its own, written before it takes effect, so
// a restarted board replays it (handOf) and both exports carry it.
const (
	kindAward  = "award"
	kindFreeze = "freeze"
	kindReveal = "reveal"
	kindHide   = "hide"
	kindShow   = "show"
)

// MaxAward bounds one award or penalty: a third of what the best team can
// score in the default game (312,300 requests at 10 points) is a typo
// beyond any a facilitator means.
const MaxAward = 1_000_000

// hand is the state the facilitator's events leave.
type hand struct {
	frozenAt  int // minutes the public standings show; -1: not frozen
	frozenSeq int // the freeze's event: later awards are not public
	hidden    bool
}

// handOf replays the facilitator's events.
func handOf(events []Event) hand {
	h := hand{frozenAt: -1}
	for _, e := range events {
		switch e.Kind {
		case kindFreeze:
			h.frozenAt, h.frozenSeq = e.Minute, e.Seq
		case kindReveal:
			h.frozenAt = -1
		case kindHide:
			h.hidden = true
		case kindShow:
			h.hidden = false
		}
	}
	return h
}

// public says whether the room sees e now: awards given while the
// standings are frozen wait for the reveal, and none shows while the
// scores are hidden.
func (h hand) public(e Event) bool {
	if !scores(e.Kind) {
		return true
	}
	return !h.hidden && (h.frozenAt < 0 || e.Seq < h.frozenSeq)
}

// errCannotStore refuses a facilitator's act while the board is paused on
// a store error: it would not survive a restart.
var errCannotStore = errors.New("the board cannot store right now (the game is paused on a store error): fix that first")

// act records one of the facilitator's events, its text as describe
// gives it from the state it changes (or why it changes nothing): stored
// first, then in effect, then shown (as the public state, so that nothing
// the freeze holds back goes out).
func (b *Board) act(team, kind string, points float64, describe func(h hand, closed int) (string, error)) error {
	return b.actOn(team, kind, func(h hand, closed int, e *Event) error {
		text, err := describe(h, closed)
		e.Text, e.Points = text, points
		return err
	})
}

// actOn is act for an event build fills in (its text, points and the
// rest), under b.mu, from the state it changes: an error from build
// records nothing.
func (b *Board) actOn(team, kind string, build func(h hand, closed int, e *Event) error) error {
	b.mu.Lock()
	if b.pending != nil {
		b.mu.Unlock()
		return errCannotStore
	}
	if team != "" {
		if _, ok := b.byName[team]; !ok {
			b.mu.Unlock()
			return fmt.Errorf("%w %q", ErrNoSuchTeam, team)
		}
	}
	minute := b.closed // a freeze: the minutes it shows
	if scores(kind) {
		// Counted in the last stored minute, so that the curve and the
		// standings agree at once.
		minute = max(b.closed-1, 0)
	}
	e := b.event(minute, team, kind, "")
	err := build(b.hand, b.closed, &e)
	if err == nil {
		err = checkText(e.Text)
	}
	if err != nil {
		b.mu.Unlock()
		return err
	}
	points := e.Points
	if err := b.store.Write(nil, nil, []Event{e}); err != nil {
		b.mu.Unlock()
		return fmt.Errorf("storing the %s: %w", kind, err)
	}
	b.events = append(b.events, e)
	b.hand = handOf(b.events)
	b.mu.Unlock()
	b.log.Info(e.Text, "minute", e.Minute, "kind", e.Kind, "team", team, "points", points)
	b.publishState()
	return nil
}

// Award gives a team points (a penalty when negative) for reason, counted
// in the last stored minute.
func (b *Board) Award(team string, points float64, reason string) error {
	if math.IsNaN(points) || points == 0 || math.Abs(points) > MaxAward {
		return fmt.Errorf("points %v: want a number from -%d to %d, not 0", points, MaxAward, MaxAward)
	}
	if team == "" {
		return fmt.Errorf("%w \"\": name the team", ErrNoSuchTeam)
	}
	what := "award"
	if points < 0 {
		what = "penalty"
	}
	if err := checkText(reason); err != nil {
		return fmt.Errorf("the reason: %w", err)
	}
	text := fmt.Sprintf("%s: %s of %s points: %s", team, what, fmtPoints(points), reason)
	return b.act(team, kindAward, points, func(hand, int) (string, error) { return text, nil })
}

func fmtPoints(p float64) string {
	if p == math.Trunc(p) {
		return fmt.Sprintf("%+.0f", p)
	}
	return fmt.Sprintf("%+.1f", p)
}

// Freeze holds the public standings at the minutes stored now: the page,
// the state and the public export show them while the board keeps
// scoring; Reveal shows the real ones.
func (b *Board) Freeze() error { return b.switchTo(kindFreeze) }

// Reveal ends a freeze.
func (b *Board) Reveal() error { return b.switchTo(kindReveal) }

// Hide hides the scores from the room; Show shows them again.
func (b *Board) Hide() error { return b.switchTo(kindHide) }

// Show ends Hide.
func (b *Board) Show() error { return b.switchTo(kindShow) }

// switchTo records a freeze, reveal, hide or show, when it changes what
// the room sees.
func (b *Board) switchTo(kind string) error {
	return b.act("", kind, 0, func(h hand, closed int) (string, error) {
		frozen := h.frozenAt >= 0
		switch {
		case kind == kindFreeze && frozen:
			return "", errors.New("the standings are frozen already: reveal them first")
		case kind == kindFreeze:
			return fmt.Sprintf("the standings are frozen at minute %d: the board keeps scoring, the reveal shows the rest", closed), nil
		case kind == kindReveal && !frozen:
			return "", errors.New("the standings are not frozen")
		case kind == kindReveal:
			return "the reveal: the standings as they are", nil
		case kind == kindHide && h.hidden:
			return "", errors.New("the scores are hidden already")
		case kind == kindHide:
			return "the scores are hidden for now", nil
		case !h.hidden:
			return "", errors.New("the scores are not hidden")
		}
		return "the scores are shown again", nil
	})
}

// pointsGiven is the points among events (awards, hints, quests), by
// team and minute given.
func pointsGiven(events []Event) map[string]map[int]float64 {
	out := map[string]map[int]float64{}
	for _, e := range events {
		if scores(e.Kind) && e.Points != 0 {
			if out[e.Team] == nil {
				out[e.Team] = map[int]float64{}
			}
			out[e.Team][e.Minute] += e.Points
		}
	}
	return out
}

// viewLocked is what a viewer sees (the room, or live the facilitator):
// the hand in force for it, the minutes shown, and the events it may see;
// b.mu must be held.
func (b *Board) viewLocked(live bool) (h hand, shown int, events []Event) {
	h, shown = b.hand, b.closed
	if live {
		h = hand{frozenAt: -1}
	}
	if h.frozenAt >= 0 {
		shown = min(h.frozenAt, b.closed)
	}
	for _, e := range b.events {
		if h.public(e) {
			if !live {
				e = publicHint(e)
			}
			events = append(events, e)
		}
	}
	return h, shown, events
}

// export is the results as the room may see them, or all of them (live).
func (b *Board) export(live bool) Export {
	b.mu.Lock()
	defer b.mu.Unlock()
	ex := Export{Teams: slices.Clone(b.meta.Teams), Seed: b.meta.Seed, DefaultCost: b.meta.DefaultCost}
	h, shown, events := b.viewLocked(live)
	if h.hidden {
		return ex
	}
	ex.Rows, ex.Events = b.rowsLocked(shown), events
	return ex
}
