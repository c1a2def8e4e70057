package board

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// ErrNoSuchTeam is returned for a team the game does not have.
var ErrNoSuchTeam = errors.New("no such team")

// ErrGameOver is returned for a change to an ended game.
var ErrGameOver = errors.New("the game is over")

// Pause stops the clock: no requests are sent and no cost accrues.
func (b *Board) Pause() error { return b.set(Paused, "game paused") }

// Resume starts the clock again, or for the first time.
func (b *Board) Resume() error { return b.set(Running, "game running") }

// End stops the game for good; the minute being played is scored for the
// part of it that was played.
func (b *Board) End() error { return b.set(Ended, "game ended by the facilitator") }

func (b *Board) set(s State, text string) error {
	if _, state := b.clock.Now(); state == Ended {
		return ErrGameOver
	}
	if !b.clock.Set(s) {
		return nil
	}
	g, _ := b.clock.Now()
	b.mu.Lock()
	b.meta.State = s
	if s == Ended {
		b.meta.Played = game.Duration(g)
	}
	meta := b.meta
	b.mu.Unlock()
	if err := b.store.Write(&meta, nil, nil); err != nil {
		b.log.Error("cannot store the game's state", "state", s, "err", err)
	}
	b.note("", "game", fmt.Sprintf("%s at %s", text, g.Round(time.Second)))
	b.publishState()
	return nil
}

// TeamChange moves a team: its endpoint (teams move to CloudFront
// mid-game) or its cost. Empty fields are left as they are.
type TeamChange struct {
	Endpoint string `json:"endpoint"`
	// Cost is USD an hour or live[:role]: never a path, which the board
	// would read from its own disk.
	Cost string `json:"cost"`
	// Template is a synthesized template's content, uploaded (gameday
	// ctl cost TEAM FILE reads the file): the team is priced from it.
	Template string `json:"template,omitempty"`
}

// MaxTemplateBytes bounds an uploaded template.
const MaxTemplateBytes = 1 << 20

// ChangeTeam applies c to the team called name.
func (b *Board) ChangeTeam(name string, c TeamChange) error {
	if c.Endpoint == "" && c.Cost == "" && c.Template == "" {
		return errors.New("nothing to change: give an endpoint or a cost")
	}
	if c.Cost != "" && c.Template != "" {
		return errors.New("give a cost or a template, not both")
	}
	var (
		u        *url.URL
		cost     costSource
		costText string // the new cost as the room reads it; empty: unchanged
		err      error
	)
	if c.Endpoint != "" {
		if err := b.checkEndpoint(c.Endpoint); err != nil {
			return err
		}
		u, _ = url.Parse(c.Endpoint)
	}
	if c.Cost != "" {
		if cost, err = parseCost(c.Cost); err != nil {
			return err
		}
		if cost.Template != "" {
			return fmt.Errorf("cost %q: a template goes as its content, never a path on the board's machine: gameday ctl cost TEAM FILE uploads it", c.Cost)
		}
		if cost.Live && b.live == nil {
			return fmt.Errorf("cost %q: this board has no AWS access to read live bills", c.Cost)
		}
		costText = c.Cost
	}
	if c.Template != "" {
		if len(c.Template) > MaxTemplateBytes {
			return fmt.Errorf("template: %d bytes, over %d: give a synthesized game stack template", len(c.Template), MaxTemplateBytes)
		}
		if _, err := game.EstimateCost([]byte(c.Template), b.prices, game.Traffic{}); err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(c.Template))
		cost = costSource{Cost: teamsfile.Cost{Template: fmt.Sprintf("uploaded:%x", sum[:8])}, raw: []byte(c.Template)}
		costText = "an uploaded template"
	}
	b.mu.Lock()
	t, ok := b.byName[name]
	if !ok {
		b.mu.Unlock()
		return fmt.Errorf("%w %q: the teams are %s", ErrNoSuchTeam, name, names(b.meta.Teams))
	}
	i := slices.IndexFunc(b.meta.Teams, func(x Team) bool { return x.Name == name })
	var what []string
	if u != nil {
		t.target.Store(u)
		b.meta.Teams[i].Endpoint = c.Endpoint
		what = append(what, "endpoint "+c.Endpoint)
	}
	if costText != "" {
		t.cost, t.pricing = cost, pricing{raw: cost.raw}
		b.meta.Teams[i].Cost = cost.String()
		if cost.Template != "" {
			if b.meta.Templates == nil {
				b.meta.Templates = map[string][]byte{}
			}
			b.meta.Templates[cost.Template] = cost.raw
		}
		what = append(what, "cost "+costText)
	}
	meta := b.meta
	b.mu.Unlock()
	if err := b.store.Write(&meta, nil, nil); err != nil {
		return err
	}
	b.note(name, "team", fmt.Sprintf("%s moved to %s", name, joinAnd(what)))
	b.publishState()
	return nil
}

