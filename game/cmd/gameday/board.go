package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game/accounts"
	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

const defaultServer = "http://127.0.0.1:8080"

func boardCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("board", stderr)
	teamsPath := fs.String("teams", "", "teams file: one \"name endpoint [cost [stack]]\" a line (needed to start a game, not to resume one)")
	teamsEnv := fs.String("teams-env", "", "read the teams file's text from this environment variable instead (a container's configuration)")
	workers := fs.Int("workers", 0, "share the teams among this many \"gameday worker\" processes, which send the load; 0: the board sends it")
	lease := fs.Duration("lease", board.DefaultLease, "with --workers: a worker not heard from for this long has its teams handed to another")
	grace := fs.Duration("grace", 0, "with --workers: how long after a minute ends the board waits for its reports before scoring it with what came (default: the lease)")
	token := fs.String("token", "", "the control token, at least 16 characters (default: $GAMEDAY_TOKEN; when neither, the game makes one)")
	workerToken := fs.String("worker-token", "", "with --workers: the workers' token, at least 16 characters, not the control token (default: $GAMEDAY_WORKER_TOKEN; when neither, the game makes one)")
	dbPath := fs.String("db", "out/board/game.db", "the game's database: scores are kept here minute by minute; start again with the same --db to resume")
	listen := fs.String("listen", "127.0.0.1:8080", "address of the scoreboard page; 0.0.0.0:8080 to show it to other machines")
	gf := addGameFlags(fs)
	bill := billFlags{
		perHour:  fs.Float64("cost-per-hour", -1, "the bill of teams whose line gives no cost, USD an hour"),
		template: fs.String("template", "", "price teams whose line gives no cost from this synthesized template"),
	}
	region := fs.String("region", "", "AWS region of the teams' stacks, for live bills (default: us-east-1)")
	profile := fs.String("profile", "", "AWS profile the board starts from to assume each team's role, for live bills (default: the SDK's chain)")
	liveEvery := fs.Duration("live-every", board.DefaultLiveEvery, "how often a live bill reads the team's account")
	questEvery := fs.Duration("quest-every", board.DefaultQuestEvery, "how often a live team's quests are checked in its account")
	stack := fs.String("stack", contract.DefaultStackName, "the teams' game stack name: the script's chaos experiments hit what runs in its VPC")
	paused := fs.Bool("paused", false, "start paused; start the clock with \"gameday ctl resume\" or the page")
	exitWhenOver := fs.Bool("exit-when-over", false, "exit when the game ends, rather than keep showing the final standings")
	if err := cli.ParseFlagsOnly(fs, args); err != nil {
		return err
	}
	if *teamsPath != "" && *teamsEnv != "" {
		return errors.New("board: give --teams or --teams-env, not both")
	}
	if *workers < 0 || *lease <= 0 || *grace < 0 {
		return fmt.Errorf("board: --workers %d --lease %s --grace %s: want 0 or more workers, a positive lease and a grace of 0 or more", *workers, *lease, *grace)
	}
	if *liveEvery <= 0 || *questEvery <= 0 {
		return fmt.Errorf("board: --live-every %s --quest-every %s: want positive durations, e.g. 1m and 3m", *liveEvery, *questEvery)
	}
	g, err := newBoardGame(gf, bill, *teamsPath, *paused)
	if err != nil {
		return fmt.Errorf("board: %w", err)
	}
	if *teamsEnv != "" {
		text, ok := os.LookupEnv(*teamsEnv)
		if !ok {
			return fmt.Errorf("board: --teams-env %s: no such environment variable", *teamsEnv)
		}
		if g.Teams, err = teamsfile.Parse(strings.NewReader(text), "$"+*teamsEnv); err != nil {
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
	teams := &accounts.Pool{Region: *region, Profile: *profile}
	var shared *board.Workers
	if *workers > 0 {
		shared = &board.Workers{Expected: *workers, Lease: *lease, Grace: *grace}
	}
	b, err := board.Open(store, g, board.Options{
		Workers: shared, RemoteEndpointsOnly: beyondLoopback(*listen), Token: cmp.Or(*token, os.Getenv("GAMEDAY_TOKEN")), WorkerToken: cmp.Or(*workerToken, os.Getenv("GAMEDAY_WORKER_TOKEN")),
		Log: slog.New(slog.NewTextHandler(stderr, nil)),
		// Teams whose cost is live:<role> are read through the AWS SDK.
		Live: &accounts.Biller{Pool: teams}, LiveEvery: *liveEvery, QuestEvery: *questEvery,
		// The script's chaos events start FIS experiments in the same
		// teams' accounts, through the same role.
		Monkey: &accounts.Monkey{Pool: teams, StackName: *stack},
	})
	if err != nil {
		return fmt.Errorf("board: %w", err)
	}
	page, stop, err := serve(b, *listen, stderr)
	if err != nil {
		return err
	}
	defer stop()
	if b.Resumed() {
		fmt.Fprintf(stderr, "resuming the game in %s from minute %d; its teams, scenario and speed are the stored ones\n", *dbPath, b.Minute())
	}
	fmt.Fprintf(stderr, "scoreboard: %s/\n", page)
	// A token is shown once, when the board makes it: it keeps only its
	// public key, and ctl and the workers sign their calls with it.
	const kept = "%s: the one given, or printed when this game began (the board keeps only its key; lost, restart the board with %s=NEW)\n"
	if t := b.Token(); t != "" {
		fmt.Fprintf(stderr, "control token: %s\n  export GAMEDAY_TOKEN=%s  # for gameday ctl; shown this once\n", t, t)
	} else {
		fmt.Fprintf(stderr, kept, "control token", "GAMEDAY_TOKEN")
	}
	if *workers > 0 {
		if t := b.WorkerToken(); t != "" {
			fmt.Fprintf(stderr, "worker token: %s  # shown this once\n", t)
		} else {
			fmt.Fprintf(stderr, kept, "worker token", "GAMEDAY_WORKER_TOKEN")
		}
		fmt.Fprintf(stderr, "waiting for %d workers: GAMEDAY_WORKER_TOKEN=... gameday worker --board %s\n", *workers, page)
	}
	if err := b.Run(ctx); err != nil {
		return fmt.Errorf("board: %w", err)
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "stopped at minute %d; run the same command again to resume\n", b.Minute())
		return nil
	}
	printStandings(stdout, b.LiveSnapshot().Standings)
	if !*exitWhenOver {
		fmt.Fprintf(stderr, "game over; the scoreboard stays up at %s/ until Ctrl-C\n", page)
		<-ctx.Done()
	}
	return nil
}

