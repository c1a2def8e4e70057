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
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
	"github.com/unicorn-rentals/gameday/game/local"
)

func main() { cli.Main("localgame", run) }

// options are what the flags ask for.
type options struct {
	base  config.Config
	sets  []string
	setup game.Setup
	out   string
	chaos bool
	quiet bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opt, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if missing := local.Missing(); len(missing) > 0 {
		return fmt.Errorf("missing %s: run make local-tools", strings.Join(missing, " and "))
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
	var results []local.Result
	var chaosRuns []local.Chaos
	for _, value := range opt.sets {
		cfg := opt.base
		if cfg.Fixes, err = catalog.ParseFixSet(value); err != nil {
			return fmt.Errorf("fix set %q: %w", value, err)
		}
		r, c, err := playSet(ctx, cfg, opt, local.Options{ServiceBinary: bin, Dir: dir}, stderr)
		if err != nil {
			return err
		}
		results = append(results, r)
		if c != nil {
			chaosRuns = append(chaosRuns, *c)
		}
	}
	table(stdout, results)
	if len(chaosRuns) > 0 {
		fmt.Fprintln(stdout)
		chaosTable(stdout, chaosRuns)
	}
	return nil
}

func parse(args []string, stderr io.Writer) (options, error) {
	fs := cli.Flags("localgame", stderr)
	context := cli.ContextFlags{}
	fs.Var(context, "c", "a CDK context value, key=value (repeatable): work, concurrency, maxWait, fleetSize, maxCapacity, ...")
	speed := fs.Float64("speed", 240, "time compression of the scenario: 240 plays four hours in a minute")
	scenarioPath := fs.String("scenario", "", "scenario file (default: the committed four-hour game)")
	out := fs.String("out", "out", "where make synth wrote the templates, for the cost column")
	chaos := fs.Bool("chaos", false, "also kill one service process under a steady load, with each fix set's health check")
	quiet := fs.Bool("quiet", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	opt := options{sets: fs.Args(), out: *out, chaos: *chaos, quiet: *quiet, setup: game.DefaultSetup()}
	opt.setup.Speed = *speed
	if len(opt.sets) == 0 {
		opt.sets = []string{"none", "all"}
	}
	var err error
	if opt.base, err = config.FromContext(context.Get); err != nil {
		return opt, err
	}
	if *scenarioPath != "" {
		if opt.setup.Scenario, err = game.LoadScenario(*scenarioPath); err != nil {
			return opt, err
		}
	}
	if err := opt.setup.Validate(); err != nil {
		return opt, fmt.Errorf("--speed or --scenario: %w", err)
	}
	return opt, nil
}

// playSet plays one fix set and, with --chaos, kills one of its processes
// under load.
func playSet(ctx context.Context, cfg config.Config, opt options, lo local.Options, stderr io.Writer) (local.Result, *local.Chaos, error) {
	cost := estimate(opt.out, cfg, opt.setup.Scenario)
	p := game.Play{Setup: opt.setup}
	if !opt.quiet {
		// The script's lines (the CEO's, the monkey's) as the room hears
		// them, beside the progress.
		p.Progress, p.Events = stderr, stderr
	}
	fmt.Fprintf(stderr, "fixes=%s: %d service processes, bill $%.4f/h\n", cfg.Fixes, local.Count(cfg), max(cost, 0))
	r, err := local.Game(ctx, cfg, lo, p, cost)
	if err != nil || !opt.chaos {
		return r, nil, err
	}
	// Half the remaining processes' capacity: the loss is the health
	// check's doing, not overload's.
	n := float64(local.Count(cfg) - 1)
	rate := n * float64(cfg.Service.Concurrency) / cfg.Service.Work.Seconds() / 2
	fmt.Fprintf(stderr, "fixes=%s: chaos, killing one of %d processes under %.1f req/s\n", cfg.Fixes, local.Count(cfg), rate)
	// Four minutes: the CTO's TCP check takes up to 150 s to notice.
	c, err := local.KillOne(ctx, cfg, lo, rate, 4*time.Minute)
	return r, &c, err
}

// estimate prices the fix set's synthesized template at the scenario's
// mean rate, assuming 90 % cache hits with the cache fix; -1 without one.
func estimate(out string, cfg config.Config, s game.Scenario) float64 {
	hit := 0.0
	if cfg.Fixes.Has(catalog.FixCache) {
		hit = 0.9
	}
	traffic := game.Traffic{RPS: s.Expected(s.Length()) / s.Length().Seconds(), HitRatio: hit}
	est, err := game.EstimateFile(filepath.Join(out, cfg.Fixes.Dir(), cfg.StackName+".template.json"), game.DefaultPrices(), traffic)
	if err != nil {
		return -1
	}
	return est.Total
}
