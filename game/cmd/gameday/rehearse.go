package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/game/accounts"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
	"github.com/unicorn-rentals/gameday/service/api"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// liveReads are the reads a rehearsal makes in a team's account through
// its live role: accounts.Biller.
type liveReads interface {
	AnswerKey(ctx context.Context, role, stack string) (string, error)
	Bill(ctx context.Context, role string) (game.Estimate, error)
	Quests(ctx context.Context, role, stack string) ([]game.Quest, error)
}

// aimer finds a chaos experiment's targets without starting it:
// accounts.Monkey.
type aimer interface {
	Aim(ctx context.Context, role, stack, experiment string) (accounts.Targets, error)
}

// rehearsal checks every team the way the day will use it, without
// starting anything in its account.
type rehearsal struct {
	Setup       game.Setup // the game played against each endpoint, compressed
	DefaultCost string     // a team's cost when its line gives none
	Live        liveReads
	Monkey      aimer
	Parallel    int
}

// rehearsed is one team's rehearsal: what each check found, and the fix
// for each that failed.
type rehearsed struct {
	Team               string
	Answer, Game, Bill string
	Quests, Chaos      string
	Fixes              []string
}

func (r rehearsed) ok() bool { return len(r.Fixes) == 0 }

// rehearse checks every team at once (at most Parallel), in the file's
// order.
func (r rehearsal) rehearse(ctx context.Context, teams []teamsfile.Team) []rehearsed {
	out := make([]rehearsed, len(teams))
	slots := make(chan struct{}, max(r.Parallel, 1))
	var wg sync.WaitGroup
	for i, t := range teams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			out[i] = r.one(ctx, t)
		}()
	}
	wg.Wait()
	return out
}

func (r rehearsal) one(ctx context.Context, t teamsfile.Team) rehearsed {
	res := rehearsed{Team: t.Name, Answer: "-", Game: "-", Bill: "-", Chaos: "-"}
	// The checks below run at once and each may fail.
	var mu sync.Mutex
	fail := func(what, fix string) {
		mu.Lock()
		defer mu.Unlock()
		res.Fixes = append(res.Fixes, what+": "+fix)
	}
	cost, err := teamsfile.ParseCost(cmp.Or(t.Cost, r.DefaultCost))
	if err != nil {
		fail("cost", err.Error())
		return res
	}
	role := ""
	if cost.Live {
		role = cost.Access()
	}
	key := t.AnswerKey
	if key == "" && role != "" {
		if key, err = r.Live.AnswerKey(ctx, role, t.Stack); err != nil {
			fail("answer key", err.Error())
		}
	} else if key == "" {
		fail("answer key", "give key=<the AnswerKeySecretArn secret's value> at the end of the team's line, or bill it live")
	}
	target, err := url.Parse(t.Endpoint)
	if err != nil {
		fail("endpoint", err.Error())
		return res
	}

	var wg sync.WaitGroup
	if key != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res.Answer, res.Game = r.play(ctx, target, []byte(key), cost.PerHour, fail)
		}()
	}
	if role != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			est, err := r.Live.Bill(ctx, role)
			if err != nil {
				res.Bill = "unread"
				fail("bill", err.Error())
				return
			}
			res.Bill = fmt.Sprintf("$%.2f/h", est.Total)
			for _, brk := range est.Breaks {
				fail("rule break", brk)
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			res.Chaos = r.aim(ctx, role, t.Stack, fail)
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			quests, err := r.Live.Quests(ctx, role, t.Stack)
			if err != nil {
				res.Quests = "unchecked"
				fail("quests", fmt.Sprintf("%v: the board could not mark this team's quests done; a game stack deployed before the quests needs a redeploy, so its BillReader role may read its template", err))
				return
			}
			done := 0
			for _, q := range quests {
				if q.Fixed {
					done++
				}
			}
			res.Quests = fmt.Sprintf("%d of %d done", done, len(quests))
		}()
	} else {
		res.Bill = fmt.Sprintf("$%.2f/h (fixed)", cost.PerHour)
		res.Quests, res.Chaos = "not live", "not live"
	}
	wg.Wait()
	slices.Sort(res.Fixes)
	return res
}

