package board

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Export is a game's results: the final or current standings, every
// stored minute, and the events.
type Export struct {
	Teams  []Team
	Rows   []Minute
	Events []Event
	// Seed is the game's, which numbers its quests (QuestOrder), and
	// DefaultCost prices the teams whose line gives none.
	Seed        uint64
	DefaultCost string
}

// ExportStore reads the results from a database no board holds.
func ExportStore(s *Store) (Export, error) {
	meta, rows, events, err := s.Load()
	if err != nil {
		return Export{}, err
	}
	if meta == nil {
		return Export{}, fmt.Errorf("database %s holds no game", s.path)
	}
	return Export{Teams: meta.Teams, Rows: rows, Events: events, Seed: meta.Seed, DefaultCost: meta.DefaultCost}, nil
}

// Write writes the export as csv (a row per team and minute) or json
// (standings, minutes and events).
func (e Export) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		// Each team's debrief, without its account's changes, which only
		// gameday debrief reads (with the teams' roles).
		var debriefs []Debrief
		for _, t := range e.Teams {
			d, err := BuildDebrief(e, t.Name, nil)
			if err != nil {
				return err
			}
			debriefs = append(debriefs, d)
		}
		return enc.Encode(struct {
			Standings []Standing `json:"standings"`
			Minutes   []Minute   `json:"minutes"`
			Events    []Event    `json:"events"`
			Debriefs  []Debrief  `json:"debriefs"`
		}{Rank(e.Rows, e.Teams, e.Events), e.Rows, e.Events, debriefs})
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"team", "minute", "endpoint", "answers", "ok", "failed", "wrong", "timeouts", "cache_hits", "cache_misses",
			"per_second", "p50_ms", "p99_ms", "points", "penalty", "cost", "cost_per_hour", "score", "missing", "awards", "total"})
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
		// awards: the points awards, hints and quests gave or took in that
		// minute; total: the score with all of them so far.
		given := pointsGiven(e.Events)
		awarded := map[string]float64{}
		for _, r := range e.Rows {
			awarded[r.Team] += given[r.Team][r.Minute]
			cw.Write([]string{r.Team, strconv.Itoa(r.Minute), r.Endpoint, strconv.Itoa(r.Answers), strconv.Itoa(r.OK), strconv.Itoa(r.Failed),
				strconv.Itoa(r.Wrong), strconv.Itoa(r.Timeouts), strconv.Itoa(r.Hits), strconv.Itoa(r.Misses),
				f(r.PerSecond), f(r.P50ms), f(r.P99ms), f(r.Points), f(r.Penalty), f(r.Cost), f(r.CostPerHour), f(r.Score), r.Missing,
				f(given[r.Team][r.Minute]), f(r.Score + awarded[r.Team])})
		}
		cw.Flush()
		return cw.Error()
	}
	return fmt.Errorf("format %q: want csv or json", format)
}
