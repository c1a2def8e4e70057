package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// handoutCmd is gameday handout: a sheet a team, with how to sign in to
// its account, its page and credential, and the runbook, so that the
// handout is the one thing each team gets.
func handoutCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("handout", stderr)
	teamsPath := fs.String("teams", "", "the board's teams file")
	boardURL := fs.String("server", "", "the scoreboard's address as the teams reach it, e.g. https://d111111abcdef8.cloudfront.net (default: $GAMEDAY_SERVER)")
	token := fs.String("token", "", "the board's control token, which each team's is made from (default: $GAMEDAY_TOKEN)")
	signIn := fs.String("sign-in", "", "where the teams sign in to AWS, e.g. the IAM Identity Center start URL (default: each account's console sign-in page)")
	region := fs.String("region", "us-east-1", "the teams' region")
	runbook := fs.String("runbook", "docs/runbook.md", "the runbook to put in every sheet")
	out := fs.String("out", "out/handout", "the folder for the sheets, one file a team")
	if err := cli.ParseFlagsOnly(fs, args); err != nil {
		return err
	}
	control := cmp.Or(*token, os.Getenv("GAMEDAY_TOKEN"))
	*boardURL = cmp.Or(*boardURL, os.Getenv("GAMEDAY_SERVER"))
	switch {
	case *teamsPath == "":
		return errors.New("handout: --teams FILE is required: the board's teams file")
	case control == "":
		return errors.New("handout: no control token: give --token or set GAMEDAY_TOKEN to the token the board printed, which each team's page credential is made from")
	}
	u, err := url.Parse(*boardURL)
	if *boardURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("handout: --server %q: want the scoreboard's address as the teams reach it, e.g. --server https://d111111abcdef8.cloudfront.net (or set GAMEDAY_SERVER)", *boardURL)
	}
	teams, err := teamsfile.Load(*teamsPath)
	if err != nil {
		return fmt.Errorf("handout: %w", err)
	}
	book, err := os.ReadFile(*runbook)
	if err != nil {
		return fmt.Errorf("handout: the runbook: %w (run it from the project's folder, or give --runbook)", err)
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return fmt.Errorf("handout: %w", err)
	}
	for _, t := range teams {
		sheet := handoutSheet(t, strings.TrimRight(u.String(), "/"), board.TeamToken(control, t.Name), *signIn, *region, string(book))
		path := filepath.Join(*out, t.Name+".md")
		// A sheet holds the team's credential: its team's eyes only.
		if err := os.WriteFile(path, []byte(sheet), 0o600); err != nil {
			return fmt.Errorf("handout: %w", err)
		}
		fmt.Fprintf(stdout, "%-12s %s\n", t.Name, path)
	}
	fmt.Fprintf(stdout, "%d sheets in %s: give each team its own, and nothing else\n", len(teams), *out)
	return nil
}

// handoutSheet is one team's sheet.
func handoutSheet(t teamsfile.Team, boardURL, token, signIn, region, runbook string) string {
	account := ""
	if cost, err := teamsfile.ParseCost(t.Cost); err == nil && cost.Live {
		if f := strings.Split(cost.Role, ":"); len(f) > 4 {
			account = f[4]
		}
	}
	if signIn == "" && account != "" {
		signIn = "https://" + account + ".signin.aws.amazon.com/console"
	}
	account = cmp.Or(account, "your facilitator gives you its ID")
	var b strings.Builder
	fmt.Fprintf(&b, "# Unicorn.Rentals GameDay: %s\n\n", t.Name)
	fmt.Fprintf(&b, "Keep this sheet to your team: it holds your team's credential.\n\n")
	fmt.Fprintf(&b, "## Your account\n\n- Account: %s, region %s\n", account, region)
	if signIn != "" {
		fmt.Fprintf(&b, "- Sign in: %s, with the user or role your facilitator gives you\n", signIn)
	}
	fmt.Fprintf(&b, "- Your stack: `%s`; your customers call its `Endpoint` output\n\n", cmp.Or(t.Stack, contract.DefaultStackName))
	fmt.Fprintf(&b, "## Your team's page\n\n%s/team#%s:%s\n\n", boardURL, t.Name, token)
	fmt.Fprintf(&b, "Open it in a current Chromium, Firefox or Safari. The part after `#` is\nyour team's credential: your browser keeps it to itself; do not paste it\nelsewhere.\n\n")
	fmt.Fprintf(&b, "---\n\n%s", runbook)
	return b.String()
}
