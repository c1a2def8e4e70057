package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// testServer is the handler with its pool and drain flag in reach.
type testServer struct {
	handler  http.Handler
	pool     *pool
	draining *atomic.Bool
	logs     *bytes.Buffer
}

func newTestServer(cfg Config) *testServer {
	logs := &bytes.Buffer{}
	ts := &testServer{pool: newPool(cfg.Concurrency, cfg.Work, cfg.MaxWait), draining: &atomic.Bool{}, logs: logs}
	random := cfg.random
	if random == nil {
		random = func() float64 { return 1 }
	}
	mux := http.NewServeMux()
	addRoutes(mux, cfg, ts.pool, ts.draining, random)
	ts.handler = logRequests(slog.New(slog.NewJSONHandler(logs, nil)), mux)
	return ts
}

func fastConfig() Config {
	cfg := keyedConfig()
	cfg.Work = 0
	return cfg
}

// keyedConfig is the defaults with the tests' answer key.
func keyedConfig() Config {
	cfg := DefaultConfig()
	cfg.Key = testKey
	return cfg
}

func (ts *testServer) get(t *testing.T, target string) *http.Response {
	t.Helper()
	return ts.do(t, httptest.NewRequest(http.MethodGet, target, nil))
}

func (ts *testServer) do(t *testing.T, r *http.Request) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	ts.handler.ServeHTTP(rec, r)
	return rec.Result()
}

func (ts *testServer) inSystem() int {
	ts.pool.mu.Lock()
	defer ts.pool.mu.Unlock()
	return ts.pool.inSystem
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestAnswerIsTheDocumentedKeyedHash(t *testing.T) {
	cfg := fastConfig()
	cfg.Key = []byte("Jefe") // RFC 4231's test case 2, so the answer is pinned outside this code
	ts := newTestServer(cfg)
	resp := ts.get(t, "/?input=what+do+ya+want+for+nothing%3F")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got, want := body(t, resp), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	want := map[string]string{
		"Content-Type":  "text/plain; charset=utf-8",
		"Cache-Control": "public, max-age=31536000, immutable",
		"Etag":          `"5bdcc146bf60754e6a042426089575c7"`,
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestAnswerIsDeterministicAcrossProcessesAndIgnoresOtherParameters(t *testing.T) {
	first, second := newTestServer(fastConfig()), newTestServer(fastConfig())
	for _, input := range []string{"a", "unicorn", "ünïcødé", "with space", strings.Repeat("x", api.MaxInputBytes)} {
		q := "/?input=" + urlEncode(input)
		a, b := body(t, first.get(t, q)), body(t, second.get(t, q+"&x=1&utm_source=ad"))
		if a != b || a != api.Answer(testKey, input) {
			t.Errorf("input %q: %q vs %q, want %q", input, a, b, api.Answer(testKey, input))
		}
	}
}

func urlEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(string("0123456789abcdef"[c>>4])+string("0123456789abcdef"[c&15])))
		}
	}
	return b.String()
}

func TestErrorsAreExactAndNeverCached(t *testing.T) {
	cases := []struct {
		name, method, target string
		status               int
		body                 string
		allow                string
	}{
		{"no query", "GET", "/", 400, "missing input: send GET /?input=VALUE\n", ""},
		{"empty input", "GET", "/?input=", 400, "missing input: send GET /?input=VALUE\n", ""},
		{"other parameter only", "GET", "/?q=a", 400, "missing input: send GET /?input=VALUE\n", ""},
		{"given twice", "GET", "/?input=a&input=b", 400, "input given 2 times: send it once\n", ""},
		{"too long", "GET", "/?input=" + strings.Repeat("x", api.MaxInputBytes+1), 400, "input is 257 bytes: the limit is 256\n", ""},
		{"not utf-8", "GET", "/?input=%ff%fe", 400, "input is not valid UTF-8\n", ""},
		{"bad escape", "GET", "/?input=%zz", 400, "malformed query string: invalid URL escape \"%zz\"\n", ""},
		{"post", "POST", "/?input=a", 405, "method POST not allowed: use GET\n", "GET, HEAD"},
		{"delete health", "DELETE", "/healthz", 405, "method DELETE not allowed: use GET\n", "GET, HEAD"},
		{"unknown path", "GET", "/hash?input=a", 404, "not found: the API is GET /?input=VALUE\n", ""},
	}
	ts := newTestServer(fastConfig())
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := ts.do(t, httptest.NewRequest(c.method, c.target, nil))
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d", resp.StatusCode, c.status)
			}
			if got := body(t, resp); got != c.body {
				t.Errorf("body %q, want %q", got, c.body)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			if got := resp.Header.Get("Allow"); got != c.allow {
				t.Errorf("Allow %q, want %q", got, c.allow)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
		})
	}
}

