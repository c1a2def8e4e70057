// Command gameday is the facilitator's engine for the Unicorn.Rentals
// GameDay.
//
//	gameday play --target URL [--scenario FILE] [--rules FILE] [--speed N]
//	             [--cost-per-hour USD | --template FILE --rps N --hit-ratio H]
//	             [--results FILE]
//	gameday cost [--rps N] [--hit-ratio H] TEMPLATE
//	gameday board --teams FILE [--db FILE] [--listen ADDR] [--workers N] [flags]
//	gameday worker --board URL [--id NAME]
//	gameday ctl [--server URL] [--token T] pause|resume|end|move|cost|chaos|note
//	gameday export (--db FILE | --server URL) [--format csv|json]
//	gameday accounts preflight|deploy|teardown --accounts FILE [flags]
//	gameday debrief (--db FILE | --server URL --team NAME) [--out DIR]
package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
)

const usage = `usage:
  gameday play --target URL [flags]   play the scenario against a team's endpoint
  gameday cost [flags] TEMPLATE       estimate a synthesized template's cost an hour
  gameday board --teams FILE [flags]  play every team at once, with a live scoreboard
  gameday worker --board URL          play the teams a board with --workers leases this worker
  gameday ctl ACTION                  pause, resume or end the board's game, move a team
  gameday export [flags]              the board's results as CSV or JSON
  gameday accounts preflight|deploy|teardown --accounts FILE
                                      check, deploy or tear down every team's account
  gameday rehearse --teams FILE       check every team's endpoint, key, bill and chaos targets, with a compressed game
  gameday handout --teams FILE --server URL
                                      a sheet a team: its account, its page and credential, the runbook
  gameday debrief (--db FILE | --server URL --team NAME)
                                      a printable page a team: its game's timeline, its account's changes, the flaws it left
run "gameday COMMAND -h" for the flags`

func main() { cli.Main("gameday", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "play":
		return play(ctx, args[1:], stdout, stderr)
	case "cost":
		return cost(args[1:], stdout, stderr)
	case "board":
		return boardCmd(ctx, args[1:], stdout, stderr)
	case "worker":
		return workerCmd(ctx, args[1:], stderr)
	case "ctl":
		return ctl(ctx, args[1:], stdout, stderr)
	case "export":
		return export(ctx, args[1:], stdout, stderr)
	case "accounts":
		return accountsCmd(ctx, args[1:], stdout, stderr)
	case "rehearse":
		return rehearseCmd(ctx, args[1:], stdout, stderr)
	case "handout":
		return handoutCmd(ctx, args[1:], stdout, stderr)
	case "debrief":
		return debriefCmd(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}
