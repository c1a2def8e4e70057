package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/cfn"
	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

const ctlUsage = `usage: gameday ctl [--server URL] [--token TOKEN] ACTION
actions:
  pause | resume | end
  move TEAM ENDPOINT        the team's new endpoint, e.g. its CloudFront URL
  cost TEAM COST            USD an hour, or a synthesized template
  chaos TEAM TEXT           announce a chaos experiment against a team
  note TEXT                 announce anything else
  award TEAM POINTS REASON  give a team points (negative: a penalty), with the reason shown
  hint TEAM QUEST           give a team the next hint of a quest (its number on the team's page), free
  freeze | reveal           hold the public standings where they are, for the reveal; show them
  hide | show               hide the scores from the room; show them again
  workers                   list the live workers and the teams each plays
  teams                     each team's token and the link to its page, for the handout
the token is the one gameday board printed; GAMEDAY_TOKEN is read when --token is not given`

func ctl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("ctl", stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, ctlUsage)
		fs.PrintDefaults()
	}
	server := fs.String("server", defaultServer, "the scoreboard's address")
	token := fs.String("token", "", "the control token gameday board printed (default: $GAMEDAY_TOKEN)")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for the board's answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a := fs.Args()
	if len(a) == 0 {
		return errors.New(ctlUsage)
	}
	path, body, err := ctlCall(a)
	if err != nil {
		return err
	}
	*token = cmp.Or(*token, os.Getenv("GAMEDAY_TOKEN"))
	if *token == "" {
		return errors.New("ctl: no token: give --token or set GAMEDAY_TOKEN to the token gameday board printed")
	}
	method := http.MethodPost
	if a[0] == "workers" || a[0] == "teams" {
		method = http.MethodGet
	}
	resp, err := callBoard(ctx, *server, method, path, *token, body, *timeout)
	if err != nil {
		return fmt.Errorf("ctl: %w", err)
	}
	defer resp.Body.Close()
	if a[0] == "teams" {
		// Each team's token is made from the control token, here: the
		// board sends none.
		var s board.Snapshot
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			return fmt.Errorf("ctl: reading the answer: %w", err)
		}
		names := make([]string, 0, len(s.Standings))
		for _, st := range s.Standings {
			names = append(names, st.Name)
		}
		slices.Sort(names)
		for _, name := range names {
			token := board.TeamToken(*token, name)
			fmt.Fprintf(stdout, "%s\t%s\t%s/team#%s:%s\n", name, token, strings.TrimRight(*server, "/"), name, token)
		}
		return nil
	}
	if a[0] == "workers" {
		var ws []board.WorkerStatus
		if err := json.NewDecoder(resp.Body).Decode(&ws); err != nil {
			return fmt.Errorf("ctl: reading the answer: %w", err)
		}
		for _, w := range ws {
			fmt.Fprintf(stdout, "%s\theard %s ago\t%d teams\t%s\n", w.Worker, w.Heard, len(w.Teams), strings.Join(w.Teams, " "))
		}
		fmt.Fprintf(stdout, "%d workers\n", len(ws))
		return nil
	}
	var s board.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return fmt.Errorf("ctl: reading the answer: %w", err)
	}
	room := ""
	if s.FrozenAt != nil {
		room += fmt.Sprintf("; the room's standings frozen at minute %d", *s.FrozenAt)
	}
	if s.Hidden {
		room += "; the scores hidden from the room"
	}
	fmt.Fprintf(stdout, "ok: game %s at %s, minute %d of %d%s\n", s.State, s.GameTime, s.Minutes, s.Length, room)
	return nil
}

// ctlActions are ctl's actions and the arguments each takes.
var ctlActions = map[string]string{
	"pause": "pause", "resume": "resume", "end": "end",
	"move": "move TEAM ENDPOINT", "cost": "cost TEAM COST", "chaos": "chaos TEAM TEXT", "note": "note TEXT", "workers": "workers",
	"award": "award TEAM POINTS REASON", "hint": "hint TEAM QUEST", "freeze": "freeze", "reveal": "reveal", "hide": "hide", "show": "show", "teams": "teams",
}

