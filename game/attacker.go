package game

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/service/api"
)

// ErrUnreachable is returned when the target cannot be reached at all.
var ErrUnreachable = errors.New("target unreachable")

// CheckInput is the input Check asks: none of a game's questions
// (Setup.Input), so it warms no cache for them.
const CheckInput = "gameday-check"

// Check makes one request to the target, so a wrong URL fails at once
// rather than as a game of failures.
func Check(ctx context.Context, target *url.URL, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, RequestURL(target, CheckInput), nil)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, target, err)
	}
	// A redirect or an error status is an answer: the game scores it.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
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

// MaxAnswerBytes is the most of a body the engine reads: an answer is 65
// bytes, anything longer is wrong. MaxHeaderBytes bounds an answer's
// headers the same way.
const (
	MaxAnswerBytes = 1024
	MaxHeaderBytes = 16 << 10
)

// NewAttacker is the load generator of every game: customers who wait
// timeout for an answer, reuse their connections, follow no redirect, read
// at most MaxAnswerBytes of a body and MaxHeaderBytes of headers. A team's
// endpoint that sends more only costs its own connection, which is then
// closed rather than drained: an endless body cannot slow the others.
func NewAttacker(timeout time.Duration) *vegeta.Attacker {
	// No local bind before connect, unlike vegeta's own dialer: with
	// thousands of sockets open a bind costs a search of the bound ports
	// (docs/adr/0005-load-engine.md).
	dialer := &net.Dialer{KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConnsPerHost:    MaxConnectionsPerTeam,
		MaxConnsPerHost:        MaxConnectionsPerTeam,
		MaxResponseHeaderBytes: MaxHeaderBytes,
	}
	// Keep-alive is the transport's default; vegeta.KeepAlive would need
	// the bare *http.Transport, which the body cap wraps.
	client := &http.Client{Transport: cappedBodies{next: transport, max: MaxAnswerBytes}}
	return vegeta.NewAttacker(
		vegeta.Client(client), // first: the options below adjust it
		vegeta.Timeout(timeout),
		vegeta.MaxBody(MaxAnswerBytes),
		vegeta.Redirects(vegeta.NoFollow),
	)
}

// cappedBodies ends every response body one byte past max. vegeta drains
// what is left of a body to reuse its connection; capped, a body that goes
// on is closed unread, and the transport closes its connection instead.
type cappedBodies struct {
	next http.RoundTripper
	max  int64
}

func (c cappedBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if err == nil {
		resp.Body = &cappedBody{ReadCloser: resp.Body, left: c.max + 1}
	}
	return resp, err
}

type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
