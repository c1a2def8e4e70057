package board

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// A debrief is one team's game on one page: its score and bill each
// minute, and on one timeline what happened to it (the chaos, the CEO's
// lines, its endpoint moves, quests done and hints taken) beside what
// changed in its account and who changed it, from CloudTrail, with the
// monkey's experiments marked; then the flaws it left, each with the
// answer key's step that fixes it.

// LiveHistory, when a LiveBill has it, reads the writes made in the
// account reached through role between from and to (CloudTrail's
// LookupEvents; game/accounts implements it).
type LiveHistory interface {
	History(ctx context.Context, role, stack string, from, to time.Time) ([]game.Change, error)
}

// Debrief is one team's game, as its page and the export show it.
type Debrief struct {
	Team  string  `json:"team"`
	Rank  int     `json:"rank"`
	Teams int     `json:"teams"`
	Score float64 `json:"score"`
	// Minutes are the team's score at the end of each minute and its
	// bill then.
	Minutes []DebriefMinute `json:"minutes"`
	// Timeline is what happened, in order.
	Timeline []Moment `json:"timeline"`
	// HistoryNote says why the account's changes are missing, if they are.
	HistoryNote string `json:"history_note,omitempty"`
	// Left are the flaws still there at the end, and LeftNote why they are
	// unknown, when the board did not check the team's account.
	Left     []FlawLeft `json:"left"`
	LeftNote string     `json:"left_note,omitempty"`
}

// DebriefMinute is a team's minute in its debrief.
type DebriefMinute struct {
	Minute      int     `json:"minute"`
	Score       float64 `json:"score"`
	CostPerHour float64 `json:"cost_per_hour"`
	Chaos       string  `json:"chaos,omitempty"`
}

// Moment is one line of a debrief's timeline: an event of the game, or a
// change in the team's account.
type Moment struct {
	Minute int       `json:"minute"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"` // an event's kind, or change
	Text   string    `json:"text"`
	// Monkey marks a change the game's chaos made.
	Monkey bool `json:"monkey,omitempty"`
}

// FlawLeft is a flaw the team did not fix, and how the answer key does.
type FlawLeft struct {
	Quest int    `json:"quest"`
	Flaw  string `json:"flaw"`
	What  string `json:"what"`
	Fix   string `json:"fix"`
}

// debriefKinds are the events a team's timeline shows: its own, and the
// room's script (the CEO's lines) and the game's pauses.
var debriefKinds = []string{"chaos", "team", "errors", "rule", kindQuest, kindHint, kindAward, scriptKind, "game", "note"}

// BuildDebrief is team's debrief from the game's export and its
// account's changes (nil when none were read).
func BuildDebrief(ex Export, team string, changes []game.Change) (Debrief, error) {
	i := slices.IndexFunc(ex.Teams, func(t Team) bool { return t.Name == team })
	if i < 0 {
		return Debrief{}, fmt.Errorf("%w %q", ErrNoSuchTeam, team)
	}
	d := Debrief{Team: team, Teams: len(ex.Teams), Minutes: []DebriefMinute{}, Timeline: []Moment{}, Left: []FlawLeft{}}
	for _, s := range Rank(ex.Rows, ex.Teams, ex.Events) {
		if s.Name == team {
			d.Rank, d.Score = s.Rank, s.Score
		}
	}
	given := pointsGiven(ex.Events)[team]
	awarded := 0.0
	for _, r := range ex.Rows {
		if r.Team == team {
			awarded += given[r.Minute]
			d.Minutes = append(d.Minutes, DebriefMinute{Minute: r.Minute, Score: r.Score + awarded, CostPerHour: r.CostPerHour, Chaos: r.Chaos})
		}
	}
	public := false // the room's export: its quest events name no flaw
	for _, e := range ex.Events {
		if !slices.Contains(debriefKinds, e.Kind) || (e.Team != team && !(e.Team == "" && (e.Kind == scriptKind || e.Kind == "game" || e.Kind == "note"))) {
			continue
		}
		text := e.Text
		if e.Kind == kindHint {
			if f, ok := catalog.FlawByID(catalog.FlawID(e.Flaw)); ok {
				h, _ := f.Hint(e.Hint)
				text += ": " + h
			}
		}
		if e.Kind == kindQuest {
			public = public || e.Flaw == ""
			if f, ok := catalog.FlawByID(catalog.FlawID(e.Flaw)); ok {
				text += ": " + f.What
			}
		}
		at := e.Wall
		if at.IsZero() {
			// An event stored without its wall time: when its minute closed.
			at = closedAt(ex.Rows, team, e.Minute)
		}
		minute := e.Minute
		if scores(e.Kind) && !e.Wall.IsZero() {
			// Points count in the last stored minute; the timeline says
			// the minute they came in.
			minute = minuteAt(ex.Rows, team, e.Wall)
		}
		d.Timeline = append(d.Timeline, Moment{Minute: minute, At: at, Kind: e.Kind, Text: text})
	}
	for _, c := range changes {
		text := fmt.Sprintf("%s (%s) by %s", c.Call, strings.TrimSuffix(c.Source, ".amazonaws.com"), c.By)
		if len(c.Resources) > 0 {
			text += " on " + strings.Join(c.Resources, ", ")
		}
		if c.Monkey {
			text = "the monkey: " + text
		}
		d.Timeline = append(d.Timeline, Moment{Minute: minuteAt(ex.Rows, team, c.At), At: c.At, Kind: "change", Text: text, Monkey: c.Monkey})
	}
	slices.SortStableFunc(d.Timeline, func(a, b Moment) int { return a.At.Compare(b.At) })

	cost, err := teamsfile.ParseCost(cmp.Or(ex.Teams[i].Cost, ex.DefaultCost))
	switch {
	case public:
		d.LeftNote = "the room's export does not say which flaws a team fixed: the facilitator's (gameday debrief) does"
		return d, nil
	case err != nil || !cost.Live:
		d.LeftNote = "the board did not check this team's account, so which flaws it fixed is not known: each is listed with its fix"
	}
	ledger := ledgerOf(ex.Events, team)
	for n, f := range QuestOrder(ex.Seed) {
		if ledger[f.ID].done {
			continue
		}
		fix, _ := f.Hint(catalog.HintLevels)
		d.Left = append(d.Left, FlawLeft{Quest: n + 1, Flaw: string(f.ID), What: f.What, Fix: fix})
	}
	return d, nil
}

