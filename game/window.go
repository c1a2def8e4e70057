package game

import (
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Scored is what one window of answers earned: their counts, latency
// quantiles, points and penalties. A second of `gameday play` and a
// minute of the board are both one.
type Scored struct {
	Tally
	// Tiers counts the correct answers by the rules' latency tiers, in
	// their order, the last entry those slower than every tier: what the
	// points follow from, so a board can score a worker's minute itself.
	Tiers   []int   `json:"tiers,omitempty"`
	P50ms   float64 `json:"p50_ms"`
	P99ms   float64 `json:"p99_ms"`
	Points  float64 `json:"points"`
	Penalty float64 `json:"penalty"`
}

// Window scores answers as they land: the one place where an answer is
// judged, counted and turned into points or a penalty.
type Window struct {
	scored Scored
	hist   *hdrhistogram.Histogram
}

// NewWindow returns an empty window.
func NewWindow() *Window { return &Window{hist: NewHistogram()} }

// Add judges one answer with the team's key, scores it under rules, and
// returns its outcome.
func (w *Window) Add(r *vegeta.Result, rules Rules, key []byte) Outcome {
	o := Judge(r, key)
	w.scored.Count(o)
	if o.OK {
		if w.scored.Tiers == nil {
			w.scored.Tiers = make([]int, len(rules.Tiers)+1)
		}
		w.scored.Tiers[rules.tierOf(r.Latency)]++
		w.scored.Points += rules.Points(r.Latency)
	} else {
		w.scored.Penalty += rules.FailurePenalty
	}
	_ = w.hist.RecordValue(Micros(r.Latency))
	return o
}

// Scored is the window's score so far, its quantiles included.
func (w *Window) Scored() Scored {
	s := w.scored
	s.Tiers = slices.Clone(s.Tiers) // the window goes on counting
	if s.Answers > 0 {
		s.P50ms = float64(w.hist.ValueAtQuantile(50)) / 1000
		s.P99ms = float64(w.hist.ValueAtQuantile(99)) / 1000
	}
	return s
}

// NewHistogram records latencies in microseconds, from 1 µs to 5 minutes,
// to 3 significant digits.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(5*time.Minute/time.Microsecond), 3)
}

// Micros is a latency as a histogram records it: at least 1 µs.
func Micros(d time.Duration) int64 { return max(d.Microseconds(), 1) }
