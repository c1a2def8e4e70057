package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/unicorn-rentals/gameday/game/accounts"
	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
)

func debriefCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("debrief", stderr)
	dbPath := fs.String("db", "", "read a stopped game's database: every team's debrief")
	server := fs.String("server", "", "ask a running board for one team's debrief (--team), e.g. "+defaultServer)
	token := fs.String("token", "", "with --server: the control token (default: $GAMEDAY_TOKEN)")
	team := fs.String("team", "", "only this team (required with --server)")
	out := fs.String("out", "debriefs", "the folder for each team's page (TEAM.html) and debriefs.json")
	region := fs.String("region", "", "with --db: the teams' region, where their CloudTrail is read (default: the AWS configuration's)")
	profile := fs.String("profile", "", "with --db: the AWS profile that assumes the teams' roles")
	noHistory := fs.Bool("no-history", false, "with --db: do not read the teams' CloudTrail")
	timeout := fs.Duration("timeout", time.Minute, "how long to wait for the board, or for each team's CloudTrail")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*dbPath == "") == (*server == "") {
		return errors.New("debrief: give --db FILE for a stopped game or --server URL (with --team) for a running one")
	}
	var debriefs []board.Debrief
	if *server != "" {
		if *team == "" {
			return errors.New("debrief: --server needs --team NAME: the running board makes one team's debrief at a time")
		}
		d, err := liveDebrief(ctx, *server, cmp.Or(*token, os.Getenv("GAMEDAY_TOKEN")), *team, *timeout)
		if err != nil {
			return fmt.Errorf("debrief: %w", err)
		}
		debriefs = append(debriefs, d)
	} else {
		var reads board.LiveHistory
		if !*noHistory {
			reads = &accounts.Biller{Pool: &accounts.Pool{Region: *region, Profile: *profile}}
		}
		var err error
		if debriefs, err = storedDebriefs(ctx, *dbPath, *team, reads, *timeout); err != nil {
			return fmt.Errorf("debrief: %w", err)
		}
	}
	return writeDebriefs(*out, debriefs, stdout)
}

// liveDebrief asks a running board for team's debrief.
func liveDebrief(ctx context.Context, server, token, team string, timeout time.Duration) (board.Debrief, error) {
	if token == "" {
		return board.Debrief{}, errors.New("no token: give --token or set GAMEDAY_TOKEN to the token gameday board printed")
	}
	resp, err := callBoard(ctx, server, http.MethodGet, "/api/debrief/"+url.PathEscape(team), token, nil, timeout)
	if err != nil {
		return board.Debrief{}, err
	}
	defer resp.Body.Close()
	var d board.Debrief
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return board.Debrief{}, fmt.Errorf("the board's debrief of %s: %w", team, err)
	}
	return d, nil
}

// storedDebriefs are the debriefs of a stopped game's teams (team alone
// when given), each with its account's changes over the game when reads
// can reach it.
func storedDebriefs(ctx context.Context, dbPath, only string, reads board.LiveHistory, timeout time.Duration) ([]board.Debrief, error) {
	if _, err := os.Stat(dbPath); err != nil {
		return nil, fmt.Errorf("--db: %w", err)
	}
	store, err := board.OpenStore(dbPath)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	meta, _, events, err := store.Load()
	if err != nil {
		return nil, err
	}
	ex, err := board.ExportStore(store)
	if err != nil {
		return nil, err
	}
	from, to := meta.Created, time.Now()
	if meta.State == board.Ended && len(events) > 0 {
		to = events[len(events)-1].Wall
	}
	var out []board.Debrief
	for _, t := range meta.Teams {
		if only != "" && t.Name != only {
			continue
		}
		c, cancel := context.WithTimeout(ctx, timeout)
		d, err := board.DebriefWithHistory(c, ex, t.Name, reads, from, to)
		cancel()
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if only != "" && len(out) == 0 {
		return nil, fmt.Errorf("--team %q: no such team in %s", only, dbPath)
	}
	return out, nil
}

// writeDebriefs writes each debrief's page and all of them as JSON into
// dir, each file whole or not at all.
func writeDebriefs(dir string, debriefs []board.Debrief, stdout io.Writer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("debrief: %w", err)
	}
	for _, d := range debriefs {
		// Team names are the teams file's, safe as file names.
		path := filepath.Join(dir, d.Team+".html")
		if err := cli.WriteFile(path, d.WriteHTML); err != nil {
			return fmt.Errorf("debrief: %w", err)
		}
		fmt.Fprintf(stdout, "%s: rank %d of %d, %d moments, %d flaws left: %s\n", d.Team, d.Rank, d.Teams, len(d.Timeline), len(d.Left), path)
	}
	return cli.WriteFile(filepath.Join(dir, "debriefs.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(debriefs)
	})
}
