package board

import (
	"cmp"
	"slices"
	"time"
)

// Standing is one team's line on the scoreboard.
type Standing struct {
	Rank     int    `json:"rank"`
	Name     string `json:"name"`
	Endpoint string `json:"endpoint"`
	// Score and its parts, over the stored minutes.
	Score   float64 `json:"score"`
	Points  float64 `json:"points"`
	Penalty float64 `json:"penalty"`
	Cost    float64 `json:"cost"`
	// Awards are the facilitator's awards less penalties, in Score.
	Awards float64 `json:"awards"`
	// Hints are what the team paid for hints (negative), and Quests the
	// bonuses its quests brought, in Score.
	Hints  float64 `json:"hints,omitempty"`
	Quests float64 `json:"quests,omitempty"`
	// QuestNote is the team's quests in a line, for the facilitator
	// alone (live): how many are done, or why they cannot be checked.
	QuestNote string `json:"quest_note,omitempty"`
	OK        int    `json:"ok"`
	Failed    int    `json:"failed"`
	// The last stored minute, as the room sees the team now.
	PerSecond   float64 `json:"per_second"`
	P99ms       float64 `json:"p99_ms"`
	ErrorRate   float64 `json:"error_rate"`
	HitRatio    float64 `json:"hit_ratio"` // -1: the endpoint says nothing of a cache
	CostPerHour float64 `json:"cost_per_hour"`
	// Bill is a live bill's items, BillAt when it was read (RFC 3339),
	// BillNote why it may be old. Empty for a team priced otherwise.
	Bill     []string `json:"bill,omitempty"`
	BillAt   string   `json:"bill_at,omitempty"`
	BillNote string   `json:"bill_note,omitempty"`
}

// Rank orders the teams' totals, best score first, ties by name, from
// their stored minutes and the awards among events.
func Rank(rows []Minute, teams []Team, events []Event) []Standing {
	byName := map[string]*Standing{}
	var out []*Standing
	for _, t := range teams {
		s := &Standing{Name: t.Name, Endpoint: t.Endpoint, HitRatio: -1}
		byName[t.Name] = s
		out = append(out, s)
	}
	last := map[string]int{}
	for _, r := range rows {
		s, ok := byName[r.Team]
		if !ok {
			continue
		}
		s.Points += r.Points
		s.Penalty += r.Penalty
		s.Cost += r.Cost
		s.OK += r.OK
		s.Failed += r.Failed
		if m, seen := last[r.Team]; !seen || r.Minute >= m {
			last[r.Team] = r.Minute
			s.Score = r.Score
			s.PerSecond, s.P99ms, s.CostPerHour = r.PerSecond, r.P99ms, r.CostPerHour
			s.ErrorRate, s.HitRatio = r.ErrorRate(), r.HitRatio()
		}
	}
	for _, e := range events {
		if s, ok := byName[e.Team]; ok && scores(e.Kind) {
			switch e.Kind {
			case kindHint:
				s.Hints += e.Points
			case kindQuest:
				s.Quests += e.Points
			default:
				s.Awards += e.Points
			}
			s.Score += e.Points
		}
	}
	slices.SortStableFunc(out, func(a, b *Standing) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Name, b.Name))
	})
	standings := make([]Standing, len(out))
	for i, s := range out {
		s.Rank = i + 1
		standings[i] = *s
	}
	return standings
}

// Snapshot is everything the page shows.
type Snapshot struct {
	Scenario string  `json:"scenario"`
	Speed    float64 `json:"speed"`
	State    State   `json:"state"`
	// GameTime is how far the game is; Minutes how many are stored, of
	// Length.
	GameTime  string     `json:"game_time"`
	Phase     string     `json:"phase"`
	Minutes   int        `json:"minutes"`
	Length    int        `json:"length"`
	Standings []Standing `json:"standings"`
	// Scores holds each team's total at the end of every stored minute,
	// for the chart, awards included from the minute they were given.
	Scores map[string][]float64 `json:"scores"`
	// Events is every event the room may see, by game minute.
	Events []Event `json:"events"`
	// FrozenAt, when set, is the minutes the room's standings and scores
	// show: the facilitator froze them for the reveal.
	FrozenAt *int `json:"frozen_at,omitempty"`
	// Hidden: the facilitator hides the scores; the room's standings list
	// the teams by name, with no figure. The facilitator's live state
	// carries both as they stand for the room, its figures unchanged.
	Hidden bool `json:"hidden,omitempty"`
}

