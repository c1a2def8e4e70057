package board

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/game"
)

// The learning loop: each flaw of the catalog is a quest, which the board
// sees done when the team's account shows it fixed, and a team stuck on
// one may buy its hints: the nudge, where to look, the fix.

// QuestChecks, when a LiveBill has it, checks every flaw of the catalog in
// the account reached through role, with its game stack named stack
// (game/accounts implements it).
type QuestChecks interface {
	Quests(ctx context.Context, role, stack string) ([]game.Quest, error)
}

// DefaultQuestEvery is how often a live team's quests are checked: each
// check reads a dozen kinds of resource and the stack's template, and a
// fix takes minutes to deploy.
const DefaultQuestEvery = 3 * time.Minute

// The quests' and hints' events. A quest event's Quest says done or back
// (a fixed flaw returned); a hint event's Hint is its level. Both name
// their Flaw, which only the team's page and the facilitator see.
const (
	kindQuest = "quest"
	kindHint  = "hint"
	questDone = "done"
	questBack = "back"
)

// scores says whether events of kind change the score by their Points.
func scores(kind string) bool { return kind == kindAward || kind == kindQuest || kind == kindHint }

// questState is when a team's quests were last checked, and why the last
// check failed; what each check found is in the quest events.
type questState struct {
	mu   sync.Mutex
	at   time.Time
	note string
}

func (q *questState) set(at time.Time, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err != nil {
		q.note = err.Error()
		return
	}
	q.at, q.note = at, ""
}

func (q *questState) read() (time.Time, string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.at, q.note
}

// followQuests checks every live team's quests now and then every
// questEvery, until ctx ends, and posts each change: a quest done, or a
// fixed flaw back.
func (b *Board) followQuests(ctx context.Context) {
	checks, ok := b.live.(QuestChecks)
	if !ok {
		return
	}
	check := func() {
		var wg sync.WaitGroup
		for _, x := range b.liveTeams() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				quests, err := checks.Quests(c, x.role, x.stack)
				x.t.quests.set(time.Now(), err)
				if err != nil {
					b.log.Warn("cannot check the team's quests", "team", x.t.name, "err", err)
					return
				}
				b.postQuests(x.t.name, quests)
			}()
		}
		wg.Wait()
	}
	repeat(ctx, b.questEvery, check)
}

// postQuests posts what changed since the team's quest events: each flaw
// newly fixed is a quest done (with the rules' bonus), each flaw back
// after it was done takes its bonus back.
func (b *Board) postQuests(team string, quests []game.Quest) {
	for _, q := range quests {
		f, ok := catalog.FlawByID(q.Flaw)
		if !ok {
			continue
		}
		err := b.actOn(team, kindQuest, func(_ hand, _ int, e *Event) error {
			l := ledgerOf(b.events, team)[q.Flaw]
			switch {
			case q.Fixed && !l.done:
				e.Quest, e.Points = questDone, b.meta.Rules.QuestBonus
				e.Text = fmt.Sprintf("%s completed quest %d (%s)%s", team, questNumber(b.questOrder, q.Flaw), f.Category, pointsNote(e.Points))
			case !q.Fixed && l.done:
				e.Quest, e.Points = questBack, -l.bonus
				e.Text = fmt.Sprintf("%s: quest %d (%s) is undone, its flaw is back%s", team, questNumber(b.questOrder, q.Flaw), f.Category, pointsNote(e.Points))
			default:
				return errUnchanged
			}
			e.Flaw = string(q.Flaw)
			return nil
		})
		if err != nil && !errors.Is(err, errUnchanged) {
			b.log.Warn("cannot post a quest", "team", team, "flaw", q.Flaw, "err", err)
		}
	}
}

// errUnchanged: an act that has nothing to record.
var errUnchanged = errors.New("unchanged")

func pointsNote(p float64) string {
	if p == 0 {
		return ""
	}
	return " (" + fmtPoints(p) + " points)"
}

// questLedger is what a team's events say of one of its quests: done or
// not, the bonus they gave, the hints taken.
type questLedger struct {
	done  bool
	bonus float64
	hints int
}

// ledgerOf reads team's quests from events, in one pass: the one record
// of them, which a restarted board replays.
func ledgerOf(events []Event, team string) map[catalog.FlawID]questLedger {
	out := map[catalog.FlawID]questLedger{}
	for _, e := range events {
		if e.Team != team || (e.Kind != kindQuest && e.Kind != kindHint) {
			continue
		}
		l := out[catalog.FlawID(e.Flaw)]
		if e.Kind == kindHint {
			l.hints++
		} else {
			l.done, l.bonus = e.Quest == questDone, l.bonus+e.Points
		}
		out[catalog.FlawID(e.Flaw)] = l
	}
	return out
}

// QuestOrder is the catalog's flaws in the order of their quest numbers
// for a game of seed: what a team sees of a quest it has not done is its
// number and kind, and a number drawn for the game cannot be looked up in
// the catalog's own numbered table (docs/flaws.md).
func QuestOrder(seed uint64) []catalog.Flaw {
	order := slices.Clone(catalog.Flaws)
	rand.New(rand.NewPCG(seed, questStream)).Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}

