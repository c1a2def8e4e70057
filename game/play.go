package game

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/service/api"
)

// Play configures one team's game.
type Play struct {
	// Setup is the game: scenario, rules, speed and seed (DefaultSetup is
	// the real day's).
	Setup
	// Target is the team's endpoint, the stack's Endpoint output.
	Target *url.URL
	// Key is the team's answer key, the one its service answers with
	// (api.Answer): at least api.MinKeyBytes.
	Key []byte
	// CostPerHour is the team's estimated AWS bill, in USD an hour.
	CostPerHour float64
	// Results gets one JSON line per second; Progress a human line per
	// second; Events a line per event of the scenario's script, at its
	// game time (play announces chaos events, it starts no experiment:
	// the board does). Any may be nil.
	Results, Progress, Events io.Writer
}

// Second is one line of the results file: what completed during one real
// second of the game, and the score so far.
type Second struct {
	T        int     `json:"t"`
	GameTime string  `json:"game_time"`
	Phase    string  `json:"phase"`
	Rate     float64 `json:"rate"`
	Scored
	Cost  float64 `json:"cost"`
	Score float64 `json:"score"`
	// Events of the script that came due during the second.
	Events []string `json:"events,omitempty"`
}

// Summary is the whole game.
type Summary struct {
	Sent int
	Tally
	DistinctKeys int
	P50, P99     time.Duration
	// HitP50 and MissP50 split the median by what the endpoint's X-Cache
	// said; zero when it said nothing.
	HitP50, MissP50              time.Duration
	Points, Penalty, Cost, Score float64
	Elapsed                      time.Duration
}

// BestHitRatio is the most a cache could have served: every key but its
// first request.
func (s Summary) BestHitRatio() float64 {
	if s.Sent == 0 {
		return 0
	}
	return 1 - float64(s.DistinctKeys)/float64(s.Sent)
}

// Run plays the scenario against the target until it ends or ctx is done.
func (p Play) Run(ctx context.Context) (Summary, error) {
	if err := p.Setup.Validate(); err != nil {
		return Summary{}, err
	}
	if math.IsNaN(p.CostPerHour) || p.CostPerHour < 0 || p.CostPerHour > contract.MaxCostPerHour {
		return Summary{}, fmt.Errorf("cost %v USD an hour: want a number from 0 to %d", p.CostPerHour, contract.MaxCostPerHour)
	}
	if err := api.CheckKey(p.Key); err != nil {
		return Summary{}, err
	}
	if p.Target == nil || (p.Target.Scheme != "http" && p.Target.Scheme != "https") || p.Target.Host == "" {
		return Summary{}, fmt.Errorf("target %v: want an http:// or https:// URL, the stack's Endpoint output", p.Target)
	}
	if err := Check(ctx, p.Target, time.Duration(p.Scenario.Timeout)); err != nil {
		return Summary{}, err
	}

	var (
		next     atomic.Uint64
		mu       sync.Mutex
		distinct = map[int]bool{}
	)
	targeter := func(t *vegeta.Target) error {
		rank := p.KeyOf(next.Add(1) - 1)
		mu.Lock()
		distinct[rank] = true
		mu.Unlock()
		t.Method, t.URL = http.MethodGet, RequestURL(p.Target, p.Input(rank))
		return nil
	}
	start := time.Now()
	attacker := NewAttacker(time.Duration(p.Scenario.Timeout))
	results := attacker.Attack(vegeta.Targeter(targeter), Pacer{Scenario: p.Scenario, Speed: p.Speed, Now: Compressed(p.Speed)}, 0, "gameday")

	s := newScorer(p, start)
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	done := ctx.Done()
	for {
		select {
		case r, ok := <-results:
			if !ok {
				sum := s.finish()
				sum.DistinctKeys = len(distinct)
				return sum, s.err
			}
			s.add(r)
		case <-ticker.C:
			s.flush(time.Since(start))
		case <-done:
			attacker.Stop() // results drain and close
			done = nil
		}
	}
}

// scorer turns results into seconds, each a Window, and a summary.
type scorer struct {
	play    Play
	start   time.Time
	seconds map[int]*Window
	next    int // the first second not yet written
	fired   int // the script's events written so far
	score   float64
	sum     Summary
	all     *hdrhistogram.Histogram
	hits    *hdrhistogram.Histogram
	misses  *hdrhistogram.Histogram
	err     error
	sampled Rules // the rules each answer scores by
}