func TestHeadIsAllowed(t *testing.T) {
	ts := newTestServer(fastConfig())
	resp := ts.do(t, httptest.NewRequest(http.MethodHead, "/?input=a", nil))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD status %d", resp.StatusCode)
	}
}

func TestConditionalRequestSkipsTheWork(t *testing.T) {
	cfg := keyedConfig()
	cfg.Work = time.Hour // would block the test if the slow path ran
	ts := newTestServer(cfg)
	r := httptest.NewRequest(http.MethodGet, "/?input=abc", nil)
	r.Header.Set("If-None-Match", api.ETag(testKey, "abc"))
	resp := ts.do(t, r)
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("status %d, want 304", resp.StatusCode)
	}
	if resp.Header.Get("ETag") != api.ETag(testKey, "abc") || resp.Header.Get("Cache-Control") != api.CacheControlOK {
		t.Errorf("304 headers %v", resp.Header)
	}
}

// holdSlot starts a request that occupies the pool until its context ends.
func (ts *testServer) holdSlot(t *testing.T) (release func(), done <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	before := ts.inSystem()
	go func() {
		defer close(finished)
		rec := httptest.NewRecorder()
		ts.handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?input=held", nil).WithContext(ctx))
	}()
	waitFor(t, "the request to be admitted", func() bool { return ts.inSystem() > before })
	t.Cleanup(cancel)
	return cancel, finished
}

func TestHealthAnswersWhileTheSlowPathIsBusy(t *testing.T) {
	cfg := keyedConfig()
	cfg.Work = time.Hour
	ts := newTestServer(cfg)
	ts.holdSlot(t)
	for path, want := range map[string]string{"/healthz": "ok\n", "/readyz": "ready\n"} {
		resp := ts.get(t, path)
		if resp.StatusCode != http.StatusOK || body(t, resp) != want {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s cacheable", path)
		}
	}
}

func TestShedsWhenExpectedWaitIsAboveMaxWait(t *testing.T) {
	cfg := keyedConfig()
	cfg.Work, cfg.MaxWait = time.Hour, 90*time.Minute // room for two: one working, one waiting an hour
	ts := newTestServer(cfg)
	ts.holdSlot(t)
	ts.holdSlot(t)
	resp := ts.get(t, "/?input=third")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	if got := resp.Header.Get("Retry-After"); got != "3600" {
		t.Errorf("Retry-After %q, want the work time in seconds", got)
	}
	if got := body(t, resp); got != "overloaded: expected wait 2h0m0s is above MAX_WAIT 1h30m0s, retry later\n" {
		t.Errorf("body %q", got)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("503 cacheable")
	}
}

func TestClientThatGoesAwayFreesItsPlace(t *testing.T) {
	cfg := keyedConfig()
	cfg.Work, cfg.MaxWait = time.Hour, 0
	ts := newTestServer(cfg)
	release, done := ts.holdSlot(t)
	if resp := ts.get(t, "/?input=b"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("with the slot held: status %d, want 503", resp.StatusCode)
	}
	release()
	<-done
	if n := ts.inSystem(); n != 0 {
		t.Fatalf("%d requests still counted after the client left", n)
	}
	ts.holdSlot(t) // admitted again: the place was freed
	if !strings.Contains(ts.logs.String(), `"status":499`) {
		t.Errorf("the abandoned request was not logged as 499:\n%s", ts.logs)
	}
}

func TestQueuedClientThatGoesAwayFreesItsPlace(t *testing.T) {
	cfg := keyedConfig()
	cfg.Work, cfg.MaxWait = time.Hour, time.Hour
	ts := newTestServer(cfg)
	ts.holdSlot(t)
	release, done := ts.holdSlot(t) // waits in line behind the first
	release()
	<-done
	if n := ts.inSystem(); n != 1 {
		t.Fatalf("in system %d, want 1 (only the working request)", n)
	}
}