// closedAt is when team's minute closed, zero when it did not.
func closedAt(rows []Minute, team string, minute int) time.Time {
	for _, r := range rows {
		if r.Team == team && r.Minute == minute {
			return r.Closed
		}
	}
	return time.Time{}
}

// minuteAt is team's game minute at wall time at: the first of its
// minutes closed after it, or the one after the last.
func minuteAt(rows []Minute, team string, at time.Time) int {
	minute := 0
	for _, r := range rows {
		if r.Team != team {
			continue
		}
		if !r.Closed.IsZero() && !r.Closed.Before(at) {
			return r.Minute
		}
		minute = r.Minute + 1
	}
	return minute
}

// Debrief is team's debrief now, with its account's changes since the
// game was created when the board reads the team live.
func (b *Board) Debrief(ctx context.Context, team string) (Debrief, error) {
	ex := b.export(true)
	b.mu.Lock()
	created := b.meta.Created
	b.mu.Unlock()
	history, _ := b.live.(LiveHistory)
	return DebriefWithHistory(ctx, ex, team, history, created, time.Now())
}

// DebriefWithHistory is team's debrief from ex with its account's changes
// between from and to, read through history when the team is billed live
// and history is not nil; the debrief's HistoryNote says why they are
// missing when they are.
func DebriefWithHistory(ctx context.Context, ex Export, team string, history LiveHistory, from, to time.Time) (Debrief, error) {
	var changes []game.Change
	note := ""
	i := slices.IndexFunc(ex.Teams, func(t Team) bool { return t.Name == team })
	var cost teamsfile.Cost
	var err error
	if i >= 0 {
		cost, err = teamsfile.ParseCost(cmp.Or(ex.Teams[i].Cost, ex.DefaultCost))
	}
	switch {
	case i < 0:
	case err != nil || !cost.Live:
		note = "the team's account is not read live, so its changes are not shown"
	case history == nil:
		note = "the account's changes were not read"
	default:
		if changes, err = history.History(ctx, cost.Access(), ex.Teams[i].Stack, from, to); err != nil {
			note = "the account's changes could not be read: " + err.Error()
		}
	}
	d, err := BuildDebrief(ex, team, changes)
	d.HistoryNote = note
	return d, err
}

//go:embed debrief.html.tmpl
var debriefPage string

var debriefTemplate = template.Must(template.New("debrief").Funcs(template.FuncMap{
	"points": func(v float64) string { return fmtThousands(v) },
	"clock":  func(t time.Time) string { return t.UTC().Format("15:04:05") },
	"money":  func(v float64) string { return fmt.Sprintf("$%.3f", v) },
}).Parse(debriefPage))

// WriteHTML writes the debrief as one printable page: a static file a
// facilitator can hand out.
func (d Debrief) WriteHTML(w io.Writer) error { return debriefTemplate.Execute(w, d) }

// fmtThousands is v rounded, with thousands separated by commas.
func fmtThousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