// maxEvents bounds the events a state carries: far above a day's (a
// script of 20, a few chaos events and moves a team).
const maxEvents = 5000

// Snapshot is the game as the room may see it now: frozen or hidden as
// the facilitator wants.
func (b *Board) Snapshot() Snapshot { return b.snapshot(false) }

// LiveSnapshot is the game as it is, for the facilitator.
func (b *Board) LiveSnapshot() Snapshot { return b.snapshot(true) }

func (b *Board) snapshot(live bool) Snapshot {
	g, state := b.clock.Now()
	phase, _, _ := b.meta.Scenario.At(g)
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Snapshot{
		Scenario: b.meta.Scenario.Name, Speed: b.meta.Speed, State: state,
		GameTime: g.Round(time.Second).String(), Phase: phase.Name,
		Minutes: b.closed, Length: b.minutes, Scores: map[string][]float64{},
	}
	if b.hand.frozenAt >= 0 {
		at := min(b.hand.frozenAt, b.closed)
		s.FrozenAt = &at
	}
	s.Hidden = b.hand.hidden
	h, shown, events := b.viewLocked(live)
	rows := b.rowsLocked(shown)
	given := pointsGiven(events)
	for _, t := range b.teams {
		scores := make([]float64, 0, shown)
		awarded := 0.0
		for _, r := range t.rows[:min(shown, len(t.rows))] {
			awarded += given[t.name][r.Minute]
			scores = append(scores, r.Score+awarded)
		}
		s.Scores[t.name] = scores
	}
	s.Standings = Rank(rows, b.meta.Teams, events)
	for i := range s.Standings {
		t := b.byName[s.Standings[i].Name]
		if t != nil && live {
			s.Standings[i].QuestNote = b.questSummaryLocked(t)
		}
		if t == nil || !t.cost.Live {
			continue
		}
		est, at, note, _ := t.live.billed()
		s.Standings[i].Bill, s.Standings[i].BillNote = billLines(est), note
		if !at.IsZero() {
			s.Standings[i].BillAt = at.UTC().Format(time.RFC3339)
			s.Standings[i].CostPerHour = est.Total
		}
	}
	if h.hidden {
		s.Scores = map[string][]float64{}
		for i, st := range s.Standings {
			s.Standings[i] = Standing{Name: st.Name, Endpoint: st.Endpoint, HitRatio: -1}
		}
		slices.SortFunc(s.Standings, func(a, b Standing) int { return cmp.Compare(a.Name, b.Name) })
	}
	slices.SortStableFunc(events, func(a, b Event) int { return cmp.Compare(a.Minute, b.Minute) })
	s.Events = events[max(len(events)-maxEvents, 0):]
	return s
}

// Rows is every stored minute, team by team.
func (b *Board) Rows() []Minute {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rowsLocked(b.closed)
}

// rowsLocked is the first minutes stored of every team.
func (b *Board) rowsLocked(minutes int) []Minute {
	var rows []Minute
	for _, t := range b.teams {
		rows = append(rows, t.rows[:min(minutes, len(t.rows))]...)
	}
	return rows
}

// Events is every event so far.
func (b *Board) Events() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.events)
}

// Teams is the teams as they are now.
func (b *Board) Teams() []Team {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.meta.Teams)
}

// minuteUpdate is what the page gets when a minute is stored.
type minuteUpdate struct {
	Minute    int                `json:"minute"`
	GameTime  string             `json:"game_time"`
	Phase     string             `json:"phase"`
	State     State              `json:"state"`
	Scores    map[string]float64 `json:"scores"`
	Standings []Standing         `json:"standings"`
	Events    []Event            `json:"events"`
}

func (b *Board) publishMinute(p *batch) {
	s := b.Snapshot()
	if s.FrozenAt != nil || s.Hidden {
		b.hub.publish("state", s) // the room sees no new score
		return
	}
	u := minuteUpdate{Minute: p.minute, GameTime: s.GameTime, Phase: s.Phase, State: s.State, Scores: map[string]float64{}, Standings: s.Standings, Events: append([]Event{}, p.events...)}
	for _, r := range p.rows {
		u.Scores[r.Team] = s.Scores[r.Team][len(s.Scores[r.Team])-1]
	}
	b.hub.publish("minute", u)
}

func (b *Board) publishState() { b.hub.publish("state", b.Snapshot()) }
