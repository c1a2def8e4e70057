// Command gameday is the facilitator's engine for the Unicorn.Rentals
// GameDay.
//
//	gameday play --target URL [--scenario FILE] [--rules FILE] [--speed N]
//	             [--cost-per-hour USD | --template FILE --rps N --hit-ratio H]
//	             [--results FILE]
//	gameday cost [--rps N] [--hit-ratio H] TEMPLATE
//	gameday board --teams FILE [--db FILE] [--listen ADDR] [flags]
//	gameday ctl [--server URL] [--token T] pause|resume|end|move|cost|chaos|note
//	gameday export (--db FILE | --server URL) [--format csv|json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

const usage = `usage:
  gameday play --target URL [flags]   play the scenario against a team's endpoint
  gameday cost [flags] TEMPLATE       estimate a synthesized template's cost an hour
  gameday board --teams FILE [flags]  play every team at once, with a live scoreboard
  gameday ctl ACTION                  pause, resume or end the board's game, move a team
  gameday export [flags]              the board's results as CSV or JSON
run "gameday COMMAND -h" for the flags`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gameday:", err)
		}
		os.Exit(2)
	}
}

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
	case "ctl":
		return ctl(ctx, args[1:], stdout, stderr)
	case "export":
		return export(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// trafficFlags are the traffic assumptions both commands price with.
func trafficFlags(fs *flag.FlagSet) (rps, hit *float64) {
	return fs.Float64("rps", 10, "requests per second reaching the endpoint"),
		fs.Float64("hit-ratio", 0.9, "share of requests CloudFront answers from its cache (0 to 1)")
}

func estimate(path string, rps, hit float64) (game.Estimate, error) {
	if rps < 0 || hit < 0 || hit > 1 {
		return game.Estimate{}, fmt.Errorf("--rps %v --hit-ratio %v: want rps of 0 or more and a hit ratio from 0 to 1", rps, hit)
	}
	raw, err := game.LoadTemplate(path)
	if err != nil {
		return game.Estimate{}, err
	}
	return game.EstimateCost(raw, game.DefaultPrices(), game.Traffic{RPS: rps, HitRatio: hit})
}

func cost(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rps, hit := trafficFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("cost: give one template, e.g. gameday cost out/all/UnicornRentals.template.json")
	}
	est, err := estimate(fs.Arg(0), *rps, *hit)
	if err != nil {
		return err
	}
	prices := game.DefaultPrices()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "resource\ttype\t$/hour\tdetail\n")
	for _, l := range est.Lines {
		fmt.Fprintf(w, "%s\t%s\t%.4f\t%s\n", l.Resource, l.Type, l.PerHour, l.Detail)
	}
	w.Flush()
	fmt.Fprintf(stdout, "\ntotal $%.4f an hour (about $%.0f a month) at %.0f requests/s, %.0f%% cache hits\n", est.Total, est.Total*730, *rps, *hit*100)
	fmt.Fprintf(stdout, "prices: %s, %s, %s\n", prices.Region, prices.Source, prices.Date)
	for _, u := range est.Unpriced {
		fmt.Fprintf(stdout, "not priced: %s\n", u)
	}
	return nil
}

func play(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("play", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "the team's endpoint, the stack's Endpoint output (required)")
	gf := addGameFlags(fs)
	costPerHour := fs.Float64("cost-per-hour", -1, "the team's AWS bill in USD an hour (or use --template)")
	templatePath := fs.String("template", "", "estimate the bill from this synthesized template")
	rps, hit := trafficFlags(fs)
	results := fs.String("results", "", "write one JSON line per second to this file")
	quiet := fs.Bool("quiet", false, "no progress line each second")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("play: unexpected argument %q; flags go before nothing else", fs.Arg(0))
	}
	u, err := url.Parse(*target)
	if *target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("play: --target %q: want the endpoint's URL, e.g. --target https://d111111abcdef8.cloudfront.net/", *target)
	}
	p := game.Play{Target: u, Speed: *gf.speed, Seed: *gf.seed}
	if p.Scenario, p.Rules, err = gf.load(); err != nil {
		return fmt.Errorf("play: %w", err)
	}
	switch {
	case *templatePath != "" && *costPerHour >= 0:
		return errors.New("play: give --cost-per-hour or --template, not both")
	case *templatePath != "":
		est, err := estimate(*templatePath, *rps, *hit)
		if err != nil {
			return err
		}
		p.CostPerHour = est.Total
	case *costPerHour >= 0:
		p.CostPerHour = *costPerHour
	default:
		return errors.New("play: the score deducts the team's bill: give --cost-per-hour USD or --template FILE")
	}
	if *results != "" {
		f, err := os.Create(*results)
		if err != nil {
			return fmt.Errorf("play: --results: %w", err)
		}
		defer f.Close()
		p.Results = f
	}
	if !*quiet {
		p.Progress = stderr
	}
	fmt.Fprintf(stderr, "playing %q against %s: %s of game in %s, bill $%.4f/h\n",
		p.Scenario.Name, u, p.Scenario.Length(), time.Duration(float64(p.Scenario.Length())/p.Speed).Round(time.Second), p.CostPerHour)
	sum, err := p.Run(ctx)
	if err != nil {
		return err
	}
	printSummary(stdout, sum)
	return nil
}

func printSummary(w io.Writer, s game.Summary) {
	hit := "not reported by the endpoint"
	if r := s.HitRatio(); r >= 0 {
		hit = fmt.Sprintf("%.1f%% (p50 of a hit %s, of a miss %s)", r*100, s.HitP50, s.MissP50)
	}
	fmt.Fprintf(w, `score %.0f = %.0f points - %.0f failure penalty - %.0f cost
requests %d: %d ok, %d failed (%d wrong answers, %d timeouts)
latency p50 %s, p99 %s
cache hit ratio %s; best possible for these keys %.1f%% (%d distinct of %d)
played for %s
`, s.Score, s.Points, s.Penalty, s.Cost, s.Sent, s.OK, s.Failed, s.Wrong, s.Timeouts,
		s.P50, s.P99, hit, s.BestHitRatio()*100, s.DistinctKeys, s.Sent, s.Elapsed.Round(time.Millisecond))
}
