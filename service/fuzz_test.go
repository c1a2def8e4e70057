package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/unicorn-rentals/gameday/service/api"
)

// FuzzQuery: whatever the query string, the service answers 200 with the
// documented hash of the one input, or a 4xx that no cache keeps.
func FuzzQuery(f *testing.F) {
	for _, seed := range []string{"input=a", "", "input=", "input=a&input=b", "input=%ff", "input=%zz", "x=1&input=%E2%98%83", "input=a;b", "input=" + string(make([]byte, 300))} {
		f.Add(seed)
	}
	ts := newTestServer(fastConfig())
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.RawQuery = rawQuery
		rec := httptest.NewRecorder()
		ts.handler.ServeHTTP(rec, r)
		resp := rec.Result()
		b, _ := io.ReadAll(resp.Body)
		switch {
		case resp.StatusCode == http.StatusOK:
			q, err := url.ParseQuery(rawQuery)
			if err != nil || len(q[api.Param]) != 1 {
				t.Fatalf("200 for a query that has no single input: %q", rawQuery)
			}
			if string(b) != api.Answer(testKey, q.Get(api.Param)) {
				t.Fatalf("wrong answer for %q", rawQuery)
			}
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			if resp.Header.Get("Cache-Control") != api.CacheControlError {
				t.Fatalf("cacheable %d for %q", resp.StatusCode, rawQuery)
			}
		default:
			t.Fatalf("status %d for %q", resp.StatusCode, rawQuery)
		}
		ts.logs.Reset()
	})
}
