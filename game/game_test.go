package game

import (
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/service/api"
)

func TestPointsPerTier(t *testing.T) {
	r := DefaultRules()
	for _, c := range []struct {
		latency time.Duration
		want    float64
	}{
		{4 * time.Millisecond, 10}, {99 * time.Millisecond, 10}, {100 * time.Millisecond, 5},
		{400 * time.Millisecond, 5}, {1500 * time.Millisecond, 2}, {4 * time.Second, 1}, {12 * time.Second, 0},
	} {
		if got := r.Points(c.latency); got != c.want {
			t.Errorf("%s earns %v, want %v", c.latency, got, c.want)
		}
	}
	// $0.6912 an hour for a minute at 200,000 points a dollar.
	if got := r.CostPoints(0.6912, time.Minute); math.Abs(got-2304) > 1e-9 {
		t.Errorf("a minute at $0.6912/h costs %v points, want 2,304", got)
	}
	// At speed 240 an answer stands for 240 of the day's; the bill does
	// not change.
	if s := r.Sample(240); s.Points(4*time.Millisecond) != 2400 || s.FailurePenalty != 1200 || s.CostPoints(0.6912, time.Minute) != r.CostPoints(0.6912, time.Minute) {
		t.Errorf("sampled at 240: %v a fast answer, %v a failure", s.Points(4*time.Millisecond), s.FailurePenalty)
	}
	if r.Points(4*time.Millisecond) != 10 {
		t.Error("Sample changed the rules it was called on")
	}
}

func TestDefaultFilesAreValid(t *testing.T) {
	s := DefaultScenario()
	if s.Length() != 4*time.Hour {
		t.Errorf("default game lasts %s, want 4h", s.Length())
	}
	for i := 1; i < len(s.Phases); i++ {
		if s.Phases[i].Rate <= s.Phases[i-1].Rate || s.Phases[i].Keys < s.Phases[i-1].Keys {
			t.Errorf("phase %d does not raise the load and grow the key space", i+1)
		}
	}
	DefaultRules()
	if p := DefaultPrices(); p.Hourly["ec2:m5.large"] != 0.096 || p.Date == "" || p.Source == "" {
		t.Errorf("prices %+v", p)
	}
}

func TestScenarioErrorsNameTheProblem(t *testing.T) {
	for file, want := range map[string]string{
		`{`: "unexpected EOF",
		`{"skew": 1.2, "timeout": "30s", "phases": [{"name": "a", "duration": "10", "rate": 1, "keys": 5}]}`:                                                           `want a duration such as "30m"`,
		`{"skew": 0.5, "timeout": "30s", "phases": [{"name": "a", "duration": "10m", "rate": 1, "keys": 5}]}`:                                                          "skew 0.5: want a number above 1",
		`{"skew": 1.2, "timeout": "30s", "phases": []}`:                                                                                                                "no phases",
		`{"skew": 1.2, "timeout": "30s", "phases": [{"name": "a", "duration": "10m", "rate": 0, "keys": 5}]}`:                                                          `phase 1 ("a"): want a positive duration, rate and keys`,
		`{"skew": 1.2, "timeout": "30s", "phases": [{"name": "a", "duration": "10m", "rate": 1, "keys": 5}], "surges": [{"at": "9m", "duration": "5m", "factor": 2}]}`: "surge 1: want it inside the game",
		`{"skew": 1.2, "phases": [{"name": "a", "duration": "10m", "rate": 1, "keys": 5}]}`:                                                                            "timeout: want a duration",
		`{"skew": 1.2, "timeout": "30s", "rates": []}`:                                                                                                                 `unknown field "rates"`,
	} {
		_, err := ParseScenario([]byte(file), "x.json")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "scenario x.json: ") {
			t.Errorf("%s:\n error %v\n want it to contain %q", file, err, want)
		}
	}
}

func TestRulesErrorsNameTheProblem(t *testing.T) {
	for file, want := range map[string]string{
		`{"tiers": []}`: "no tiers",
		`{"tiers": [{"below": "1s", "points": 5}, {"below": "500ms", "points": 1}]}`: "tier 2: below 500ms must be above the previous tier's 1s",
		`{"tiers": [{"below": "1s", "points": 5}], "failurePenalty": -1}`:            "want 0 or more",
		`{"tiers": [{"below": "1s", "points": 5}], "hintCosts": [1, 2]}`:             "hintCosts: want 3 costs, the first, second and third hint's, got 2",
		`{"tiers": [{"below": "1s", "points": 5}], "hintCosts": [1, -2, 3]}`:         "hintCosts[1]: want 0 or more",
		`{"tiers": [{"below": "1s", "points": 5}], "questBonus": -100}`:              "questBonus: want 0 or more",
	} {
		if _, err := ParseRules([]byte(file), "r.json"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", file, err, want)
		}
	}
}

