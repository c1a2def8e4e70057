package game

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/service/api"
)

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
	// No local bind before connect, unlike vegeta's own dialer: with
	// thousands of sockets open a bind costs a search of the bound ports
	// (docs/adr/0005-load-engine.md).
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
