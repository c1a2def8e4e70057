package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/game/board"
)

const defaultServer = "http://127.0.0.1:8080"

// gameFlags are the flags that say which game is played.
type gameFlags struct {
	scenario, rules *string
	speed           *float64
	seed            *uint64
}

func addGameFlags(fs *flag.FlagSet) gameFlags {
	return gameFlags{
		scenario: fs.String("scenario", "", "scenario file (default: the committed four-hour game)"),
		rules:    fs.String("rules", "", "scoring rules file (default: the committed rules)"),
		speed:    fs.Float64("speed", 1, "time compression: 60 plays four hours in four minutes"),
		seed:     fs.Uint64("seed", 1, "seed of the input sequence: the same seed sends the same questions"),
	}
}

func (g gameFlags) load() (game.Scenario, game.Rules, error) {
	if *g.speed <= 0 {
		return game.Scenario{}, game.Rules{}, fmt.Errorf("--speed %v: want a positive number", *g.speed)
	}
	s, r := game.DefaultScenario(), game.DefaultRules()
	var err error
	if *g.scenario != "" {
		if s, err = game.LoadScenario(*g.scenario); err != nil {
			return s, r, err
		}
	}
	if *g.rules != "" {
		if r, err = game.LoadRules(*g.rules); err != nil {
			return s, r, err
		}
	}
	return s, r, nil
}

func boardCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("board", flag.ContinueOnError)
	fs.SetOutput(stderr)
	teamsPath := fs.String("teams", "", "teams file: one \"name endpoint [cost]\" a line (needed to start a game, not to resume one)")
	dbPath := fs.String("db", "out/board/game.db", "the game's database: scores are kept here minute by minute; start again with the same --db to resume")
	listen := fs.String("listen", "127.0.0.1:8080", "address of the scoreboard page; 0.0.0.0:8080 to show it to other machines")
	gf := addGameFlags(fs)
	costPerHour := fs.Float64("cost-per-hour", -1, "the bill of teams whose line gives no cost, USD an hour")
	templatePath := fs.String("template", "", "price teams whose line gives no cost from this synthesized template")
	paused := fs.Bool("paused", false, "start paused; start the clock with \"gameday ctl resume\" or the page")
	exitWhenOver := fs.Bool("exit-when-over", false, "exit when the game ends, rather than keep showing the final standings")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("board: unexpected argument %q", fs.Arg(0))
	}
	scenario, rules, err := gf.load()
	if err != nil {
		return fmt.Errorf("board: %w", err)
	}
	g := board.NewGame{Scenario: scenario, Rules: rules, Speed: *gf.speed, Seed: *gf.seed, Paused: *paused}
	switch {
	case *templatePath != "" && *costPerHour >= 0:
		return errors.New("board: give --cost-per-hour or --template, not both")
	case *templatePath != "":
		g.DefaultCost = *templatePath
	case *costPerHour >= 0:
		g.DefaultCost = fmt.Sprint(*costPerHour)
	}
	if *teamsPath != "" {
		if g.Teams, err = board.LoadTeams(*teamsPath); err != nil {
			return fmt.Errorf("board: %w", err)
		}
	}
	if _, err := os.Stat(*dbPath); err != nil && g.Teams == nil {
		return fmt.Errorf("board: no game in %s yet: give a teams file with --teams to start one", *dbPath)
	}
	store, err := board.OpenStore(*dbPath)
	if err != nil {
		return fmt.Errorf("board: %w", err)
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(stderr, nil))
	b, err := board.Open(store, g, board.Options{Log: log})
	if err != nil {
		return fmt.Errorf("board: %w", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("board: --listen %s: %w", *listen, err)
	}
	srv := &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()

	if b.Resumed() {
		fmt.Fprintf(stderr, "resuming the game in %s from minute %d; its teams, scenario and speed are the stored ones\n", *dbPath, b.Minute())
	}
	addr := ln.Addr().(*net.TCPAddr)
	if addr.IP.IsUnspecified() {
		fmt.Fprintf(stderr, "listening on every interface: the room opens http://THIS-MACHINE:%d/\n", addr.Port)
		addr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: addr.Port}
	}
	page := "http://" + addr.String()
	fmt.Fprintf(stderr, "scoreboard: %s/\ncontrol token: %s\n  export GAMEDAY_TOKEN=%s  # for gameday ctl\n", page, b.Token(), b.Token())
	if err := b.Run(ctx); err != nil {
		return fmt.Errorf("board: %w", err)
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "stopped at minute %d; run the same command again to resume\n", b.Minute())
		return nil
	}
	printStandings(stdout, board.Rank(b.Rows(), b.Teams()))
	if !*exitWhenOver {
		fmt.Fprintf(stderr, "game over; the scoreboard stays up at %s/ until Ctrl-C\n", page)
		<-ctx.Done()
	}
	return nil
}

func printStandings(w io.Writer, standings []board.Standing) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "rank\tteam\tscore\tpoints\tpenalty\tcost\tok\tfailed\t\n")
	for _, s := range standings {
		fmt.Fprintf(tw, "%d\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%d\t%d\t\n", s.Rank, s.Name, s.Score, s.Points, s.Penalty, s.Cost, s.OK, s.Failed)
	}
	tw.Flush()
}

const ctlUsage = `usage: gameday ctl [--server URL] [--token TOKEN] ACTION
actions:
  pause | resume | end
  move TEAM ENDPOINT        the team's new endpoint, e.g. its CloudFront URL
  cost TEAM COST            USD an hour, or a synthesized template
  chaos TEAM TEXT           announce a chaos experiment against a team
  note TEXT                 announce anything else
the token is the one gameday board printed; GAMEDAY_TOKEN is read when --token is not given`

func ctl(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, ctlUsage)
		fs.PrintDefaults()
	}
	server := fs.String("server", defaultServer, "the scoreboard's address")
	token := fs.String("token", os.Getenv("GAMEDAY_TOKEN"), "the control token gameday board printed")
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
	var buf bytes.Buffer
	if body != nil {
		json.NewEncoder(&buf).Encode(body)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(*server, "/")+path, &buf)
	if err != nil {
		return fmt.Errorf("ctl: --server %q: %w", *server, err)
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("ctl: is gameday board running at %s? %w", *server, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("ctl: %s: %s", resp.Status, e.Error)
	}
	var s board.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return fmt.Errorf("ctl: reading the answer: %w", err)
	}
	fmt.Fprintf(stdout, "ok: game %s at %s, minute %d of %d\n", s.State, s.GameTime, s.Minutes, s.Length)
	return nil
}

func export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "", "read a stopped game's database (while a board runs, use --server)")
	server := fs.String("server", "", "ask a running board, e.g. "+defaultServer)
	format := fs.String("format", "csv", "csv (a row per team and minute) or json (standings, minutes and events)")
	outPath := fs.String("out", "", "write to this file rather than standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*dbPath == "") == (*server == "") {
		return errors.New("export: give --db FILE for a stopped game or --server URL for a running one")
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("export: --format %q: want csv or json", *format)
	}
	out := stdout
	if *outPath != "" {
		f, err := os.Create(*outPath)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer f.Close()
		out = f
	}
	if *server != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(*server, "/")+"/api/export?format="+*format, nil)
		if err != nil {
			return fmt.Errorf("export: --server %q: %w", *server, err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("export: is gameday board running at %s? %w", *server, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("export: %s", resp.Status)
		}
		_, err = io.Copy(out, resp.Body)
		return err
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("export: --db: %w", err)
	}
	store, err := board.OpenStore(*dbPath)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer store.Close()
	ex, err := board.ExportStore(store)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return ex.Write(out, *format)
}
