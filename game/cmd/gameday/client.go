package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// callBoard asks a running board: a request to path on server, with the
// control token when given and body as JSON when not nil, answered within
// timeout (headers; the body is the caller's to read). Anything but a 200
// is an error carrying the board's own message.
func callBoard(ctx context.Context, server, method, path, token string, body any, timeout time.Duration) (*http.Response, error) {
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return nil, err
		}
	}
	if err := checkServer(server, token != ""); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(server, "/")+path, &buf)
	if err != nil {
		return nil, fmt.Errorf("--server %q: %w", server, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		// The token signs the call and never leaves this machine.
		if err := board.Sign(req, token, time.Now()); err != nil {
			return nil, err
		}
	}
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: timeout,
		DialContext: (&net.Dialer{Timeout: timeout}).DialContext},
		// The token goes to the address given and nowhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return nil, fmt.Errorf("no answer from %s within %s: is gameday board running there, and not stuck? (--timeout waits longer)", server, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("is gameday board running at %s? %w", server, err)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		resp.Body.Close()
		return nil, fmt.Errorf("%s redirects to %q: give that address as --server (the token is never sent on a redirect)", server, resp.Header.Get("Location"))
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		if e.Error == "" {
			return nil, fmt.Errorf("%s", resp.Status)
		}
		return nil, fmt.Errorf("%s: %s", resp.Status, e.Error)
	}
	return resp, nil
}

// checkServer accepts a board's address: http:// or https:// with a host.
// A token goes in clear over http:// only to this machine (loopback);
// anywhere else it needs https:// (the facilitator stack's ScoreboardUrl).
func checkServer(server string, withToken bool) error {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--server %q: want the board's address with its scheme, such as http://127.0.0.1:8080 or the facilitator stack's https:// ScoreboardUrl", server)
	}
	if withToken && u.Scheme == "http" && !teamsfile.IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("--server %q: the control token would cross the network in clear: use https:// (the facilitator stack's ScoreboardUrl), or run ctl on the board's machine against http://127.0.0.1", server)
	}
	return nil
}
