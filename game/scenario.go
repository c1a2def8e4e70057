package game

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Duration is a time.Duration written as a string in files ("30m", "4s").
type Duration time.Duration

// UnmarshalJSON reads "30m" and the like.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration in quotes such as \"30m\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as \"30m\" or \"4s\", got %q", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Scenario is how the customers behave over the game: phases of steady
// load, each with more customers asking about more things, and surges.
type Scenario struct {
	Name string `json:"name"`
	// Skew is the Zipf exponent of the key distribution (> 1): the higher,
	// the more often the popular inputs come back and the better a cache does.
	Skew   float64 `json:"skew"`
	Phases []Phase `json:"phases"`
	Surges []Surge `json:"surges"`
	// Timeout is how long a customer waits for an answer.
	Timeout Duration `json:"timeout"`
	// Events are the day's script, in order of their time.
	Events []Event `json:"events,omitempty"`
}

// Phase is a stretch of steady load.
type Phase struct {
	Name     string   `json:"name"`
	Duration Duration `json:"duration"`
	// Rate is requests per second, sent whether earlier ones were answered
	// or not.
	Rate float64 `json:"rate"`
	// Keys is how many distinct inputs the customers ask about.
	Keys int `json:"keys"`
}

// Surge multiplies the rate for a while.
type Surge struct {
	At       Duration `json:"at"`
	Duration Duration `json:"duration"`
	Factor   float64  `json:"factor"`
}

//go:embed scenarios/default.json
var defaultScenario []byte

// DefaultScenario is the committed four-hour game.
func DefaultScenario() Scenario {
	return mustParse(ParseScenario, defaultScenario, "scenarios/default.json")
}

// LoadScenario reads a scenario file.
func LoadScenario(path string) (Scenario, error) { return load(ParseScenario, "scenario", path) }

// ParseScenario reads and checks a scenario; name says where it came from.
func ParseScenario(b []byte, name string) (Scenario, error) {
	return parseChecked[Scenario](b, "scenario", name)
}

func (s Scenario) check() error {
	var problems []string
	if s.Skew <= 1 {
		problems = append(problems, fmt.Sprintf("skew %v: want a number above 1 (Zipf exponent), e.g. 1.1", s.Skew))
	}
	if len(s.Phases) == 0 {
		problems = append(problems, "no phases: want at least one {name, duration, rate, keys}")
	}
	for i, p := range s.Phases {
		if p.Duration <= 0 || p.Rate <= 0 || p.Keys < 1 {
			problems = append(problems, fmt.Sprintf("phase %d (%q): want a positive duration, rate and keys, got %s, %v/s, %d keys", i+1, p.Name, time.Duration(p.Duration), p.Rate, p.Keys))
		}
	}
	for i, u := range s.Surges {
		if u.At < 0 || u.At+u.Duration > Duration(s.Length()) || u.Duration <= 0 || u.Factor <= 0 {
			problems = append(problems, fmt.Sprintf("surge %d: want it inside the game (%s) with a positive duration and factor", i+1, s.Length()))
		}
	}
	if s.Timeout <= 0 {
		problems = append(problems, "timeout: want a duration such as \"30s\"")
	}
	problems = append(problems, s.checkEvents()...)
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// Length is the game's length.
func (s Scenario) Length() time.Duration {
	var d time.Duration
	for _, p := range s.Phases {
		d += time.Duration(p.Duration)
	}
	return d
}

// At returns the phase in force at game time t, its index, and the rate
// with any surge applied.
func (s Scenario) At(t time.Duration) (phase Phase, index int, rate float64) {
	var start time.Duration
	index = len(s.Phases) - 1
	for i, p := range s.Phases {
		if t < start+time.Duration(p.Duration) {
			index = i
			break
		}
		start += time.Duration(p.Duration)
	}
	phase = s.Phases[index]
	rate = phase.Rate
	for _, u := range s.Surges {
		if t >= time.Duration(u.At) && t < time.Duration(u.At+u.Duration) {
			rate *= u.Factor
		}
	}
	return phase, index, rate
}

// Expected is how many requests the scenario sends in its first t of game
// time: the integral of its rate, which changes only at phase and surge
// boundaries.
func (s Scenario) Expected(t time.Duration) float64 {
	total := 0.0
	s.segments(func(a, b time.Duration, rate float64) bool {
		if a >= t {
			return false
		}
		total += rate * (min(b, t) - a).Seconds()
		return true
	})
	return total
}

// TimeOf is the inverse of Expected: the game time by which n requests
// are due, or the game's length if they never are.
func (s Scenario) TimeOf(n float64) time.Duration {
	at := s.Length()
	done := 0.0
	s.segments(func(a, b time.Duration, rate float64) bool {
		in := rate * (b - a).Seconds()
		if done+in >= n {
			at = a + time.Duration((n-done)/rate*float64(time.Second))
			return false
		}
		done += in
		return true
	})
	return at
}

// segments calls f for each stretch of constant rate, in order, until f
// returns false.
func (s Scenario) segments(f func(a, b time.Duration, rate float64) bool) {
	points := []time.Duration{0}
	var start time.Duration
	for _, p := range s.Phases {
		start += time.Duration(p.Duration)
		points = append(points, start)
	}
	for _, u := range s.Surges {
		points = append(points, time.Duration(u.At), time.Duration(u.At+u.Duration))
	}
	slices.Sort(points)
	points = slices.Compact(points)
	for i := 0; i+1 < len(points); i++ {
		_, _, rate := s.At(points[i])
		if !f(points[i], points[i+1], rate) {
			return
		}
	}
}