// Note records an event for the room: kind "chaos" for an experiment
// started, "note" for anything else.
func (b *Board) Note(team, kind, text string) error {
	if kind != "chaos" && kind != "note" {
		return fmt.Errorf("kind %q: want chaos or note", kind)
	}
	if err := checkText(text); err != nil {
		return err
	}
	if team != "" {
		b.mu.Lock()
		_, ok := b.byName[team]
		b.mu.Unlock()
		if !ok {
			return fmt.Errorf("%w %q", ErrNoSuchTeam, team)
		}
	}
	b.note(team, kind, text)
	return nil
}

// MaxTextChars bounds an announcement: a line on the projector.
const MaxTextChars = 280

// checkText accepts 1 to 280 characters of printable text: no control
// characters (NUL, escapes, new lines) and no bidirectional overrides or
// isolates, which could make the room read an event backwards (U+202E).
func checkText(text string) error {
	n := utf8.RuneCountInString(text)
	if n == 0 || n > MaxTextChars || !utf8.ValidString(text) {
		return fmt.Errorf("text: want 1 to %d characters of UTF-8, got %d", MaxTextChars, n)
	}
	for _, r := range text {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return fmt.Errorf("text: character %U is a control or direction override: write plain text", r)
		}
	}
	return nil
}

// event makes the next event; b.mu must be held.
func (b *Board) event(minute int, team, kind, text string) Event {
	seq := 1
	if len(b.events) > 0 {
		seq = b.events[len(b.events)-1].Seq + 1
	}
	if b.pending != nil {
		seq += len(b.pending.events)
	}
	return Event{Seq: seq, Wall: time.Now().UTC(), Minute: minute, Team: team, Kind: kind, Text: text}
}

// note records and announces an event at once.
func (b *Board) note(team, kind, text string) { b.noteAt(-1, team, kind, text) }

// The phases of an experiment the board started, on its chaos events: the
// page marks the chart where one started.
const (
	chaosStarted = "started"
	chaosEnded   = "ended"
	chaosFailed  = "failed"
)

// noteChaos posts a chaos event of an experiment the board started.
func (b *Board) noteChaos(team, phase, text string) { b.post(-1, team, chaosKind, text, phase) }

// chaosKind is the kind of chaos events.
const chaosKind = "chaos"

// noteAt posts an event of game minute minute; -1 is the minute being
// played.
func (b *Board) noteAt(minute int, team, kind, text string) { b.post(minute, team, kind, text, "") }

func (b *Board) post(minute int, team, kind, text, phase string) {
	b.mu.Lock()
	if minute < 0 {
		minute = b.closed
	}
	e := b.event(minute, team, kind, text)
	e.Chaos = phase
	if b.pending != nil {
		// Keep the sequence: the event goes out with the pending minute.
		b.pending.events = append(b.pending.events, e)
		b.mu.Unlock()
		return
	}
	b.events = append(b.events, e)
	b.mu.Unlock()
	if err := b.store.Write(nil, nil, []Event{e}); err != nil {
		b.log.Error("cannot store an event", "event", e.Text, "err", err)
	}
	b.log.Info(e.Text, "minute", e.Minute, "kind", e.Kind)
	b.hub.publish("event", e)
}

func joinAnd(s []string) string {
	if len(s) == 2 {
		return s[0] + " and " + s[1]
	}
	return s[0]
}
