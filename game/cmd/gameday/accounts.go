package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/game/accounts"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
)

func accountsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "preflight" && args[0] != "deploy" && args[0] != "teardown") {
		return fmt.Errorf("accounts: want preflight, deploy or teardown, then --accounts FILE")
	}
	verb := args[0]
	fs := cli.Flags("accounts "+verb, stderr)
	path := fs.String("accounts", "", "accounts file: one \"name profile-or-role-ARN [region]\" a line")
	dir := fs.String("out", "out/teams", "a folder per team: its cloud assembly, outputs and logs")
	teamsOut := fs.String("teams-out", "teams.txt", "deploy: the board's teams file to write from the stacks' outputs")
	stack := fs.String("stack", contract.DefaultStackName, "the game stack's name")
	parallel := fs.Int("parallel", 5, "deploys or teardowns at once")
	fix := fs.Bool("fix", false, "preflight: do what it can itself (the missing service-linked roles, the CDK bootstrap), then check again")
	details := fs.Bool("details", false, "preflight: every check of every account, not only the failures")
	deleteLeft := fs.Bool("delete", false, "teardown: also delete what still bills once the stacks are gone (load balancers, NAT gateways, instances, volumes, Elastic IPs; CloudFront distributions are listed for you to disable and delete)")
	playersRole := fs.String("players-role", "", "deploy: the role each team signs in with, to attach its stack's players' guardrail to (default: none; attach it yourself or use the SCP)")
	scp := fs.Bool("scp", false, "preflight: the teams' rules are an organization's Service Control Policy (docs/guardrail-scp.json), not the stack's players' guardrail")
	facilitator := fs.String("facilitator", "", "preflight: check the scoreboard's account too, \"profile-or-role-ARN [region]\", for a facilitator stack sized for these teams")
	cdkContext := cli.ContextFlags{"fixes": "none"}
	fs.Var(cdkContext, "c", "context for the app, as cdk takes it (repeat): -c ami=ami-... -c facilitatorAccount=123456789012")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *path == "" {
		return fmt.Errorf("accounts %s: --accounts FILE is required", verb)
	}
	f, err := os.Open(*path)
	if err != nil {
		return fmt.Errorf("accounts %s: %w", verb, err)
	}
	teams, err := accounts.ParseTeams(f, *path)
	f.Close()
	if err != nil {
		return fmt.Errorf("accounts %s: %w", verb, err)
	}
	opts := accounts.DeployOptions{Dir: *dir, Context: cdkContext, Stack: *stack, Parallel: *parallel, Progress: stderr, PlayersRole: *playersRole}
	switch verb {
	case "preflight":
		checked := make([]checkedAccount, len(teams))
		cfg := config.Default()
		for i, t := range teams {
			checked[i] = checkedAccount{t, accounts.Needs{VCPUs: cfg.StandardVCPUs(), ElasticIPs: 3, VPCs: 1, Stack: *stack, SCP: *scp}}
		}
		if *facilitator != "" {
			f, err := accounts.ParseTeams(strings.NewReader("facilitator "+*facilitator), "--facilitator")
			if err != nil {
				return fmt.Errorf("accounts preflight: %w", err)
			}
			size := config.SizeFor(len(teams))
			vcpus := float64(size.Workers*size.WorkerCPU+size.BoardCPU) / 1024
			checked = append(checked, checkedAccount{f[0], accounts.Needs{FargateVCPUs: vcpus, VPCs: 1, Facilitator: true}})
		}
		if *fix {
			if err := preflightFix(ctx, checked, *dir, stdout, stderr); err != nil {
				return err
			}
		}
		return preflight(ctx, checked, *details, stdout)
	case "deploy":
		done := accounts.Deploy(ctx, teams, opts)
		failed := 0
		var names []string
		for _, d := range done {
			if d.Err != nil {
				failed++
				names = append(names, d.Team)
				fmt.Fprintf(stdout, "%-12s FAILED %v\n", d.Team, d.Err)
			} else {
				fmt.Fprintf(stdout, "%-12s ok     %s (%s)\n", d.Team, d.Endpoint, d.Took)
			}
		}
		if failed == len(done) {
			return fmt.Errorf("accounts deploy: no team deployed; %s is left as it was", *teamsOut)
		}
		// Written whole or not at all: a failed write keeps the last file.
		if err := cli.WriteFile(*teamsOut, func(w io.Writer) error { return accounts.TeamsFile(w, done) }); err != nil {
			return fmt.Errorf("accounts deploy: the teams file: %w", err)
		}
		fmt.Fprintf(stdout, "%d of %d teams deployed; the board's teams file: %s\n", len(done)-failed, len(done), *teamsOut)
		if failed > 0 {
			return fmt.Errorf("accounts deploy: %d teams failed (%s, above): run it again for them (a deploy that worked is a no-op)", failed, strings.Join(names, ", "))
		}
		return nil
	}
	errs := accounts.Destroy(ctx, teams, opts)
	return teardownReport(ctx, teams, errs, *deleteLeft, stdout)
}

// checkedAccount is an account preflight checks, with what its stack needs.
type checkedAccount struct {
	accounts.Team
	need accounts.Needs
}

