package board

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// LiveBill prices what a team's account runs now, whatever made it: the
// live bill. The board calls it in the background, once a LiveEvery for
// each team whose cost is "live" or "live:<role ARN>"; game/accounts
// implements it with the AWS SDK, so the board itself calls no AWS API.
type LiveBill interface {
	Bill(ctx context.Context, role string) (game.Estimate, error)
}

// LiveHosts, when a LiveBill has it, lists the host names the account
// reached through role serves from (its distributions and load
// balancers): a team billed live may propose only an endpoint there, so
// that nobody points the board's load at a host outside the team's own
// account.
type LiveHosts interface {
	Hosts(ctx context.Context, role string) ([]string, error)
}

// AnswerKeys, when a LiveBill has it, reads a team's answer key through
// the role its bill is read with, from its game stack named stack: a team
// billed live needs no key in the teams file.
type AnswerKeys interface {
	AnswerKey(ctx context.Context, role, stack string) (string, error)
}

// answerKeyWait bounds the reading of every team's answer key at start.
const answerKeyWait = time.Minute

// fillAnswerKeys reads the answer key of each team that has none through
// its live cost's role, all at once, and says whether it read any. A team
// whose key is neither given nor readable is an error naming it and the
// fix: the board could not tell its right answers from wrong ones.
func fillAnswerKeys(teams []Team, defaultCost string, live LiveBill) (bool, error) {
	reader, _ := live.(AnswerKeys)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		problems []error
		read     bool
	)
	ctx, cancel := context.WithTimeout(context.Background(), answerKeyWait)
	defer cancel()
	for i := range teams {
		t := &teams[i]
		if t.AnswerKey != "" {
			continue
		}
		cost, err := teamsfile.ParseCost(cmp.Or(t.Cost, defaultCost))
		if err != nil || !cost.Live || reader == nil {
			problems = append(problems, fmt.Errorf("team %s has no answer key: give key=<the AnswerKeySecretArn secret's value of its game stack> at the end of its line, or bill it live (live:<BillReaderRoleArn>#<ExternalId>), whose role reads the key", t.Name))
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			key, err := reader.AnswerKey(ctx, cost.Access(), t.Stack)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				problems = append(problems, fmt.Errorf("team %s: its answer key could not be read through its role: %w", t.Name, err))
				return
			}
			t.AnswerKey, read = key, true
		}()
	}
	wg.Wait()
	slices.SortFunc(problems, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return read, errors.Join(problems...)
}

// DefaultLiveEvery is how often a team's account is read: once a real
// minute, whatever the speed, as the board's Describe and metric calls
// cost the team's account nothing but count against its API rates.
const DefaultLiveEvery = time.Minute

// liveState is a team's live bill and why it may be old. A bill cannot be
// dodged by breaking its reads: before the first read the team pays the
// board's default cost, and while reads fail the highest bill read so far.
type liveState struct {
	mu      sync.Mutex
	est     game.Estimate   // the last bill read
	highest game.Estimate   // the highest read so far
	at      time.Time       // when est was read; zero before the first
	failing bool            // the last read failed
	note    string          // why, if it did
	breaks  map[string]bool // the rule breaks posted already
}

// newBreaks are the rule breaks among breaks not posted before: each is
// posted once, when it first turns up.
func (l *liveState) newBreaks(breaks []string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, brk := range breaks {
		if !l.breaks[brk] {
			if l.breaks == nil {
				l.breaks = map[string]bool{}
			}
			l.breaks[brk] = true
			out = append(out, brk)
		}
	}
	return out
}

func (l *liveState) set(est game.Estimate, at time.Time, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		if l.at.IsZero() || est.Total > l.highest.Total {
			l.highest = est
		}
		l.est, l.at, l.note, l.failing = est, at, "", false
		return
	}
	l.failing = true
	billed := "no bill read yet: billed the board's default cost until one is"
	if !l.at.IsZero() {
		billed = fmt.Sprintf("billing the highest bill read so far, $%.3f/h; the last was read at %s", l.highest.Total, l.at.UTC().Format("15:04:05"))
	}
	l.note = fmt.Sprintf("%v (%s)", err, billed)
}

// billed is the bill the team pays now, when it was last read, why it may
// be old, and whether one has been read at all.
func (l *liveState) billed() (est game.Estimate, at time.Time, note string, read bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	est = l.est
	if l.failing {
		est = l.highest
	}
	return est, l.at, l.note, !l.at.IsZero()
}

// followBills reads every live team's bill now and then every LiveEvery,
// until ctx ends. Which teams are live is read each time: ctl cost can
// make a team live, or not, mid-game.
func (b *Board) followBills(ctx context.Context) {
	if b.live == nil {
		return
	}
	read := func() {
		var wg sync.WaitGroup
		for _, x := range b.liveTeams() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, cancel := context.WithTimeout(ctx, 45*time.Second)
				defer cancel()
				est, err := b.live.Bill(c, x.role)
				x.t.live.set(est, time.Now(), err)
				if err != nil {
					b.log.Warn("cannot read the team's bill", "team", x.t.name, "err", err)
				}
				for _, brk := range x.t.live.newBreaks(est.Breaks) {
					b.note(x.t.name, "rule", fmt.Sprintf("%s breaks a rule: %s (billed at the game's rate)", x.t.name, brk))
				}
			}()
		}
		wg.Wait()
	}
	repeat(ctx, b.liveEvery, read)
}

// repeat does do now, then every interval, until ctx ends.
func repeat(ctx context.Context, interval time.Duration, do func()) {
	do()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			do()
		}
	}
}

// liveTeam is a team the board reaches in its own account: through role,
// in the VPC of stack.
type liveTeam struct {
	t           *team
	role, stack string
}

// liveTeams are the teams whose cost is live, now.
func (b *Board) liveTeams() []liveTeam {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []liveTeam
	for i, t := range b.teams {
		if t.cost.Live {
			out = append(out, liveTeam{t, t.cost.Access(), b.meta.Teams[i].Stack})
		}
	}
	return out
}

// billLines are a live bill's items as the page lists them.
func billLines(est game.Estimate) []string {
	var out []string
	for _, l := range est.Lines {
		out = append(out, fmt.Sprintf("%s: $%.4f/h (%s)", l.Resource, l.PerHour, l.Detail))
	}
	for _, u := range est.Unpriced {
		out = append(out, "not priced: "+u)
	}
	return out
}
