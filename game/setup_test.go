package game

import (
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/service/api"
)

func TestASetupIsValidatedOnceWithEachProblemNamed(t *testing.T) {
	good := DefaultSetup()
	if err := good.Validate(); err != nil {
		t.Fatalf("the committed game: %v", err)
	}
	for name, c := range map[string]struct {
		change func(*Setup)
		want   string
	}{
		"speed 0":     {func(s *Setup) { s.Speed = 0 }, "speed 0: want a number from 0.1 to 3600"},
		"speed NaN":   {func(s *Setup) { s.Speed = math.NaN() }, "speed NaN"},
		"speed tiny":  {func(s *Setup) { s.Speed = 1e-300 }, "speed 1e-300"},
		"speed huge":  {func(s *Setup) { s.Speed = 1e9 }, "speed 1e+09"},
		"seed 0":      {func(s *Setup) { s.Seed = 0 }, "seed 0: want 1 or more"},
		"no phases":   {func(s *Setup) { s.Scenario.Phases = nil }, "no phases"},
		"NaN penalty": {func(s *Setup) { s.Rules.FailurePenalty = math.NaN() }, "failurePenalty and pointsPerDollar"},
		"Inf points":  {func(s *Setup) { s.Rules.Tiers[0].Points = math.Inf(1) }, "tier 1"},
	} {
		s := DefaultSetup()
		c.change(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// A worker's minute is scored with the game's rules, and what it could
// not have seen is refused with the reason.
func TestAReportedMinuteIsCheckedAndScoredByTheRules(t *testing.T) {
	s := DefaultSetup() // at speed 2, minute 0 asks half a minute of the day's questions
	s.Speed = 2
	rules := s.Sampled()
	tiers := make([]int, len(s.Rules.Tiers)+1)
	tiers[0], tiers[len(tiers)-1] = 8, 1
	good := Scored{Tally: Tally{Answers: 10, OK: 9, Failed: 1, Timeouts: 1}, Tiers: tiers, P50ms: 20, P99ms: 900, Points: 1e308, Penalty: -5}
	got, err := s.Rescore(0, good)
	if err != nil {
		t.Fatal(err)
	}
	if want := 8 * rules.Tiers[0].Points; got.Points != want || got.Penalty != rules.FailurePenalty {
		t.Errorf("scored %v points, %v penalty; want %v and %v from the rules, whatever the report said", got.Points, got.Penalty, want, rules.FailurePenalty)
	}
	most := s.MostAnswers(0)
	if most <= 0 || most > int(s.Requests()) {
		t.Fatalf("minute 0 holds at most %d answers of the game's %d", most, s.Requests())
	}
	for name, c := range map[string]struct {
		change func(*Scored)
		want   string
	}{
		"negative count":     {func(r *Scored) { r.Wrong = -1 }, "a count below 0"},
		"counts off":         {func(r *Scored) { r.OK = 3 }, "do not add up"},
		"more hits":          {func(r *Scored) { r.Hits = 11 }, "do not add up"},
		"too many answers":   {func(r *Scored) { r.Answers, r.Failed = most+1, most+1-9 }, "more than the"},
		"tiers off":          {func(r *Scored) { r.Tiers = []int{9} }, "answers by tier [9]"},
		"negative tier":      {func(r *Scored) { r.Tiers = append([]int{10, -1}, make([]int, len(tiers)-2)...) }, "answers by tier"},
		"NaN latency":        {func(r *Scored) { r.P99ms = math.NaN() }, "latencies"},
		"p50 above p99":      {func(r *Scored) { r.P50ms = 1000 }, "latencies"},
		"latency out of end": {func(r *Scored) { r.P99ms = float64(time.Hour / time.Millisecond) }, "latencies"},
	} {
		r := good
		r.Tiers = append([]int(nil), tiers...)
		c.change(&r)
		if _, err := s.Rescore(0, r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

// The window counts each correct answer in its tier: what a board
// rescoring a worker's minute reads.
func TestAWindowCountsAnswersByTier(t *testing.T) {
	s := DefaultSetup()
	w := NewWindow()
	for _, latency := range []time.Duration{time.Millisecond, time.Millisecond, time.Hour} {
		w.Add(answer(t, latency), s.Rules, testKey)
	}
	got := w.Scored()
	if len(got.Tiers) != len(s.Rules.Tiers)+1 || got.Tiers[0] != 2 || got.Tiers[len(got.Tiers)-1] != 1 {
		t.Fatalf("tiers %v: want 2 in the first, 1 slower than every tier", got.Tiers)
	}
	again, err := s.Rescore(0, got)
	if err != nil || again.Points != got.Points {
		t.Errorf("rescored %v points (%v), the window's %v", again.Points, err, got.Points)
	}
	w.Add(answer(t, time.Millisecond), s.Rules, testKey)
	if got.Tiers[0] != 2 {
		t.Error("a scored minute changed as the window went on counting")
	}
}

// answer is a correct answer that took latency.
func answer(t *testing.T, latency time.Duration) *vegeta.Result {
	t.Helper()
	return &vegeta.Result{Code: http.StatusOK, URL: "http://team/?" + api.Param + "=unicorn-1", Body: []byte(api.Answer(testKey, "unicorn-1")), Latency: latency}
}
