package game

import (
	"errors"
	"fmt"
	"math"
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
