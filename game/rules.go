package game

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
)

// Rules turn what happened into points: points per answer by how fast it
// came, a penalty per failure, and the team's AWS bill deducted per minute.
type Rules struct {
	// Tiers are checked in order; an answer earns the points of the first
	// tier whose Below it is under. A correct answer slower than every tier
	// earns nothing but is not a failure.
	Tiers []Tier `json:"tiers"`
	// FailurePenalty is taken for every failure: an error, a timeout, or a
	// wrong answer.
	FailurePenalty float64 `json:"failurePenalty"`
	// PointsPerDollar converts the bill into points.
	PointsPerDollar float64 `json:"pointsPerDollar"`
	// HintCosts are what a team pays for a flaw's first, second and third
	// hint (the nudge, where to look, the fix). Absent: DefaultHintCosts.
	// A hint's cost is the real day's at every speed: it is not an answer
	// the sample stands for.
	HintCosts []float64 `json:"hintCosts,omitempty"`
	// QuestBonus is given when the board sees a flaw fixed in the team's
	// account. Default 0: quests tell the team what it fixed, the score
	// already pays for it.
	QuestBonus float64 `json:"questBonus,omitempty"`
}

// DefaultHintCosts price the three hints of a flaw when the rules say
// nothing: together a fifth of an hour of the baseline's bill in points,
// less than the worth of any fix but the smallest waste's.
var DefaultHintCosts = []float64{5000, 10000, 25000}

// HintCost is what the hint of level (1 to 3) costs.
func (r Rules) HintCost(level int) float64 {
	costs := r.HintCosts
	if len(costs) == 0 {
		costs = DefaultHintCosts
	}
	if level < 1 || level > len(costs) {
		return 0
	}
	return costs[level-1]
}

// Tier is a latency band and its points.
type Tier struct {
	Below  Duration `json:"below"`
	Points float64  `json:"points"`
}

//go:embed rules/default.json
var defaultRules []byte

// DefaultRules are the committed rules.
func DefaultRules() Rules { return mustParse(ParseRules, defaultRules, "rules/default.json") }

// LoadRules reads a rules file.
func LoadRules(path string) (Rules, error) { return load(ParseRules, "rules", path) }

// ParseRules reads and checks rules; name says where they came from.
func ParseRules(b []byte, name string) (Rules, error) { return parseChecked[Rules](b, "rules", name) }

// finite says a number is one a score can add up: not NaN, not infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (r Rules) check() error {
	var problems []string
	if len(r.Tiers) == 0 {
		problems = append(problems, "no tiers: want at least one {below, points}")
	}
	for i, t := range r.Tiers {
		if t.Below <= 0 || t.Points < 0 || !finite(t.Points) {
			problems = append(problems, fmt.Sprintf("tier %d: want a positive below and points of 0 or more", i+1))
		}
		if i > 0 && t.Below <= r.Tiers[i-1].Below {
			problems = append(problems, fmt.Sprintf("tier %d: below %s must be above the previous tier's %s", i+1, time.Duration(t.Below), time.Duration(r.Tiers[i-1].Below)))
		}
	}
	if r.FailurePenalty < 0 || r.PointsPerDollar < 0 || !finite(r.FailurePenalty) || !finite(r.PointsPerDollar) {
		problems = append(problems, "failurePenalty and pointsPerDollar: want 0 or more")
	}
	if n := len(r.HintCosts); n != 0 && n != catalog.HintLevels {
		problems = append(problems, fmt.Sprintf("hintCosts: want %d costs, the first, second and third hint's, got %d", catalog.HintLevels, n))
	}
	for i, c := range r.HintCosts {
		if c < 0 || !finite(c) {
			problems = append(problems, fmt.Sprintf("hintCosts[%d]: want 0 or more", i))
		}
	}
	if r.QuestBonus < 0 || !finite(r.QuestBonus) {
		problems = append(problems, "questBonus: want 0 or more")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Points is what one correct answer of this latency earns.
func (r Rules) Points(latency time.Duration) float64 {
	if i := r.tierOf(latency); i < len(r.Tiers) {
		return r.Tiers[i].Points
	}
	return 0
}

// tierOf is the index of the first tier latency is under, len(Tiers) when
// it is under none.
func (r Rules) tierOf(latency time.Duration) int {
	for i, t := range r.Tiers {
		if latency < time.Duration(t.Below) {
			return i
		}
	}
	return len(r.Tiers)
}

// Sample is the rules of a game played at speed. Requests go out at the
// scenario's rate per real second, so a game compressed speed times sends
// one in speed of the day's requests: each stands for speed of them, and
// its points or penalty count speed times. The bill runs on game time
// (CostPoints). So every term of a compressed game's score estimates the
// same term of the real day's, and their shares stay the same at every
// speed (the calibration table in docs/game.md).
func (r Rules) Sample(speed float64) Rules {
	out := r
	out.Tiers = make([]Tier, len(r.Tiers))
	for i, t := range r.Tiers {
		out.Tiers[i] = Tier{Below: t.Below, Points: t.Points * speed}
	}
	out.FailurePenalty = r.FailurePenalty * speed
	return out
}

// CostPoints is what running at costPerHour for d takes away.
func (r Rules) CostPoints(costPerHour float64, d time.Duration) float64 {
	return costPerHour * d.Hours() * r.PointsPerDollar
}
