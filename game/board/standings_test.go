package board

import (
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/game"
)

func TestStandingsRankByScoreThenName(t *testing.T) {
	teams := []Team{{Name: "c"}, {Name: "a"}, {Name: "b"}, {Name: "idle"}}
	rows := []Minute{
		{Team: "a", Minute: 0, Cost: 10, Score: 90, Scored: game.Scored{Points: 100, Tally: game.Tally{Answers: 10, OK: 10}}},
		{Team: "a", Minute: 1, Cost: 10, Score: 80, Scored: game.Scored{Points: 50, Penalty: 50, Tally: game.Tally{Answers: 20, OK: 10, Failed: 10, Hits: 15, Misses: 5}, P99ms: 30}, CostPerHour: 0.6},
		{Team: "b", Minute: 0, Cost: 20, Score: 80, Scored: game.Scored{Points: 100, Tally: game.Tally{Answers: 10, OK: 10}}},
		{Team: "c", Minute: 1, Score: 300, Scored: game.Scored{Points: 300}}, // order of rows does not matter
		{Team: "c", Minute: 0, Score: -100, Scored: game.Scored{Penalty: 100}},
		{Team: "gone", Minute: 0, Score: 1e6},
	}
	got := Rank(rows, teams, nil)
	var order []string
	for _, s := range got {
		order = append(order, s.Name)
	}
	if strings.Join(order, " ") != "c a b idle" {
		t.Errorf("order %v, want c a b idle: best score first, a and b tied on 80 by name, a team with no minutes last at 0", order)
	}
	a := got[1]
	if a.Rank != 2 || a.Points != 150 || a.Penalty != 50 || a.Cost != 20 || a.OK != 20 || a.Failed != 10 {
		t.Errorf("team a totals %+v", a)
	}
	if a.ErrorRate != 0.5 || a.HitRatio != 0.75 || a.P99ms != 30 || a.CostPerHour != 0.6 {
		t.Errorf("team a now: %+v, want its last minute's error rate 0.5, hits 0.75, p99 30 ms, $0.6/h", a)
	}
	if got[0].Score != 300 || got[3].HitRatio != -1 {
		t.Errorf("c scored %v (want its last minute's 300); idle's hit ratio %v (want -1, unknown)", got[0].Score, got[3].HitRatio)
	}
}