// preflight checks every account at once and prints the checklist.
func preflight(ctx context.Context, teams []checkedAccount, details bool, stdout io.Writer) error {
	if err := baseAccess(ctx, teams); err != nil {
		return err
	}
	results := make([][]accounts.Check, len(teams))
	errs := make([]error, len(teams))
	var wg sync.WaitGroup
	for i, t := range teams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := reach(ctx, t.Account)
			if err != nil {
				errs[i] = err
				return
			}
			results[i] = c.Preflight(ctx, t.need)
		}()
	}
	wg.Wait()
	failed, accountsFailed := 0, 0
	for i, t := range teams {
		if errs[i] != nil {
			failed++
			accountsFailed++
			fmt.Fprintf(stdout, "%-12s FAIL  access: %v\n", t.Name, errs[i])
			continue
		}
		var bad []accounts.Check
		for _, c := range results[i] {
			if !c.OK {
				bad = append(bad, c)
			}
		}
		failed += len(bad)
		if len(bad) > 0 {
			accountsFailed++
		}
		// One line an account; its checks on request, its failures always.
		switch {
		case len(bad) == 0:
			fmt.Fprintf(stdout, "%-12s ok    %d checks\n", t.Name, len(results[i]))
		default:
			names := make([]string, len(bad))
			for k, c := range bad {
				names[k] = c.Name
			}
			fmt.Fprintf(stdout, "%-12s FAIL  %s\n", t.Name, strings.Join(names, ", "))
		}
		for _, c := range results[i] {
			if c.OK && !details {
				continue
			}
			mark := "ok  "
			if !c.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(stdout, "    %s  %s: %s\n", mark, c.Name, c.Detail)
			if c.Fix != "" {
				fmt.Fprintf(stdout, "          fix: %s\n", c.Fix)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("accounts preflight: %d checks failed in %d of %d accounts: fix them before the deploy", failed, accountsFailed, len(teams))
	}
	return nil
}

// preflightFix checks every account and does what it can of the fixes,
// a line for each thing done; the checks then run again.
func preflightFix(ctx context.Context, teams []checkedAccount, dir string, stdout, stderr io.Writer) error {
	if err := baseAccess(ctx, teams); err != nil {
		return err
	}
	var mu sync.Mutex
	say := func(format string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(stderr, format+"\n", a...)
	}
	var wg sync.WaitGroup
	for _, t := range teams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := reach(ctx, t.Account)
			if err != nil {
				return // the checks say so
			}
			done, err := c.Fix(ctx, t.Team, c.Preflight(ctx, t.need), dir, say)
			mu.Lock()
			defer mu.Unlock()
			for _, d := range done {
				fmt.Fprintf(stdout, "%-12s fixed: %s\n", t.Name, d)
			}
			if err != nil {
				fmt.Fprintf(stdout, "%-12s could not fix: %v\n", t.Name, err)
			}
		}()
	}
	wg.Wait()
	return nil
}

// reach connects to an account and gets its credentials, so that a team
// that cannot be reached is one error, not every call's.
func reach(ctx context.Context, a accounts.Account) (*accounts.Clients, error) {
	c, err := accounts.Connect(ctx, a)
	if err != nil {
		return nil, err
	}
	return c, c.Access(ctx)
}

// baseAccess checks, once, the credentials the teams' roles are assumed
// with, when any team has a role.
func baseAccess(ctx context.Context, teams []checkedAccount) error {
	for _, t := range teams {
		if t.RoleARN != "" {
			if err := accounts.BaseAccess(ctx); err != nil {
				return fmt.Errorf("accounts preflight: %w", err)
			}
			return nil
		}
	}
	return nil
}

// teardownReport lists, per team, the teardown's error and what still
// bills in the account.
func teardownReport(ctx context.Context, teams []accounts.Team, errs []error, deleteLeft bool, stdout io.Writer) error {
	left := 0
	for i, t := range teams {
		if errs[i] != nil {
			fmt.Fprintf(stdout, "%-12s destroy failed: %v\n", t.Name, errs[i])
		}
		c, err := accounts.Connect(ctx, t.Account)
		var items []string
		if err == nil {
			items, err = c.Leftovers(ctx, game.DefaultPrices())
		}
		if err == nil && len(items) > 0 && deleteLeft {
			done, derr := c.DeleteLeftovers(ctx)
			for _, d := range done {
				fmt.Fprintf(stdout, "%-12s deleted %s\n", t.Name, d)
			}
			if derr != nil {
				fmt.Fprintf(stdout, "%-12s could not delete: %v\n", t.Name, derr)
			}
			items, err = c.Leftovers(ctx, game.DefaultPrices())
		}
		switch {
		case err != nil:
			fmt.Fprintf(stdout, "%-12s cannot list what still bills: %v\n", t.Name, err)
			left++
		case len(items) == 0:
			fmt.Fprintf(stdout, "%-12s nothing left that bills\n", t.Name)
		default:
			left++
			fmt.Fprintf(stdout, "%-12s still bills:\n", t.Name)
			for _, it := range items {
				fmt.Fprintf(stdout, "  %s\n", it)
			}
		}
	}
	if left > 0 {
		return fmt.Errorf("accounts teardown: %d accounts still bill or could not be read: delete what is listed (--delete does it for you)", left)
	}
	return nil
}