func TestDrainingRefusesNewWork(t *testing.T) {
	ts := newTestServer(fastConfig())
	ts.draining.Store(true)
	ready := ts.get(t, "/readyz")
	if ready.StatusCode != http.StatusServiceUnavailable || body(t, ready) != "draining\n" {
		t.Errorf("readyz while draining: %d", ready.StatusCode)
	}
	resp := ts.get(t, "/?input=a")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("work while draining: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if health := ts.get(t, "/healthz"); health.StatusCode != http.StatusOK {
		t.Errorf("liveness must stay up while draining: %d", health.StatusCode)
	}
}

func TestErrorRateInjectsUncachedFailures(t *testing.T) {
	cfg := fastConfig()
	cfg.ErrorRate = 0.25
	for _, c := range []struct {
		draw   float64
		status int
	}{{0.1, 500}, {0.5, 200}} {
		cfg.random = func() float64 { return c.draw }
		resp := newTestServer(cfg).get(t, "/?input=a")
		if resp.StatusCode != c.status {
			t.Errorf("draw %v: status %d, want %d", c.draw, resp.StatusCode, c.status)
		}
		if c.status == 500 && (resp.Header.Get("Cache-Control") != "no-store" || body(t, resp) != "internal error\n") {
			t.Errorf("injected failure: %v", resp.Header)
		}
	}
}

func TestOneLogLinePerRequest(t *testing.T) {
	ts := newTestServer(fastConfig())
	ts.get(t, "/?input=a")
	ts.get(t, "/nope")
	lines := strings.Split(strings.TrimSpace(ts.logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), ts.logs)
	}
	var entry map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &entry); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"status", "duration_ms", "wait_ms", "method", "path", "bytes"} {
		if _, ok := entry[key]; !ok {
			t.Errorf("log line lacks %q: %s", key, lines[0])
		}
	}
	if entry["status"] != float64(200) || entry["bytes"] != float64(65) {
		t.Errorf("log line %s", lines[0])
	}
}

func TestVersionEndpoint(t *testing.T) {
	resp := newTestServer(fastConfig()).get(t, "/version")
	if got := body(t, resp); resp.StatusCode != 200 || !strings.Contains(got, "go1.") {
		t.Errorf("version: %d %q", resp.StatusCode, got)
	}
}

// A flood of shed requests costs a log line a second, not one each: each
// line counts the requests shed since the one before.
func TestShedRequestsAreCountedNotLoggedEach(t *testing.T) {
	cfg := keyedConfig()
	cfg.Work, cfg.MaxWait = time.Hour, 0
	ts := newTestServer(cfg)
	ts.holdSlot(t)
	ts.logs.Reset()
	const flood = 2000
	for i := range flood {
		if resp := ts.get(t, fmt.Sprintf("/?input=flood-%d", i)); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("request %d: %d, want 503", i, resp.StatusCode)
		}
	}
	ts.draining.Store(true)
	for range 10 {
		ts.get(t, "/?input=late") // shed while draining: counted the same way
	}
	lines := strings.Split(strings.TrimSpace(ts.logs.String()), "\n")
	if len(lines) > 3 {
		t.Fatalf("%d log lines for %d shed requests in well under 3 s", len(lines), flood+10)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first["msg"] != "shed" || first["count"] != float64(1) || first["status"] != float64(503) {
		t.Errorf("first line %s: want the first shed request counted at once", lines[0])
	}
	// Served requests are still logged one by one.
	ts.draining.Store(false)
	free := newTestServer(fastConfig())
	free.get(t, "/?input=a")
	if !strings.Contains(free.logs.String(), `"msg":"request"`) {
		t.Errorf("a served request was not logged: %s", free.logs)
	}
}

func TestShedCounterWritesOneLineAnInterval(t *testing.T) {
	var logs bytes.Buffer
	c := &shedCounter{logger: slog.New(slog.NewJSONHandler(&logs, nil)), every: time.Second}
	start := time.Unix(1000, 0)
	for i := range 250 { // 2.5 s of 100 a second
		c.add(context.Background(), start.Add(time.Duration(i)*10*time.Millisecond))
	}
	var counts []int
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e struct{ Count int }
		json.Unmarshal([]byte(l), &e)
		counts = append(counts, e.Count)
	}
	if !slices.Equal(counts, []int{1, 100, 100}) || c.count != 49 {
		t.Errorf("lines counted %v, %d pending: want 1, 100, 100 and 49 pending", counts, c.count)
	}
}
