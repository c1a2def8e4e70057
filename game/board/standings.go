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
	OK      int     `json:"ok"`
	Failed  int     `json:"failed"`
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
// their stored minutes.
func Rank(rows []Minute, teams []Team) []Standing {
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
	// for the chart.
	Scores map[string][]float64 `json:"scores"`
	Events []Event              `json:"events"`
}

// recentEvents is how many events the page lists.
const recentEvents = 30

// Snapshot is the game now.
func (b *Board) Snapshot() Snapshot {
	g, state := b.clock.Now()
	phase, _, _ := b.meta.Scenario.At(g)
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Snapshot{
		Scenario: b.meta.Scenario.Name, Speed: b.meta.Speed, State: state,
		GameTime: g.Round(time.Second).String(), Phase: phase.Name,
		Minutes: b.closed, Length: b.minutes, Scores: map[string][]float64{},
	}
	for _, t := range b.teams {
		scores := make([]float64, len(t.rows))
		for i, r := range t.rows {
			scores[i] = r.Score
		}
		s.Scores[t.name] = scores
	}
	s.Standings = Rank(b.rowsLocked(), b.meta.Teams)
	for i := range s.Standings {
		t := b.byName[s.Standings[i].Name]
		if t == nil || !t.cost.Live {
			continue
		}
		est, at, note := t.live.get()
		s.Standings[i].Bill, s.Standings[i].BillNote = billLines(est), note
		if !at.IsZero() {
			s.Standings[i].BillAt = at.UTC().Format(time.RFC3339)
			s.Standings[i].CostPerHour = est.Total
		}
	}
	s.Events = slices.Clone(b.events[max(len(b.events)-recentEvents, 0):])
	return s
}

// Rows is every stored minute, team by team.
func (b *Board) Rows() []Minute {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rowsLocked()
}

func (b *Board) rowsLocked() []Minute {
	var rows []Minute
	for _, t := range b.teams {
		rows = append(rows, t.rows...)
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
	u := minuteUpdate{Minute: p.minute, GameTime: s.GameTime, Phase: s.Phase, State: s.State, Scores: map[string]float64{}, Standings: s.Standings, Events: append([]Event{}, p.events...)}
	for _, r := range p.rows {
		u.Scores[r.Team] = r.Score
	}
	b.hub.publish("minute", u)
}

func (b *Board) publishState() { b.hub.publish("state", b.Snapshot()) }
