package game

import (
	"net/http"
	"net/url"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/service/api"
)

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

// Judge verifies one answer: a 200 must carry the answer to the input
// asked for under the team's key (api.Answer), or it is a wrong answer;
// anything else is a failure.
func Judge(r *vegeta.Result, key []byte) Outcome {
	var o Outcome
	cache := strings.ToLower(r.Headers.Get("X-Cache"))
	o.Hit = strings.Contains(cache, "hit")
	o.Miss = strings.Contains(cache, "miss")
	if r.Code == http.StatusOK {
		u, err := url.Parse(r.URL)
		if err == nil && string(r.Body) == api.Answer(key, u.Query().Get(api.Param)) {
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
