package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
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
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(server, "/")+path, &buf)
	if err != nil {
		return nil, fmt.Errorf("--server %q: %w", server, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: timeout,
		DialContext: (&net.Dialer{Timeout: timeout}).DialContext}}
	resp, err := client.Do(req)
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return nil, fmt.Errorf("no answer from %s within %s: is gameday board running there, and not stuck? (--timeout waits longer)", server, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("is gameday board running at %s? %w", server, err)
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
