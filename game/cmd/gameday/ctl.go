package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
)

const ctlUsage = `usage: gameday ctl [--server URL] [--token TOKEN] ACTION
actions:
  pause | resume | end
  move TEAM ENDPOINT        the team's new endpoint, e.g. its CloudFront URL
  cost TEAM COST            USD an hour, or a synthesized template
  chaos TEAM TEXT           announce a chaos experiment against a team
  note TEXT                 announce anything else
the token is the one gameday board printed; GAMEDAY_TOKEN is read when --token is not given`

func ctl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("ctl", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, ctlUsage)
		fs.PrintDefaults()
	}
	server := fs.String("server", defaultServer, "the scoreboard's address")
	token := fs.String("token", os.Getenv("GAMEDAY_TOKEN"), "the control token gameday board printed")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for the board's answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a := fs.Args()
	if len(a) == 0 {
		return errors.New(ctlUsage)
	}
	var (
		path string
		body any
	)
	switch {
	case len(a) == 1 && (a[0] == "pause" || a[0] == "resume" || a[0] == "end"):
		path = "/api/" + a[0]
	case len(a) == 3 && a[0] == "move":
		path, body = "/api/teams/"+a[1], board.TeamChange{Endpoint: a[2]}
	case len(a) == 3 && a[0] == "cost":
		path, body = "/api/teams/"+a[1], board.TeamChange{Cost: a[2]}
	case len(a) >= 3 && a[0] == "chaos":
		path, body = "/api/events", map[string]string{"team": a[1], "kind": "chaos", "text": strings.Join(a[2:], " ")}
	case len(a) >= 2 && a[0] == "note":
		path, body = "/api/events", map[string]string{"kind": "note", "text": strings.Join(a[1:], " ")}
	default:
		return fmt.Errorf("ctl: %q: not an action\n%s", strings.Join(a, " "), ctlUsage)
	}
	if *token == "" {
		return errors.New("ctl: no token: give --token or set GAMEDAY_TOKEN to the token gameday board printed")
	}
	resp, err := callBoard(ctx, *server, http.MethodPost, path, *token, body, *timeout)
	if err != nil {
		return fmt.Errorf("ctl: %w", err)
	}
	defer resp.Body.Close()
	var s board.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return fmt.Errorf("ctl: reading the answer: %w", err)
	}
	fmt.Fprintf(stdout, "ok: game %s at %s, minute %d of %d\n", s.State, s.GameTime, s.Minutes, s.Length)
	return nil
}