// A rules file's hint costs are its own; without any, the defaults.
func TestHintCostsComeFromTheRulesOrTheDefaults(t *testing.T) {
	r, err := ParseRules([]byte(`{"tiers": [{"below": "1s", "points": 5}], "hintCosts": [0, 100, 1000]}`), "r.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := []float64{r.HintCost(1), r.HintCost(2), r.HintCost(3), r.HintCost(4)}; !slices.Equal(got, []float64{0, 100, 1000, 0}) {
		t.Errorf("the file's costs read %v, want 0, 100, 1000 and none past the third", got)
	}
	d := DefaultRules()
	if got := []float64{d.HintCost(1), d.HintCost(2), d.HintCost(3)}; !slices.Equal(got, DefaultHintCosts) {
		t.Errorf("the committed rules' costs %v, want the defaults %v", got, DefaultHintCosts)
	}
}

func TestExpectedIntegratesPhasesAndSurges(t *testing.T) {
	s := Scenario{Skew: 1.1, Timeout: Duration(time.Second), Phases: []Phase{
		{Name: "a", Duration: Duration(time.Minute), Rate: 2, Keys: 10},
		{Name: "b", Duration: Duration(time.Minute), Rate: 10, Keys: 20},
	}, Surges: []Surge{{At: Duration(90 * time.Second), Duration: Duration(10 * time.Second), Factor: 3}}}
	for _, c := range []struct {
		at   time.Duration
		want float64
	}{
		{30 * time.Second, 60}, {time.Minute, 120}, {90 * time.Second, 420},
		{100 * time.Second, 420 + 300}, {2 * time.Minute, 420 + 300 + 200},
	} {
		if got := s.Expected(c.at); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Expected(%s) = %v, want %v", c.at, got, c.want)
		}
	}
	for _, n := range []float64{0, 60, 120, 421, 919} {
		if got := s.Expected(s.TimeOf(n)); math.Abs(got-n) > 1e-6 {
			t.Errorf("Expected(TimeOf(%v)) = %v", n, got)
		}
	}
	if _, i, rate := s.At(95 * time.Second); i != 1 || rate != 30 {
		t.Errorf("At(95s) = phase %d rate %v, want phase 2 at 30/s", i+1, rate)
	}
}

func TestPacerIsOpenLoop(t *testing.T) {
	s := Scenario{Skew: 1.1, Timeout: Duration(time.Second), Phases: []Phase{{Name: "a", Duration: Duration(time.Hour), Rate: 100, Keys: 10}}}
	p := Pacer{Scenario: s, Speed: 60, Now: Compressed(60)}
	// Behind schedule (no answers came back yet): send at once.
	if wait, stop := p.Pace(time.Second, 10); wait != 0 || stop {
		t.Errorf("behind by 90 requests: wait %s stop %v", wait, stop)
	}
	// Request n (from 0) is due once the scenario has sent n: at 1 s,
	// request 100 is due now and request 101 one interval later.
	if wait, _ := p.Pace(time.Second, 100); wait != 0 {
		t.Errorf("request 100 at 1 s: wait %s, want 0", wait)
	}
	if wait, _ := p.Pace(time.Second, 101); wait <= 0 || wait > 20*time.Millisecond {
		t.Errorf("request 101 at 1 s: wait %s, want about 10ms", wait)
	}
	// At a low rate the wait is the whole interval: the attacker sends
	// when it ends.
	slow := Pacer{Scenario: Scenario{Phases: []Phase{{Duration: Duration(time.Hour), Rate: 2, Keys: 1}}}, Speed: 1, Now: Compressed(1)}
	if wait, _ := slow.Pace(time.Second, 3); wait < 490*time.Millisecond || wait > 510*time.Millisecond {
		t.Errorf("at 2/s, request 3 at 1 s: wait %s, want 500ms", wait)
	}
	// A one-hour game at speed 60 ends after a minute.
	if _, stop := p.Pace(time.Minute, 6000); !stop {
		t.Error("did not stop at the end of the game")
	}
}

func TestKeysFollowZipfAndTheSeed(t *testing.T) {
	const n, draws = 1000, 200000
	sc := Scenario{Skew: 1.2, Phases: []Phase{{Duration: Duration(time.Hour), Rate: draws / 3600.0, Keys: n}}}
	counts := make([]int, n)
	for i := range uint64(draws) {
		counts[Setup{Scenario: sc, Speed: 1, Seed: 7}.KeyOf(i)]++
	}
	// P(rank r) is proportional to (1 + r)^-s.
	norm := 0.0
	for r := range n {
		norm += math.Pow(float64(1+r), -1.2)
	}
	for _, r := range []int{0, 1, 9} {
		want := math.Pow(float64(1+r), -1.2) / norm
		got := float64(counts[r]) / draws
		if math.Abs(got-want) > 0.1*want {
			t.Errorf("rank %d drawn %.4f of the time, want %.4f", r, got, want)
		}
	}
	first := make([]int, 100)
	for i := range first {
		first[i] = Setup{Scenario: sc, Speed: 1, Seed: 42}.KeyOf(uint64(i))
	}
	same, other := 0, 0
	seed42, seed43 := Setup{Scenario: sc, Speed: 1, Seed: 42}, Setup{Scenario: sc, Speed: 1, Seed: 43}
	for i, k := range first {
		if seed42.KeyOf(uint64(i)) == k {
			same++
		}
		if seed43.KeyOf(uint64(i)) != k {
			other++
		}
	}
	if same != 100 || other < 50 {
		t.Errorf("same seed agreed on %d of 100 keys, another seed differed on %d", same, other)
	}
}

