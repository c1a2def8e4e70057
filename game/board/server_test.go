package board

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEveryChangeNeedsTheTokenAndThePageIsPublic(t *testing.T) {
	f := newFakeTeam(t)
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL})
	g.Paused = true
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	defer store.Close()
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()

	bodies := map[string]string{
		"POST /api/teams/{name}": `{"endpoint": "http://127.0.0.1:9/"}`,
		"POST /api/events":       `{"kind": "chaos", "team": "a", "text": "FIS: stop one task"}`,
		"POST /api/award":        `{"team": "a", "points": 500, "reason": "the best postmortem"}`,
		"POST /api/hint":         `{"team": "a", "quest": 2}`,
	}
	post := func(pattern, auth string) *http.Response {
		path := strings.Replace(strings.TrimPrefix(pattern, "POST "), "{name}", "a", 1)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(bodies[pattern]))
		switch {
		case auth == "signed":
			sign(t, req, b.Token())
		case strings.HasPrefix(auth, "signed by "):
			sign(t, req, strings.TrimPrefix(auth, "signed by "))
		case auth != "":
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	changes := b.changes()
	if len(changes) != 11 {
		t.Errorf("%d changes: a new one needs a case in this test", len(changes))
	}
	// end goes last: after it nothing else can change.
	patterns := []string{"POST /api/pause", "POST /api/resume", "POST /api/teams/{name}", "POST /api/events", "POST /api/award", "POST /api/hint",
		"POST /api/freeze", "POST /api/reveal", "POST /api/hide", "POST /api/show", "POST /api/end"}
	for _, p := range patterns {
		if _, ok := changes[p]; !ok {
			t.Fatalf("no change %q", p)
		}
		events, endpoint := len(b.Events()), b.Teams()[0].Endpoint
		_, before := b.clock.Now()
		for _, bad := range []string{"", "Bearer ", "Bearer " + b.Token(), b.Token(), "Basic " + b.Token(), "signed by " + b.WorkerToken(), "signed by " + strings.Repeat("0", 32), "GameDay-Ed25519 t=1,n=00,s=00"} {
			if resp := post(p, bad); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with Authorization %q: %s, want 401", p, bad, resp.Status)
			}
		}
		if _, state := b.clock.Now(); state != before || b.Teams()[0].Endpoint != endpoint || len(b.Events()) != events {
			t.Fatalf("%s without the token changed the game: %s, %s, %d events", p, state, b.Teams()[0].Endpoint, len(b.Events()))
		}
		if resp := post(p, "signed"); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with the token: %s, want 200", p, resp.Status)
		}
	}
	if _, state := b.clock.Now(); state != Ended || b.Teams()[0].Endpoint != "http://127.0.0.1:9/" {
		t.Errorf("with the token: state %s, endpoint %s; want ended and moved", state, b.Teams()[0].Endpoint)
	}
	if resp := post("POST /api/resume", "signed"); resp.StatusCode != http.StatusConflict {
		t.Errorf("resuming an ended game: %s, want 409", resp.Status)
	}

	for _, path := range []string{"/", "/app.js", "/style.css", "/vendor/uPlot.iife.min.js", "/api/state", "/api/export?format=csv", "/api/export?format=json", "/healthz"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s without a token: %s, want 200", path, resp.Status)
		}
	}
	for _, c := range []struct{ method, path string }{{"DELETE", "/api/state"}, {"PUT", "/api/pause"}, {"DELETE", "/api/teams/a"}} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %s, want 405", c.method, c.path, resp.Status)
		}
	}
}

func TestTheStreamStartsWithTheWholeState(t *testing.T) {
	f := newFakeTeam(t)
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL}, Team{AnswerKey: testKey, Name: "b", Endpoint: f.srv.URL}))
	defer store.Close()
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	kind, data := nextEvent(t, r)
	var s Snapshot
	if err := json.Unmarshal([]byte(data), &s); kind != "state" || err != nil || len(s.Standings) != 2 || s.Length != 3 {
		t.Fatalf("first event %q (%v): %+v; want the state of 2 teams and 3 minutes", kind, err, s)
	}
	b.Note("b", "chaos", "FIS: terminate one instance")
	if kind, data := nextEvent(t, r); kind != "event" || !strings.Contains(data, "terminate one instance") {
		t.Errorf("next event %q %s, want the chaos note", kind, data)
	}
}

func nextEvent(t *testing.T, r *bufio.Reader) (kind, data string) {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF || err != nil {
			t.Fatal(err)
		}
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "event: "):
			kind = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && kind != "":
			return kind, data
		}
	}
}

func pausedBoard(t *testing.T) (*Board, *httptest.Server) {
	t.Helper()
	f := newFakeTeam(t)
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL})
	g.Paused = true
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	t.Cleanup(func() { store.Close() })
	srv := httptest.NewServer(b.Handler())
	t.Cleanup(srv.Close)
	return b, srv
}