// ctlCall is the board's route and body for an action.
func ctlCall(a []string) (path string, body any, err error) {
	want, known := ctlActions[a[0]]
	switch {
	case len(a) == 1 && slices.Contains([]string{"pause", "resume", "end", "workers", "freeze", "reveal", "hide", "show"}, a[0]):
		return "/api/" + a[0], nil, nil
	case len(a) == 1 && a[0] == "teams":
		return "/api/state", nil, nil
	case len(a) >= 4 && a[0] == "award":
		points, err := strconv.ParseFloat(a[2], 64)
		if err != nil || math.IsNaN(points) || points == 0 || math.Abs(points) > board.MaxAward {
			return "", nil, fmt.Errorf("ctl award: points %q: want a number from -%d to %d, not 0 (negative for a penalty)", a[2], board.MaxAward, board.MaxAward)
		}
		return "/api/award", map[string]any{"team": a[1], "points": points, "reason": strings.Join(a[3:], " ")}, checkNote(a[3:])
	case len(a) == 3 && a[0] == "hint":
		quest, err := strconv.Atoi(a[2])
		if err != nil || quest < 1 || quest > len(catalog.Flaws) {
			return "", nil, fmt.Errorf("ctl hint: quest %q: want its number, 1 to %d, as the team's page shows it", a[2], len(catalog.Flaws))
		}
		return "/api/hint", map[string]any{"team": a[1], "quest": quest}, nil
	case len(a) == 3 && a[0] == "move":
		return "/api/teams/" + a[1], board.TeamChange{Endpoint: a[2]}, nil
	case len(a) == 3 && a[0] == "cost":
		c, err := costChange(a[2])
		return "/api/teams/" + a[1], c, err
	case len(a) >= 3 && a[0] == "chaos":
		return "/api/events", map[string]string{"team": a[1], "kind": "chaos", "text": strings.Join(a[2:], " ")}, checkNote(a[2:])
	case len(a) >= 2 && a[0] == "note":
		return "/api/events", map[string]string{"kind": "note", "text": strings.Join(a[1:], " ")}, checkNote(a[1:])
	case known:
		return "", nil, fmt.Errorf("ctl %s: want %s\n%s", a[0], want, ctlUsage)
	}
	return "", nil, fmt.Errorf("ctl: %q: not an action\n%s", a[0], ctlUsage)
}

// costChange is a team's new cost: a price or live as it is, a template
// file read here and sent as its content, so the board never reads a
// path on its own disk.
func costChange(cost string) (board.TeamChange, error) {
	c, err := teamsfile.ParseCost(cost)
	if err != nil || c.Template == "" {
		return board.TeamChange{Cost: cost}, err
	}
	f, err := os.Open(c.Template)
	if err != nil {
		return board.TeamChange{}, fmt.Errorf("ctl cost: %w", err)
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, board.MaxTemplateBytes+1))
	if err != nil {
		return board.TeamChange{}, fmt.Errorf("ctl cost: %w", err)
	}
	if len(raw) > board.MaxTemplateBytes {
		return board.TeamChange{}, fmt.Errorf("ctl cost: %s is over %d bytes: give a synthesized game stack template", cost, board.MaxTemplateBytes)
	}
	if _, err := cfn.Parse(raw); err != nil {
		return board.TeamChange{}, fmt.Errorf("ctl cost: %s: %w", cost, err)
	}
	return board.TeamChange{Template: string(raw)}, nil
}

// checkNote says whether the board would take a note's text.
func checkNote(words []string) error {
	if n := utf8.RuneCountInString(strings.Join(words, " ")); n > board.MaxTextChars {
		return fmt.Errorf("ctl: the text is %d characters; the board shows at most %d (a line on the projector)", n, board.MaxTextChars)
	}
	return nil
}
