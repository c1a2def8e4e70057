// Command localgame plays the game on one machine: for each fix set, the
// data path from real parts on loopback (hash service processes, HAProxy
// for the load balancer, nginx for CloudFront with the cache fix), a
// compressed scenario from the game engine, and a table side by side.
//
//	localgame [-c key=value ...] [--speed 240] [--chaos] [FIXSET ...]
//
// -c takes the CDK app's own context keys (work, concurrency, fleetSize,
// maxCapacity, ...), read by the same code, so the local processes run as
// the stack would run them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/game/local"
	"github.com/unicorn-rentals/gameday/stacks"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "localgame:", err)
		}
		os.Exit(2)
	}
}

// contextFlags collects -c key=value like the CDK CLI.
type contextFlags map[string]any

func (c contextFlags) String() string { return fmt.Sprint(map[string]any(c)) }
func (c contextFlags) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", v)
	}
	c[k] = val
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("localgame", flag.ContinueOnError)
	fs.SetOutput(stderr)
	context := contextFlags{}
	fs.Var(context, "c", "a CDK context value, key=value (repeatable): work, concurrency, maxWait, fleetSize, maxCapacity, ...")
	speed := fs.Float64("speed", 240, "time compression of the scenario: 240 plays four hours in a minute")
	scenarioPath := fs.String("scenario", "", "scenario file (default: the committed four-hour game)")
	out := fs.String("out", "out", "where make synth wrote the templates, for the cost column")
	chaos := fs.Bool("chaos", false, "also kill one service process under a steady load, with each fix set's health check")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sets := fs.Args()
	if len(sets) == 0 {
		sets = []string{"none", "all"}
	}
	if missing := local.Missing(); len(missing) > 0 {
		return fmt.Errorf("missing %s: run make local-tools", strings.Join(missing, " and "))
	}
	base, err := stacks.ConfigFromContext(func(k string) any { return context[k] })
	if err != nil {
		return err
	}
	scenario := game.DefaultScenario()
	if *scenarioPath != "" {
		if scenario, err = game.LoadScenario(*scenarioPath); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "localgame-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "hashsvc")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = "service"
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building the service (run from the repository root): %v\n%s", err, b)
	}
	opt := local.Options{ServiceBinary: bin, Dir: dir}

	var results []local.Result
	var chaosRuns []local.Chaos
	for _, value := range sets {
		cfg := base
		if cfg.Fixes, err = stacks.ParseFixSet(value); err != nil {
			return fmt.Errorf("fix set %q: %w", value, err)
		}
		cost := estimate(*out, cfg.Fixes, scenario)
		p := game.Play{Scenario: scenario, Rules: game.DefaultRules(), Speed: *speed}
		if !*quiet {
			p.Progress = stderr
		}
		fmt.Fprintf(stderr, "fixes=%s: %d service processes, bill $%.4f/h\n", cfg.Fixes, local.Count(cfg), max(cost, 0))
		r, err := local.Game(ctx, cfg, opt, p, cost)
		if err != nil {
			return err
		}
		results = append(results, r)
		if *chaos {
			// Half the remaining processes' capacity: the loss is the
			// health check's doing, not overload's.
			n := float64(local.Count(cfg) - 1)
			rate := n * float64(cfg.Service.Concurrency) / cfg.Service.Work.Seconds() / 2
			fmt.Fprintf(stderr, "fixes=%s: chaos, killing one of %d processes under %.1f req/s\n", cfg.Fixes, local.Count(cfg), rate)
			// Four minutes: the CTO's TCP check takes up to 150 s to notice.
			c, err := local.KillOne(ctx, cfg, opt, rate, 4*time.Minute)
			if err != nil {
				return err
			}
			chaosRuns = append(chaosRuns, c)
		}
	}
	table(stdout, results)
	if len(chaosRuns) > 0 {
		fmt.Fprintln(stdout)
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "chaos\thealth check\trequests\tlost after the kill\trecovered after")
		for _, c := range chaosRuns {
			check := "TCP every 30 s, 5 failures"
			if c.HTTPCheck {
				check = "GET /healthz every 10 s, 2 failures"
			}
			fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%s\n", c.Fixes, check, c.Sent, c.Lost, c.Recovery)
		}
		w.Flush()
	}
	return nil
}

// estimate prices the fix set's synthesized template at the scenario's
// mean rate, assuming 90 % cache hits with the cache fix; -1 without one.
func estimate(out string, fixes stacks.FixSet, s game.Scenario) float64 {
	path := filepath.Join(out, strings.ReplaceAll(fixes.String(), ",", "+"), "UnicornRentals.template.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		return -1
	}
	hit := 0.0
	if fixes.Has(stacks.FixCache) {
		hit = 0.9
	}
	est, err := game.EstimateCost(raw, game.DefaultPrices(), game.Traffic{RPS: s.Expected(s.Length()) / s.Length().Seconds(), HitRatio: hit})
	if err != nil {
		return -1
	}
	return est.Total
}

func table(w io.Writer, results []local.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "fixes\tprocesses\tscore\trequests\tok\tfailed\twrong\tp50\tp99\tcache hits\tbest possible\thit p50\tmiss p50\tcost/h\t")
	for _, r := range results {
		s := r.Summary
		hit, cost := "-", "no template"
		if h := s.HitRatio(); h >= 0 {
			hit = fmt.Sprintf("%.1f%%", h*100)
		}
		if r.CostPerHour >= 0 {
			cost = fmt.Sprintf("$%.4f", r.CostPerHour)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.1f%%\t%s\t%s\t%s\t\n", r.Fixes, r.Processes, s.Score, s.Sent, s.OK, s.Failed, s.Wrong,
			s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), hit, s.BestHitRatio()*100, dur(s.HitP50), dur(s.MissP50), cost)
	}
	tw.Flush()
}

func dur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Microsecond).String()
}