func TestThePageCarriesSecurityHeaders(t *testing.T) {
	_, srv := pausedBoard(t)
	for _, path := range []string{"/", "/app.js", "/api/state", "/healthz"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
}

// sign signs req with token, as ctl and the workers do.
func sign(t *testing.T, req *http.Request, token string) {
	t.Helper()
	if err := Sign(req, token, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// A signed call is taken once, as signed, near the board's time: one
// replayed, changed on the way or signed far from the board's clock is
// refused with the reason, and the token never crosses the wire.
func TestASignedCallIsTakenOnceAsSignedAndInTime(t *testing.T) {
	b, srv := pausedBoard(t)
	var wire bytes.Buffer // what a reader of the network sees
	do := func(req *http.Request) (int, string) {
		raw, _ := httputil.DumpRequestOut(req, true)
		wire.Write(raw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	note := func(text string, at time.Time) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/events", strings.NewReader(`{"text": "`+text+`"}`))
		if err := Sign(req, b.Token(), at); err != nil {
			t.Fatal(err)
		}
		return req
	}
	req := note("hello", time.Now())
	replay := req.Clone(context.Background())
	replay.Body, _ = req.GetBody()
	if code, body := do(req); code != http.StatusOK {
		t.Fatalf("a signed call: %d %s", code, body)
	}
	if code, body := do(replay); code != http.StatusUnauthorized || !strings.Contains(body, "already received") {
		t.Errorf("the same call again: %d %s, want 401 already received", code, body)
	}
	changed := note("hello", time.Now())
	changed.Body = io.NopCloser(strings.NewReader(`{"text": "hellO"}`))
	if code, body := do(changed); code != http.StatusUnauthorized || !strings.Contains(body, "does not match") {
		t.Errorf("a changed body: %d %s, want 401 does not match", code, body)
	}
	moved := note("hello", time.Now())
	moved.URL.Path = "/api/pause"
	if code, body := do(moved); code != http.StatusUnauthorized || !strings.Contains(body, "does not match") {
		t.Errorf("signed for another path: %d %s, want 401 does not match", code, body)
	}
	for _, at := range []time.Time{time.Now().Add(-SignedWindow - time.Minute), time.Now().Add(SignedWindow + time.Minute)} {
		if code, body := do(note("late", at)); code != http.StatusUnauthorized || !strings.Contains(body, "set the signing machine's clock") {
			t.Errorf("signed at %s: %d %s, want 401 naming the clock", at, code, body)
		}
	}
	if n := len(b.Events()); n != 1 {
		t.Errorf("%d notes, want the one signed call's", n)
	}
	if strings.Contains(wire.String(), b.Token()) {
		t.Errorf("the token crossed the wire:\n%s", wire.String())
	}
	if !strings.Contains(wire.String(), SignatureScheme) {
		t.Errorf("the dump holds no signed call: the check above proves nothing")
	}
}

// An announcement is counted in characters, and only printable ones reach
// the projector.
func TestEventTextIsPlainAndCountedInCharacters(t *testing.T) {
	b, _ := pausedBoard(t)
	for text, ok := range map[string]bool{
		strings.Repeat("é", 280):       true, // 560 bytes
		strings.Repeat("日", 280):       true,
		strings.Repeat("a", 281):       false,
		"":                             false,
		"the CEO\x00 says":             false,
		"\u202eyrros":                  false, // right-to-left override
		"a\u2067b":                     false, // right-to-left isolate
		"line\nbreak":                  false,
		"Chaos Monkey: one task stops": true,
	} {
		if err := b.Note("", "note", text); (err == nil) != ok {
			t.Errorf("%q (%d bytes): error %v, want accepted %v", text, len(text), err, ok)
		}
	}
}

// 2,000 idle connections from one address cannot lock the facilitator
// out: beyond MaxConnsPerAddress they are closed at once, and the page and
// the controls answer another address.
func TestIdleConnectionsFromOneAddressDoNotLockOthersOut(t *testing.T) {
	b, _ := pausedBoard(t)
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(b)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()

	// The crowd comes from 127.0.0.2, the facilitator from 127.0.0.1.
	dialer := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 2 * time.Second}
	var held []net.Conn
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	for range 2000 {
		c, err := dialer.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("after %d connections: %v", len(held), err)
		}
		held = append(held, c)
	}
	// Those beyond the cap are closed by the board: a read sees EOF. On a
	// busy machine a close may land after a first look: look again at the
	// open ones for up to 2 s.
	closed, want := 0, 2000-MaxConnsPerAddress
	open := held
	for deadline := time.Now().Add(2 * time.Second); closed < want && time.Now().Before(deadline); {
		var still []net.Conn
		for _, c := range open {
			c.SetReadDeadline(time.Now().Add(2 * time.Millisecond))
			if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
				closed++
			} else {
				still = append(still, c)
			}
		}
		open = still
	}
	if closed < want {
		t.Errorf("%d of 2000 connections from one address closed, want at least %d", closed, want)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("the page with 2,000 idle connections open: %v", err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/events", strings.NewReader(`{"text": "still here"}`))
	sign(t, req, b.Token())
	if resp, err = client.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("ctl with 2,000 idle connections open: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestTheServerTimesOutEveryPhaseButTheStream(t *testing.T) {
	b, _ := pausedBoard(t)
	defer func(h, w time.Duration) { readHeaderTimeout, writeTimeout = h, w }(readHeaderTimeout, writeTimeout)
	readHeaderTimeout, writeTimeout = 200*time.Millisecond, 300*time.Millisecond
	srv := NewServer(b)
	if srv.ReadTimeout == 0 || srv.IdleTimeout == 0 {
		t.Fatalf("timeouts %+v", srv)
	}
	ln, _ := Listen("127.0.0.1:0")
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	// A connection that never sends a request is closed.
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("a silent connection: %v, want it closed", err)
	}
	// The event stream outlives the write timeout.
	resp, err := http.Get("http://" + ln.Addr().String() + "/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * writeTimeout)
	b.Note("", "note", "after the write timeout")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("the stream ended after the write timeout: %v", err)
		}
		if strings.Contains(line, "after the write timeout") {
			break
		}
	}
}
