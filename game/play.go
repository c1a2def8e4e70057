package game

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/service/api"
)

// Play configures one team's game.
type Play struct {
	// Target is the team's endpoint, the stack's Endpoint output.
	Target *url.URL
	// Scenario and Rules: the defaults are DefaultScenario and DefaultRules.
	Scenario Scenario
	Rules    Rules
	// CostPerHour is the team's estimated AWS bill, in USD an hour.
	CostPerHour float64
	// Speed compresses the game: 60 plays four hours in four minutes.
	// Default 1.
	Speed float64
	// Seed fixes the sequence of inputs. Default 1.
	Seed uint64
	// Results gets one JSON line per second; Progress a human line per
	// second. Either may be nil.
	Results, Progress io.Writer
}

// Second is one line of the results file: what completed during one real
// second of the game, and the score so far.
type Second struct {
	T        int     `json:"t"`
	GameTime string  `json:"game_time"`
	Phase    string  `json:"phase"`
	Rate     float64 `json:"rate"`
	Tally
	P50ms   float64 `json:"p50_ms"`
	P99ms   float64 `json:"p99_ms"`
	Points  float64 `json:"points"`
	Penalty float64 `json:"penalty"`
	Cost    float64 `json:"cost"`
	Score   float64 `json:"score"`
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

// ErrUnreachable is returned when the target cannot be reached at all.
var ErrUnreachable = errors.New("target unreachable")

// Check makes one request to the target, so a wrong URL fails at once
// rather than as a game of failures.
func Check(ctx context.Context, target *url.URL, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, RequestURL(target, Input(0)), nil)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, target, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %s: %v; check the Endpoint output of the team's stack", ErrUnreachable, target, err)
	}
	resp.Body.Close()
	return nil
}

// RequestURL is the target with the input as its only query parameter.
func RequestURL(target *url.URL, input string) string {
	u := *target
	u.RawQuery = url.Values{api.Param: {input}}.Encode()
	return u.String()
}

// Run plays the scenario against the target until it ends or ctx is done.
func (p Play) Run(ctx context.Context) (Summary, error) {
	if p.Speed <= 0 {
		p.Speed = 1
	}
	if p.Seed == 0 {
		p.Seed = 1
	}
	if p.Target == nil || (p.Target.Scheme != "http" && p.Target.Scheme != "https") || p.Target.Host == "" {
		return Summary{}, fmt.Errorf("target %v: want an http:// or https:// URL, the stack's Endpoint output", p.Target)
	}
	if err := Check(ctx, p.Target, time.Duration(p.Scenario.Timeout)); err != nil {
		return Summary{}, err
	}

	keys := NewKeys(p.Seed, p.Scenario.Skew)
	pace := pacer{scenario: p.Scenario, speed: p.Speed}
	start := time.Now()
	var (
		mu       sync.Mutex
		distinct = map[int]bool{}
	)
	targeter := func(t *vegeta.Target) error {
		phase, _, _ := p.Scenario.At(pace.gameTime(time.Since(start)))
		rank := keys.NextRank(phase.Keys)
		mu.Lock()
		distinct[rank] = true
		mu.Unlock()
		t.Method, t.URL = http.MethodGet, RequestURL(p.Target, Input(rank))
		return nil
	}
	attacker := NewAttacker(time.Duration(p.Scenario.Timeout))
	results := attacker.Attack(vegeta.Targeter(targeter), pace, 0, "gameday")

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

// scorer turns results into seconds and a summary.
type scorer struct {
	play    Play
	start   time.Time
	buckets map[int]*bucket
	next    int // the first second not yet written
	score   float64
	sum     Summary
	all     *hdrhistogram.Histogram
	hits    *hdrhistogram.Histogram
	misses  *hdrhistogram.Histogram
	err     error
}

type bucket struct {
	sec  Second
	hist *hdrhistogram.Histogram
}

// NewHistogram records latencies in microseconds.
func NewHistogram() *hdrhistogram.Histogram {
	// Microseconds, from 1 µs to 5 minutes, 3 significant digits.
	return hdrhistogram.New(1, int64(5*time.Minute/time.Microsecond), 3)
}

func newScorer(p Play, start time.Time) *scorer {
	return &scorer{play: p, start: start, buckets: map[int]*bucket{}, all: NewHistogram(), hits: NewHistogram(), misses: NewHistogram()}
}

// add scores one result in the second it completed.
func (s *scorer) add(r *vegeta.Result) {
	sec := int(r.End().Sub(s.start) / time.Second)
	b, ok := s.buckets[sec]
	if !ok {
		b = &bucket{hist: NewHistogram()}
		s.buckets[sec] = b
	}
	s.sum.Sent++
	o := Judge(r)
	b.sec.Count(o)
	if o.OK {
		b.sec.Points += s.play.Rules.Points(r.Latency)
	} else {
		b.sec.Penalty += s.play.Rules.FailurePenalty
	}
	us := max(r.Latency.Microseconds(), 1)
	_ = b.hist.RecordValue(us)
	_ = s.all.RecordValue(us)
	if o.Hit {
		_ = s.hits.RecordValue(us)
	}
	if o.Miss {
		_ = s.misses.RecordValue(us)
	}
}

// MaxConnectionsPerTeam caps the connections the engine opens to one
// endpoint. The most a stack in this game holds at once is the Classic
// Load Balancer's surge queue of 1,024 plus the instances it feeds; a
// customer beyond the cap waits for a connection, and the wait counts in
// its latency. The cap bounds the engine's open files: 20 teams need up
// to 22,000.
const MaxConnectionsPerTeam = 1100

// NewAttacker is the load generator of every game: customers who wait
// timeout for an answer, reuse their connections, follow no redirect and
// read at most 1 KB (an answer is 65 bytes; anything longer is wrong).
func NewAttacker(timeout time.Duration) *vegeta.Attacker {
	// vegeta's own dialer binds 0.0.0.0 before every connect. With
	// thousands of sockets open, Linux then spends its time looking for a
	// free port (inet_bind_conflict): 20 teams at the peak on 2 cores failed
	// up to 65,000 of 144,000 requests. Without a bind, connect picks the port.
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	client := &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: MaxConnectionsPerTeam,
		MaxConnsPerHost:     MaxConnectionsPerTeam,
	}}
	return vegeta.NewAttacker(
		vegeta.Client(client), // first: the options below adjust it
		vegeta.Timeout(timeout),
		vegeta.KeepAlive(true),
		vegeta.MaxBody(1024),
		vegeta.Redirects(vegeta.NoFollow),
	)
}

