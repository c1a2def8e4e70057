package game

import (
	"math"
	"time"
)

// StackModel is what the calibration needs to know of one fix set: whether a
// cache answers repeated questions, how many targets serve the misses and
// how fast, and what the stack costs an hour at a given traffic.
type StackModel struct {
	Name string
	// Cache: a cache in front keeps every answer it has seen.
	Cache bool
	// Targets serve the misses, one process each. With Autoscale, target
	// tracking keeps between MinTargets and Targets in service, each at
	// TargetUse of its capacity; without, Targets serve.
	Targets, MinTargets int
	Autoscale           bool
	TargetUse           float64
	// PerTarget is how many answers a second one target completes.
	PerTarget float64
	// MissLatency is how long an answer takes when the service computes it.
	MissLatency time.Duration
	// Bill is the stack's cost in USD an hour at the given traffic.
	Bill func(Traffic) (float64, error)
}

// hitLatency is what a cached answer takes: well inside the best tier.
const hitLatency = 20 * time.Millisecond

// Expectation is the expected score of a whole game of a stack, term by
// term, in points.
type Expectation struct {
	Stack                  string
	Speed                  float64
	Requests, Hits, Failed float64 // requests sent, answered from the cache, failed
	Points, Penalty, Cost  float64
	Score                  float64
	CostPerHour            float64 // the mean bill over the game
}

// Shares are the terms' parts of the score's magnitude: points,
// penalties and bill, adding up to 1.
func (e Expectation) Shares() (points, penalty, cost float64) {
	total := e.Points + e.Penalty + e.Cost
	if total == 0 {
		return 0, 0, 0
	}
	return e.Points / total, e.Penalty / total, e.Cost / total
}

// Expect computes the expected score of the game for a stack, with the
// very definitions the games score by:
// the questions are KeyOf's Zipf draws over Phase.KeysAt(speed) keys, the
// answers count Rules.Sample(speed), the bill runs on game time. A miss
// is served if the targets have room for it and fails otherwise (the
// service sheds what it cannot queue); a hit is served from the cache.
// It is a model, not a game: no queueing delay, no start-up, no chaos.
func (g Setup) Expect(s StackModel) (Expectation, error) {
	sc, rules, speed := g.Scenario, g.Rules, g.Speed
	sampled := g.Sampled()
	e := Expectation{Stack: s.Name, Speed: speed}
	unseen := map[int]float64{} // per key rank, the chance no request asked it yet
	var billed float64
	var err error
	sc.segments(func(a, b time.Duration, rate float64) bool {
		phase, _, _ := sc.At(a)
		real := (b - a).Seconds() / speed
		requests := rate * real
		keys := phase.KeysAt(speed)
		misses := requests
		if s.Cache {
			misses = 0
			probs := zipf(sc.Skew, keys)
			for k, p := range probs {
				u, ok := unseen[k]
				if !ok {
					u = 1
				}
				notAsked := math.Pow(1-p, requests)
				misses += u * (1 - notAsked)
				unseen[k] = u * notAsked
			}
		}
		hits := requests - misses
		missRate := misses / real
		targets := float64(s.Targets)
		if s.Autoscale {
			targets = min(max(math.Ceil(missRate/(s.PerTarget*s.TargetUse)), float64(s.MinTargets)), float64(s.Targets))
		}
		served := min(missRate, targets*s.PerTarget) * real
		failed := misses - served
		e.Requests += requests
		e.Hits += hits
		e.Failed += failed
		e.Points += hits*sampled.Points(hitLatency) + served*sampled.Points(s.MissLatency)
		e.Penalty += failed * sampled.FailurePenalty
		perHour, berr := s.Bill(Traffic{RPS: rate, HitRatio: hits / requests})
		if berr != nil {
			err = berr
			return false
		}
		e.Cost += rules.CostPoints(perHour, b-a)
		billed += perHour * (b - a).Hours()
		return true
	})
	if err != nil {
		return Expectation{}, err
	}
	e.Score = e.Points - e.Penalty - e.Cost
	e.CostPerHour = billed / sc.Length().Hours()
	return e, nil
}

// zipf is the probability of each key rank under KeyOf's draw: rand.Zipf
// with v = 1 over ranks 0 to keys-1, P(k) proportional to (1+k)^-skew.
func zipf(skew float64, keys int) []float64 {
	out := make([]float64, max(keys, 1))
	total := 0.0
	for k := range out {
		out[k] = math.Pow(1+float64(k), -skew)
		total += out[k]
	}
	for k := range out {
		out[k] /= total
	}
	return out
}
