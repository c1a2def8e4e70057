package game

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Setup is a game's definition: how the customers behave, how answers
// score, how compressed the game is and which questions it asks. `gameday
// play`, the board, its workers, the local game and the calibration all
// play a Setup, checked once by Validate; the same Setup asks every team
// the same questions at the same game time.
type Setup struct {
	Scenario Scenario `json:"scenario"`
	Rules    Rules    `json:"rules"`
	// Speed compresses the game: 60 plays four hours in four minutes; 1
	// is the real day.
	Speed float64 `json:"speed"`
	// Seed fixes the sequence of inputs: the same seed asks the same
	// questions.
	Seed uint64 `json:"seed"`
}

// The speeds a game can be played at. At MaxSpeed the committed
// four-hour game lasts four seconds; below MinSpeed a minute would last
// over ten, and nobody would watch it.
const (
	MinSpeed = 0.1
	MaxSpeed = 3600
)

// DefaultSetup is the committed game at speed 1, seed 1: the real day.
func DefaultSetup() Setup {
	return Setup{Scenario: DefaultScenario(), Rules: DefaultRules(), Speed: 1, Seed: 1}
}

// Validate says what is wrong with the game, each problem with its fix:
// the scenario and rules are checked as their files are, the speed must be
// a number from MinSpeed to MaxSpeed, the seed at least 1.
func (s Setup) Validate() error {
	var problems []error
	if math.IsNaN(s.Speed) || s.Speed < MinSpeed || s.Speed > MaxSpeed {
		problems = append(problems, fmt.Errorf("speed %v: want a number from %g to %g (60 plays four hours in four minutes)", s.Speed, MinSpeed, float64(MaxSpeed)))
	}
	if s.Seed == 0 {
		problems = append(problems, errors.New("seed 0: want 1 or more"))
	}
	if err := s.Scenario.check(); err != nil {
		problems = append(problems, fmt.Errorf("scenario %q: %w", s.Scenario.Name, err))
	}
	if err := s.Rules.check(); err != nil {
		problems = append(problems, fmt.Errorf("rules: %w", err))
	}
	return errors.Join(problems...)
}

// Minutes is how many game minutes the game is scored in, the last one
// partial when the scenario's length is not a whole number of minutes.
func (s Setup) Minutes() int {
	return int((s.Scenario.Length() + time.Minute - 1) / time.Minute)
}

// Requests is how many requests the game sends each team.
func (s Setup) Requests() uint64 { return s.Scenario.Requests(s.Speed) }

// Sampled is the rules each answer of this game is scored by (Rules.Sample).
func (s Setup) Sampled() Rules { return s.Rules.Sample(s.Speed) }

// Base is the number of requests due before game time from: every team
// gets the same request numbers at the same game time.
func (s Setup) Base(from time.Duration) uint64 {
	return uint64(math.Ceil(s.Scenario.Expected(from) / s.Speed))
}

// RealTime is how long a stretch of game time takes to play.
func (s Setup) RealTime(game time.Duration) time.Duration {
	return time.Duration(float64(game) / s.Speed)
}

// Rescore checks a minute that another process scored (a board's worker)
// against what minute m of this game can hold, and scores it again with
// the game's own rules: the points follow from the answers by tier, the
// penalty from the failures, whatever the report said of them. An error
// names what could not have happened.
func (s Setup) Rescore(m int, sc Scored) (Scored, error) {
	t := sc.Tally
	var problems []string
	if t.Answers < 0 || t.OK < 0 || t.Failed < 0 || t.Wrong < 0 || t.Timeouts < 0 || t.Hits < 0 || t.Misses < 0 {
		problems = append(problems, "a count below 0")
	}
	if t.OK+t.Failed != t.Answers || t.Wrong+t.Timeouts > t.Failed || t.Hits+t.Misses > t.Answers {
		problems = append(problems, fmt.Sprintf("counts that do not add up (%d answers: %d ok, %d failed of which %d wrong and %d timeouts; %d hits, %d misses)", t.Answers, t.OK, t.Failed, t.Wrong, t.Timeouts, t.Hits, t.Misses))
	}
	if most := s.MostAnswers(m); t.Answers > most {
		problems = append(problems, fmt.Sprintf("%d answers, more than the %d questions minute %d can answer", t.Answers, most, m))
	}
	sum, negative := 0, false
	for _, n := range sc.Tiers {
		sum += n
		negative = negative || n < 0
	}
	if (t.OK > 0 || len(sc.Tiers) > 0) && (len(sc.Tiers) != len(s.Rules.Tiers)+1 || sum != t.OK || negative) {
		problems = append(problems, fmt.Sprintf("answers by tier %v: want %d counts of 0 or more (one a tier and one slower than every tier) adding up to the %d ok", sc.Tiers, len(s.Rules.Tiers)+1, t.OK))
	}
	maxMs := float64(5 * time.Minute / time.Millisecond) // the histograms' range
	if !finite(sc.P50ms) || !finite(sc.P99ms) || sc.P50ms < 0 || sc.P50ms > sc.P99ms || sc.P99ms > maxMs {
		problems = append(problems, fmt.Sprintf("latencies p50 %v ms, p99 %v ms: want 0 <= p50 <= p99 <= %g", sc.P50ms, sc.P99ms, maxMs))
	}
	if len(problems) > 0 {
		return Scored{}, fmt.Errorf("minute %d: %s", m, strings.Join(problems, "; "))
	}
	rules := s.Sampled()
	sc.Points = 0
	for i, n := range sc.Tiers {
		if i < len(rules.Tiers) {
			sc.Points += float64(n) * rules.Tiers[i].Points
		}
	}
	sc.Penalty = float64(t.Failed) * rules.FailurePenalty
	return sc, nil
}

// MostAnswers is the most answers one team's minute m can hold: every
// request due during it, and those due a timeout before it that may land
// in it; the last minute also takes the answers that land after the end.
func (s Setup) MostAnswers(m int) int {
	start := time.Duration(m) * time.Minute
	lateBy := time.Duration(float64(s.Scenario.Timeout) * s.Speed) // a timeout, in game time
	from := s.Base(max(start-lateBy, 0))
	to := s.Base(start + time.Minute)
	if m >= s.Minutes()-1 {
		to = s.Requests()
	}
	return int(min(to, s.Requests()) - min(from, to))
}