// play checks the endpoint's answer, then plays the compressed game.
func (r rehearsal) play(ctx context.Context, target *url.URL, key []byte, perHour float64, fail func(string, string)) (answer, played string) {
	check, cancel := context.WithTimeout(ctx, time.Duration(r.Setup.Scenario.Timeout))
	defer cancel()
	req, err := http.NewRequestWithContext(check, http.MethodGet, game.RequestURL(target, game.CheckInput), nil)
	if err != nil {
		fail("endpoint", err.Error())
		return "unreachable", "-"
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fail("endpoint", fmt.Sprintf("%v: the endpoint must be the stack's Endpoint output, or the URL the team moved to", err))
		return "unreachable", "-"
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, game.MaxAnswerBytes))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != api.Answer(key, game.CheckInput) {
		fail("endpoint", fmt.Sprintf("GET ?%s=%s answered %d %q, not the service's answer under the team's key: check the endpoint is the team's, and its service runs with its stack's AnswerKey", api.Param, game.CheckInput, resp.StatusCode, strings.TrimSpace(string(body))))
		return "wrong", "-"
	}
	sum, err := game.Play{Setup: r.Setup, Target: target, Key: key, CostPerHour: perHour}.Run(ctx)
	if err != nil {
		fail("game", err.Error())
		return "right", "failed"
	}
	played = fmt.Sprintf("%.0f points, %d of %d failed", sum.Score, sum.Failed, sum.Answers)
	if sum.Answers > 0 && sum.Failed*10 > sum.Answers {
		fail("game", fmt.Sprintf("%d of %d answers failed in the compressed game: look at the endpoint's errors before the day", sum.Failed, sum.Answers))
	}
	return "right", played
}

// aim finds the targets of every experiment the script runs.
func (r rehearsal) aim(ctx context.Context, role, stack string, fail func(string, string)) string {
	var experiments []string
	for _, e := range r.Setup.Scenario.Events {
		if e.Chaos != nil && !slices.Contains(experiments, e.Chaos.Experiment) {
			experiments = append(experiments, e.Chaos.Experiment)
		}
	}
	if len(experiments) == 0 {
		return "none scripted"
	}
	var found []string
	for _, x := range experiments {
		targets, err := r.Monkey.Aim(ctx, role, stack, x)
		if err != nil {
			fail("chaos "+x, err.Error())
			continue
		}
		n := len(targets.ARNs) + len(targets.Services)
		found = append(found, fmt.Sprintf("%s: %d", x, n))
	}
	if len(found) == 0 {
		return "no target"
	}
	return strings.Join(found, ", ")
}

// rehearseCmd is gameday rehearse: every team of the board's teams file
// checked as the day will use it, a row each.
func rehearseCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("rehearse", stderr)
	teamsPath := fs.String("teams", "", "the board's teams file (gameday accounts deploy writes it)")
	gf := addGameFlags(fs)
	// A minute's game by default: the morning of the day has no four hours.
	fs.Lookup("speed").DefValue = "240"
	*gf.speed = 240
	defaultCost := fs.String("cost", "0.70", "a team's cost when its line gives none, USD an hour")
	stack := fs.String("stack", contract.DefaultStackName, "the teams' game stack, when a line gives none")
	profile := fs.String("profile", "", "AWS profile to assume the teams' live roles from (default: the SDK's own chain)")
	region := fs.String("region", "", "the teams' region (default: the profile's, else "+accounts.DefaultRegion+")")
	parallel := fs.Int("parallel", 10, "teams rehearsed at once")
	if err := cli.ParseFlagsOnly(fs, args); err != nil {
		return err
	}
	if *teamsPath == "" {
		return errors.New("rehearse: --teams FILE is required: the board's teams file")
	}
	teams, err := teamsfile.Load(*teamsPath)
	if err != nil {
		return fmt.Errorf("rehearse: %w", err)
	}
	setup, err := gf.setup()
	if err != nil {
		return fmt.Errorf("rehearse: %w", err)
	}
	pool := &accounts.Pool{Region: *region, Profile: *profile}
	r := rehearsal{Setup: setup, DefaultCost: *defaultCost, Live: &accounts.Biller{Pool: pool}, Monkey: &accounts.Monkey{Pool: pool, StackName: *stack}, Parallel: *parallel}
	start := time.Now()
	rows := r.rehearse(ctx, teams)
	return printRehearsal(stdout, rows, time.Since(start))
}

// printRehearsal prints a row a team, then what to fix; it fails when any
// team has something to fix.
func printRehearsal(w io.Writer, rows []rehearsed, took time.Duration) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "team\tanswer\tcompressed game\tbill\tquests\tchaos targets\t")
	failed := 0
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Team, r.Answer, r.Game, r.Bill, r.Quests, r.Chaos)
		if !r.ok() {
			failed++
		}
	}
	tw.Flush()
	for _, r := range rows {
		for _, f := range r.Fixes {
			fmt.Fprintf(w, "%s: %s\n", r.Team, f)
		}
	}
	fmt.Fprintf(w, "%d teams rehearsed in %s, %d to fix\n", len(rows), took.Round(time.Second), failed)
	if failed > 0 {
		return fmt.Errorf("rehearse: %d of %d teams have something to fix (above)", failed, len(rows))
	}
	return nil
}