// Two games with different seeds ask different inputs, with the same
// popularity curve: the same share of repeats, so a cache hits as often,
// and no input of one game is asked in the other.
func TestTwoSeedsAskDifferentInputsWithTheSameRepeats(t *testing.T) {
	sc := Scenario{Skew: 1.01, Phases: []Phase{{Duration: Duration(time.Hour), Rate: 50000 / 3600.0, Keys: 6400}}}
	one, two := Setup{Scenario: sc, Speed: 1, Seed: 1}, Setup{Scenario: sc, Speed: 1, Seed: 0x9e3779b97f4a7c15}
	asked := func(s Setup) (map[string]int, float64) {
		inputs := map[string]int{}
		for n := range s.Requests() {
			inputs[s.Input(s.KeyOf(n))]++
		}
		return inputs, 1 - float64(len(inputs))/float64(s.Requests())
	}
	a, repeatsA := asked(one)
	b, repeatsB := asked(two)
	for in := range a {
		if _, ok := b[in]; ok {
			t.Fatalf("input %s is asked in both games", in)
		}
	}
	if math.Abs(repeatsA-repeatsB) > 0.01 {
		t.Errorf("repeats %.3f and %.3f: the seeds changed the popularity curve", repeatsA, repeatsB)
	}
	again := Setup{Scenario: sc, Speed: 1, Seed: 1}
	if again.Input(0) != one.Input(0) || one.Input(0) == one.Input(1) || !strings.HasPrefix(one.Input(0), "unicorn-") || len(one.Input(0)) != len("unicorn-")+16 {
		t.Errorf("inputs %q and %q: want unicorn- and 16 hex digits, the same for a rank", one.Input(0), one.Input(1))
	}
}

// Request n asks about a key of the phase it is due in.
func TestKeysGrowWithThePhases(t *testing.T) {
	sc := Scenario{Skew: 1.01, Phases: []Phase{{Duration: Duration(time.Minute), Rate: 10, Keys: 5}, {Duration: Duration(time.Minute), Rate: 10, Keys: 1000}}}
	high := 0
	for n := range uint64(1200) {
		k := Setup{Scenario: sc, Speed: 1, Seed: 1}.KeyOf(n)
		if n < 600 && k >= 5 {
			t.Fatalf("request %d, due in the first phase, asked key %d of 5", n, k)
		}
		if k >= 5 {
			high++
		}
	}
	if high == 0 {
		t.Error("no request of the second phase asked beyond the first phase's keys")
	}
}

func TestJudgeVerifiesEveryAnswer(t *testing.T) {
	u := RequestURL(mustURL(t, "http://x/"), "abc")
	headers := http.Header{"X-Cache": {"Hit from cloudfront"}}
	for name, c := range map[string]struct {
		r    vegeta.Result
		want Outcome
	}{
		"right":   {vegeta.Result{Code: 200, URL: u, Body: []byte(api.Answer(testKey, "abc")), Headers: headers}, Outcome{OK: true, Hit: true}},
		"wrong":   {vegeta.Result{Code: 200, URL: u, Body: []byte(api.Answer(testKey, "abd"))}, Outcome{Wrong: true}},
		"stale":   {vegeta.Result{Code: 200, URL: u, Body: []byte(strings.TrimSpace(api.Answer(testKey, "abc")))}, Outcome{Wrong: true}},
		"503":     {vegeta.Result{Code: 503, URL: u, Error: "503 Service Unavailable", Headers: http.Header{"X-Cache": {"Error from cloudfront"}}}, Outcome{}},
		"timeout": {vegeta.Result{URL: u, Error: "Get \"http://x/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"}, Outcome{Timeout: true}},
		"miss":    {vegeta.Result{Code: 200, URL: u, Body: []byte(api.Answer(testKey, "abc")), Headers: http.Header{"X-Cache": {"Miss from cloudfront"}}}, Outcome{OK: true, Miss: true}},
		// What a CloudFront Function or a Lambda without the key could answer.
		"plain SHA-256": {vegeta.Result{Code: 200, URL: u, Body: []byte("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n")}, Outcome{Wrong: true}},
		"another key":   {vegeta.Result{Code: 200, URL: u, Body: []byte(api.Answer([]byte("another-teams-key-of-32-bytes-ok"), "abc"))}, Outcome{Wrong: true}},
	} {
		if got := Judge(&c.r, testKey); got != c.want {
			t.Errorf("%s: %+v, want %+v", name, got, c.want)
		}
	}
}

// testKey is the answer key of the tests' stand-in services.
var testKey = []byte("a-test-answer-key-of-32-bytes-ok")