// Tally counts answers by outcome; Failed includes Wrong and Timeouts.
type Tally struct {
	Answers  int `json:"answers"`
	OK       int `json:"ok"`
	Failed   int `json:"failed"`
	Wrong    int `json:"wrong"`
	Timeouts int `json:"timeouts"`
	Hits     int `json:"cache_hits"`
	Misses   int `json:"cache_misses"`
}

// Count adds one answer.
func (t *Tally) Count(o Outcome) {
	t.Answers++
	if o.OK {
		t.OK++
	} else {
		t.Failed++
	}
	if o.Wrong {
		t.Wrong++
	}
	if o.Timeout {
		t.Timeouts++
	}
	if o.Hit {
		t.Hits++
	}
	if o.Miss {
		t.Misses++
	}
}

// Add adds another tally's counts.
func (t *Tally) Add(u Tally) {
	t.Answers += u.Answers
	t.OK += u.OK
	t.Failed += u.Failed
	t.Wrong += u.Wrong
	t.Timeouts += u.Timeouts
	t.Hits += u.Hits
	t.Misses += u.Misses
}

// HitRatio is the share of answers the endpoint said came from its cache,
// or -1 when it never said.
func (t Tally) HitRatio() float64 {
	if t.Hits+t.Misses == 0 {
		return -1
	}
	return float64(t.Hits) / float64(t.Hits+t.Misses)
}

// ErrorRate is the share of answers that failed, 0 with no answers.
func (t Tally) ErrorRate() float64 {
	if t.Answers == 0 {
		return 0
	}
	return float64(t.Failed) / float64(t.Answers)
}

// Outcome is what one answer was. Hit and Miss report the endpoint's
// X-Cache header; both are false when it has none.
type Outcome struct{ OK, Wrong, Timeout, Hit, Miss bool }

// Judge verifies one answer: a 200 must carry the documented hash of the
// input asked for, or it is a wrong answer; anything else is a failure.
func Judge(r *vegeta.Result) Outcome {
	var o Outcome
	cache := strings.ToLower(r.Headers.Get("X-Cache"))
	o.Hit = strings.Contains(cache, "hit")
	o.Miss = strings.Contains(cache, "miss")
	if r.Code == http.StatusOK {
		u, err := url.Parse(r.URL)
		if err == nil && string(r.Body) == api.Hash(u.Query().Get(api.Param)) {
			o.OK = true
		} else {
			o.Wrong = true
		}
		return o
	}
	e := strings.ToLower(r.Error)
	o.Timeout = strings.Contains(e, "timeout") || strings.Contains(e, "deadline exceeded")
	return o
}

// flush writes every second that has fully passed.
func (s *scorer) flush(elapsed time.Duration) {
	for ; s.next < int(elapsed/time.Second); s.next++ {
		s.write(s.next)
	}
}

func (s *scorer) write(sec int) {
	b, ok := s.buckets[sec]
	if !ok {
		b = &bucket{hist: NewHistogram()}
	}
	delete(s.buckets, sec)
	pace := pacer{scenario: s.play.Scenario, speed: s.play.Speed}
	gameAt := pace.gameTime(time.Duration(sec) * time.Second)
	phase, _, rate := s.play.Scenario.At(gameAt)
	line := b.sec
	line.T = sec
	line.GameTime = gameAt.Round(time.Second).String()
	line.Phase, line.Rate = phase.Name, rate
	if gameAt >= s.play.Scenario.Length() {
		line.Phase, line.Rate = "ended", 0 // answers still arriving
	}
	if line.Answers > 0 {
		line.P50ms = float64(b.hist.ValueAtQuantile(50)) / 1000
		line.P99ms = float64(b.hist.ValueAtQuantile(99)) / 1000
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
	for sec := range s.buckets {
		last = max(last, sec+1)
	}
	for ; s.next < last; s.next++ {
		s.write(s.next)
	}
	s.sum.Elapsed = time.Since(s.start)
	if s.all.TotalCount() > 0 {
		s.sum.P50 = time.Duration(s.all.ValueAtQuantile(50)) * time.Microsecond
		s.sum.P99 = time.Duration(s.all.ValueAtQuantile(99)) * time.Microsecond
	}
	if s.hits.TotalCount() > 0 {
		s.sum.HitP50 = time.Duration(s.hits.ValueAtQuantile(50)) * time.Microsecond
	}
	if s.misses.TotalCount() > 0 {
		s.sum.MissP50 = time.Duration(s.misses.ValueAtQuantile(50)) * time.Microsecond
	}
	return s.sum
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