func newScorer(p Play, start time.Time) *scorer {
	return &scorer{play: p, start: start, seconds: map[int]*Window{}, all: NewHistogram(), hits: NewHistogram(), misses: NewHistogram(), sampled: p.Sampled()}
}

// add scores one result in the second it completed.
func (s *scorer) add(r *vegeta.Result) {
	sec := int(r.End().Sub(s.start) / time.Second)
	w, ok := s.seconds[sec]
	if !ok {
		w = NewWindow()
		s.seconds[sec] = w
	}
	s.sum.Sent++
	o := w.Add(r, s.sampled, s.play.Key)
	us := Micros(r.Latency)
	_ = s.all.RecordValue(us)
	if o.Hit {
		_ = s.hits.RecordValue(us)
	}
	if o.Miss {
		_ = s.misses.RecordValue(us)
	}
}

// flush writes every second that has fully passed.
func (s *scorer) flush(elapsed time.Duration) {
	for ; s.next < int(elapsed/time.Second); s.next++ {
		s.write(s.next)
	}
}

func (s *scorer) write(sec int) {
	line := Second{T: sec}
	if w, ok := s.seconds[sec]; ok {
		line.Scored = w.Scored()
		delete(s.seconds, sec)
	}
	gameAt := Compressed(s.play.Speed)(time.Duration(sec) * time.Second)
	phase, _, rate := s.play.Scenario.At(gameAt)
	line.GameTime = gameAt.Round(time.Second).String()
	line.Phase, line.Rate = phase.Name, rate
	if gameAt >= s.play.Scenario.Length() {
		line.Phase, line.Rate = "ended", 0 // answers still arriving
	}
	// The bill runs on game time, a compressed second being Speed seconds
	// of it, and stops when the game does: answers still arriving after
	// the end cost nothing more.
	billed := min(time.Duration(s.play.Speed*float64(time.Second)), max(s.play.Scenario.Length()-gameAt, 0))
	line.Cost = s.play.Rules.CostPoints(s.play.CostPerHour, billed)
	s.score += line.Points - line.Penalty - line.Cost
	line.Score = s.score

	s.sum.Add(line.Tally)
	s.sum.Points += line.Points
	s.sum.Penalty += line.Penalty
	s.sum.Cost += line.Cost
	s.sum.Score = s.score

	for _, e := range s.play.Scenario.Due(s.fired, Compressed(s.play.Speed)(time.Duration(sec+1)*time.Second)) {
		s.fired++
		line.Events = append(line.Events, e.Text())
		if s.play.Events != nil {
			fmt.Fprintf(s.play.Events, "at %s: %s\n", time.Duration(e.At), e.Text())
		}
	}
	if s.play.Results != nil && s.err == nil {
		b, _ := json.Marshal(line)
		if _, err := s.play.Results.Write(append(b, '\n')); err != nil {
			s.err = fmt.Errorf("writing results: %w", err)
		}
	}
	if s.play.Progress != nil {
		fmt.Fprintln(s.play.Progress, progressLine(line, s.play.Scenario.Length()))
	}
}

// finish writes the seconds still open and returns the summary.
func (s *scorer) finish() Summary {
	last := s.next
	for sec := range s.seconds {
		last = max(last, sec+1)
	}
	for ; s.next < last; s.next++ {
		s.write(s.next)
	}
	s.sum.Elapsed = time.Since(s.start)
	s.sum.P50, s.sum.P99 = quantile(s.all, 50), quantile(s.all, 99)
	s.sum.HitP50, s.sum.MissP50 = quantile(s.hits, 50), quantile(s.misses, 50)
	return s.sum
}

// quantile of a latency histogram; 0 when it is empty.
func quantile(h *hdrhistogram.Histogram, q float64) time.Duration {
	if h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.ValueAtQuantile(q)) * time.Microsecond
}

// progressLine is one second for a person watching.
func progressLine(l Second, length time.Duration) string {
	hit := "-"
	if r := l.HitRatio(); r >= 0 {
		hit = fmt.Sprintf("%.0f%%", r*100)
	}
	return fmt.Sprintf("%8s/%s  %-8s  score %10.0f (%+6.0f)  %6.1f req/s (due %.1f)  p50 %7.1fms  p99 %7.1fms  errors %5.1f%%  cache hits %s",
		l.GameTime, length, l.Phase, l.Score, l.Points-l.Penalty-l.Cost, float64(l.Answers), l.Rate, l.P50ms, l.P99ms, l.ErrorRate()*100, hit)
}
