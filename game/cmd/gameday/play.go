package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
)

func play(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := cli.Flags("play", stderr)
	target := fs.String("target", "", "the team's endpoint, the stack's Endpoint output (required)")
	gf := addGameFlags(fs)
	bill := addBillFlags(fs, "the team's AWS bill in USD an hour (or use --template)", "estimate the bill from this synthesized template")
	results := fs.String("results", "", "write one JSON line per second to this file")
	quiet := fs.Bool("quiet", false, "no progress line each second")
	keyFile := fs.String("answer-key-file", "", "file holding the team's answer key (default: $ANSWER_KEY)")
	if err := cli.ParseFlagsOnly(fs, args); err != nil {
		return err
	}
	u, err := url.Parse(*target)
	if *target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("play: --target %q: want the endpoint's URL, e.g. --target https://d111111abcdef8.cloudfront.net/", *target)
	}
	p := game.Play{Target: u}
	if p.Setup, err = gf.setup(); err != nil {
		return fmt.Errorf("play: %w", err)
	}
	perHour, template, err := bill.given()
	switch {
	case err != nil:
		return fmt.Errorf("play: %w", err)
	case template:
		est, err := estimate(*bill.template, bill.rps, bill.hit)
		if err != nil {
			return err
		}
		p.CostPerHour = est.Total
	case perHour:
		p.CostPerHour = *bill.perHour
	default:
		return errors.New("play: the score deducts the team's bill: give --cost-per-hour USD or --template FILE")
	}
	if p.Key, err = answerKey(*keyFile); err != nil {
		return fmt.Errorf("play: %w", err)
	}
	if *results != "" {
		f, err := os.Create(*results)
		if err != nil {
			return fmt.Errorf("play: --results: %w", err)
		}
		defer cli.CloseFile(f, &err)
		p.Results = f
	}
	if !*quiet {
		p.Progress = stderr
	}
	p.Events = stderr // the script's lines, quiet or not
	fmt.Fprintf(stderr, "playing %q against %s: %s of game in %s, bill $%.4f/h\n",
		p.Scenario.Name, u, p.Scenario.Length(), p.RealTime(p.Scenario.Length()).Round(time.Second), p.CostPerHour)
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
