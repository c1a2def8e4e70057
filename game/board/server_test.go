package board

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestEveryChangeNeedsTheTokenAndThePageIsPublic(t *testing.T) {
	f := newFakeTeam(t)
	g := newGame(t, Team{Name: "a", Endpoint: f.srv.URL})
	g.Paused = true
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), g)
	defer store.Close()
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()

	bodies := map[string]string{
		"POST /api/teams/{name}": `{"endpoint": "http://127.0.0.1:9/"}`,
		"POST /api/events":       `{"kind": "chaos", "team": "a", "text": "FIS: stop one task"}`,
	}
	post := func(pattern, token string) *http.Response {
		path := strings.Replace(strings.TrimPrefix(pattern, "POST "), "{name}", "a", 1)
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(bodies[pattern]))
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	changes := b.changes()
	if len(changes) != 5 {
		t.Errorf("%d changes: a new one needs a case in this test", len(changes))
	}
	// end goes last: after it nothing else can change.
	patterns := []string{"POST /api/pause", "POST /api/resume", "POST /api/teams/{name}", "POST /api/events", "POST /api/end"}
	for _, p := range patterns {
		if _, ok := changes[p]; !ok {
			t.Fatalf("no change %q", p)
		}
		events, endpoint := len(b.Events()), b.Teams()[0].Endpoint
		_, before := b.clock.Now()
		for _, bad := range []string{"", "Bearer ", "Bearer " + strings.Repeat("0", 32), b.Token(), "Basic " + b.Token(), "Bearer " + b.Token() + "x"} {
			if resp := post(p, bad); resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with Authorization %q: %s, want 401", p, bad, resp.Status)
			}
		}
		if _, state := b.clock.Now(); state != before || b.Teams()[0].Endpoint != endpoint || len(b.Events()) != events {
			t.Fatalf("%s without the token changed the game: %s, %s, %d events", p, state, b.Teams()[0].Endpoint, len(b.Events()))
		}
		if resp := post(p, "Bearer "+b.Token()); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with the token: %s, want 200", p, resp.Status)
		}
	}
	if _, state := b.clock.Now(); state != Ended || b.Teams()[0].Endpoint != "http://127.0.0.1:9/" {
		t.Errorf("with the token: state %s, endpoint %s; want ended and moved", state, b.Teams()[0].Endpoint)
	}
	if resp := post("POST /api/resume", "Bearer "+b.Token()); resp.StatusCode != http.StatusConflict {
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
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), newGame(t, Team{Name: "a", Endpoint: f.srv.URL}, Team{Name: "b", Endpoint: f.srv.URL}))
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