// newBoardGame is the game the flags describe, played if the database
// holds none yet.
func newBoardGame(gf gameFlags, bill billFlags, teamsPath string, paused bool) (board.NewGame, error) {
	setup, err := gf.setup()
	if err != nil {
		return board.NewGame{}, err
	}
	g := board.NewGame{Setup: setup, Paused: paused}
	perHour, template, err := bill.given()
	switch {
	case err != nil:
		return g, err
	case template:
		g.DefaultCost = *bill.template
	case perHour:
		g.DefaultCost = fmt.Sprint(*bill.perHour)
	}
	if teamsPath != "" {
		if g.Teams, err = teamsfile.Load(teamsPath); err != nil {
			return g, err
		}
	}
	return g, nil
}

// serve shows the scoreboard page on listen and returns its address for
// this machine and a function that stops it.
func serve(b *board.Board, listen string, stderr io.Writer) (string, func(), error) {
	ln, err := board.Listen(listen)
	if err != nil {
		return "", nil, fmt.Errorf("board: --listen %s: %w", listen, err)
	}
	srv := board.NewServer(b)
	go srv.Serve(ln)
	stop := func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}
	addr := ln.Addr().(*net.TCPAddr)
	if addr.IP.IsUnspecified() {
		fmt.Fprintf(stderr, "listening on every interface: the room opens http://THIS-MACHINE:%d/\n", addr.Port)
		addr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: addr.Port}
	}
	return "http://" + addr.String(), stop, nil
}

func printStandings(w io.Writer, standings []board.Standing) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "rank\tteam\tscore\tpoints\tpenalty\tcost\tok\tfailed\t\n")
	for _, s := range standings {
		fmt.Fprintf(tw, "%d\t%s\t%.0f\t%.0f\t%.0f\t%.0f\t%d\t%d\t\n", s.Rank, s.Name, s.Score, s.Points, s.Penalty, s.Cost, s.OK, s.Failed)
	}
	tw.Flush()
}

// beyondLoopback says whether a board listening on listen is reached from
// other machines: then the teams' endpoints must be on other machines too.
func beyondLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	return err != nil || !teamsfile.IsLoopbackHost(host)
}