// questStream keeps the quests' draw apart from the inputs' on one seed.
const questStream = 0x7175657374 // "quest"

// questNumber is flaw's number in order, from 1; 0 when it is not there.
func questNumber(order []catalog.Flaw, flaw catalog.FlawID) int {
	return slices.IndexFunc(order, func(f catalog.Flaw) bool { return f.ID == flaw }) + 1
}

// ErrNoSuchQuest is a quest number outside the catalog.
var ErrNoSuchQuest = errors.New("no such quest")

// Hint gives team the next hint of quest (its number), charged at the
// rules' cost for its level, or free when the facilitator grants it. It
// is recorded before it is shown, so a restarted board charges no hint
// twice and forgets none; it returns the hint's text.
func (b *Board) Hint(team string, quest int, free bool) (string, error) {
	if quest < 1 || quest > len(b.questOrder) {
		return "", fmt.Errorf("%w %d: want 1 to %d", ErrNoSuchQuest, quest, len(b.questOrder))
	}
	f := b.questOrder[quest-1]
	var text string
	err := b.actOn(team, kindHint, func(_ hand, _ int, e *Event) error {
		if b.meta.State == Ended && !free {
			return errors.New("the game has ended: no hint can be bought now")
		}
		l := ledgerOf(b.events, team)[f.ID]
		if l.done {
			return fmt.Errorf("quest %d is done already: it needs no hint", quest)
		}
		level := l.hints + 1
		if level > catalog.HintLevels {
			return fmt.Errorf("quest %d has no hint left: the last one says the fix", quest)
		}
		hint, err := f.Hint(level)
		if err != nil {
			return err
		}
		text = hint
		e.Flaw, e.Hint = string(f.ID), level
		if free {
			e.Text = fmt.Sprintf("%s was given hint %d of quest %d by the facilitator", team, level, quest)
			return nil
		}
		e.Points = -b.meta.Rules.HintCost(level)
		e.Text = fmt.Sprintf("%s took hint %d of quest %d%s", team, level, quest, pointsNote(e.Points))
		return nil
	})
	return text, err
}

// QuestView is one quest on a team's page: by number and category until
// it is done, so that the list itself gives nothing away.
type QuestView struct {
	Number   int    `json:"number"`
	Category string `json:"category"`
	Done     bool   `json:"done"`
	// What the flaw was, once the quest is done or its last hint taken.
	What string `json:"what,omitempty"`
	// Hints are the hints taken, in order.
	Hints []string `json:"hints,omitempty"`
	// NextHint is what the next hint costs; absent when none is left.
	NextHint *float64 `json:"next_hint,omitempty"`
}

// questViewsLocked are team's quests as its page shows them, and why
// their state may be unknown; b.mu must be held.
func (b *Board) questViewsLocked(t *team) ([]QuestView, string) {
	var out []QuestView
	ledger := ledgerOf(b.events, t.name)
	for i, f := range b.questOrder {
		v := QuestView{Number: i + 1, Category: f.Category, Done: ledger[f.ID].done}
		taken := ledger[f.ID].hints
		for level := 1; level <= taken; level++ {
			h, _ := f.Hint(level)
			v.Hints = append(v.Hints, h)
		}
		if v.Done || taken == catalog.HintLevels {
			v.What = f.What
		}
		if !v.Done && taken < catalog.HintLevels {
			cost := b.meta.Rules.HintCost(taken + 1)
			v.NextHint = &cost
		}
		out = append(out, v)
	}
	if !b.questsCheckedLocked(t) {
		return out, "the board does not check your account, so it cannot mark your quests done; hints still work"
	}
	return out, b.questNoteLocked(t)
}

// questsCheckedLocked says whether the board checks t's quests at all.
func (b *Board) questsCheckedLocked(t *team) bool {
	_, ok := b.live.(QuestChecks)
	return ok && t.cost.Live
}

// questNoteLocked says why a team's quests may not be what its account
// shows: it is not read live, it has not been checked yet, or its last
// check failed.
func (b *Board) questNoteLocked(t *team) string {
	if !b.questsCheckedLocked(t) {
		return "quests cannot be checked: the board does not read this team's account live (live:<BillReaderRoleArn> in the teams file); hints still work"
	}
	at, note := t.quests.read()
	switch {
	case note != "":
		return "the last check of the quests failed: " + note
	case at.IsZero():
		return "the quests have not been checked yet: the board checks them every few minutes"
	}
	return ""
}

// questSummaryLocked is a team's quests in a line, for the facilitator.
func (b *Board) questSummaryLocked(t *team) string {
	if note := b.questNoteLocked(t); note != "" {
		return note
	}
	done, hints := 0, 0
	for _, q := range ledgerOf(b.events, t.name) {
		if q.done {
			done++
		}
		hints += q.hints
	}
	at, _ := t.quests.read()
	return fmt.Sprintf("%d of %d quests done, %d hints taken (checked %s)", done, len(catalog.Flaws), hints, at.UTC().Format("15:04:05"))
}

// publicHint is what the room sees of a quest or hint event: not which
// flaw it was, which would tell the other teams where to look.
func publicHint(e Event) Event {
	if e.Kind == kindHint || e.Kind == kindQuest {
		e.Flaw = ""
	}
	return e
}
