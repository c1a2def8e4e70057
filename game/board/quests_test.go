package board

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/game"
)

// A hint is charged once, at its level's cost, stored before it is shown,
// and still there, charged once, after a restart; a free one costs
// nothing; none is left after the third, and a done quest takes none.
func TestHintsAreChargedOnceAndSurviveARestart(t *testing.T) {
	t.Parallel()
	a := newFakeTeam(t)
	path := filepath.Join(t.TempDir(), "game.db")
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: a.srv.URL})
	g.Paused = true
	board, store := openBoard(t, path, g)
	rules := game.DefaultRules()

	// Two pages ask for the first hint at once: one is charged the first
	// level, the other the second.
	var wg sync.WaitGroup
	texts := make([]string, 2)
	for i := range texts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if texts[i], err = board.Hint("a", 1, false); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	quest1 := board.questOrder[0]
	first, _ := quest1.Hint(1)
	second, _ := quest1.Hint(2)
	if slices.Sort(texts); !slices.Equal(texts, slices.Sorted(slices.Values([]string{first, second}))) {
		t.Errorf("two hints at once gave %q, want the first and the second", texts)
	}
	if _, err := board.Hint("a", 1, true); err != nil {
		t.Fatal(err)
	}
	if _, err := board.Hint("a", 1, false); err == nil || !strings.Contains(err.Error(), "no hint left") {
		t.Errorf("a fourth hint: %v, want none left", err)
	}
	for _, bad := range []int{0, len(catalog.Flaws) + 1} {
		if _, err := board.Hint("a", bad, false); err == nil {
			t.Errorf("hint of quest %d accepted", bad)
		}
	}
	if _, err := board.Hint("zed", 2, false); err == nil {
		t.Error("a hint for no such team accepted")
	}
	want := -(rules.HintCost(1) + rules.HintCost(2))
	charged := func(b *Board) float64 {
		v, err := b.TeamView("a")
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Quests) != len(catalog.Flaws) || len(v.Quests[0].Hints) != 3 || v.Quests[0].NextHint != nil || v.Quests[0].What != quest1.What {
			t.Errorf("quest 1 on the page: %+v, want its three hints, none left, and what it was", v.Quests[0])
		}
		if v.Quests[1].What != "" || v.Quests[1].NextHint == nil || *v.Quests[1].NextHint != rules.HintCost(1) {
			t.Errorf("quest 2 on the page: %+v, want it unnamed with its first hint's cost", v.Quests[1])
		}
		return v.Standing.Hints
	}
	if got := charged(board); got != want {
		t.Errorf("charged %v, want %v (the first two levels; the third was free)", got, want)
	}
	for _, e := range board.Snapshot().Events {
		if e.Kind == kindHint && (e.Flaw != "" || strings.Contains(e.Text, string(quest1.ID))) {
			t.Errorf("the room sees which flaw a hint was for: %+v", e)
		}
	}
	store.Close()

	again, store := openBoard(t, path, g)
	defer store.Close()
	if got := charged(again); got != want {
		t.Errorf("after a restart, charged %v, want %v", got, want)
	}
	if v, _ := again.TeamView("a"); v.Standing.Score != want {
		t.Errorf("score %v, want the hints' %v", v.Standing.Score, want)
	}
	export, err := ExportStore(store)
	if err != nil {
		t.Fatal(err)
	}
	hints := 0
	for _, e := range export.Events {
		if e.Kind == kindHint {
			hints++
		}
	}
	if hints != 3 {
		t.Errorf("the export holds %d hint events, want 3", hints)
	}
}

// fakeQuests answers each check with the next of its answers, the last
// again once they run out.
type fakeQuests struct {
	fakeBills
	mu      sync.Mutex
	answers [][]game.Quest
	checked int
}

func (f *fakeQuests) Quests(_ context.Context, role, stack string) ([]game.Quest, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := min(f.checked, len(f.answers)-1)
	f.checked++
	return f.answers[i], nil
}

func (f *fakeQuests) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.checked
}

// quests are the catalog's flaws, those named fixed.
func quests(fixed ...catalog.FlawID) []game.Quest {
	var out []game.Quest
	for _, f := range catalog.Flaws {
		out = append(out, game.Quest{Flaw: f.ID, Fixed: slices.Contains(fixed, f.ID)})
	}
	return out
}

// A flaw newly fixed is a quest done, with the rules' bonus; one that
// comes back takes it back; a team not read live is told its quests
// cannot be checked.
func TestQuestsArePostedAsTheAccountChanges(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader"
	checks := &fakeQuests{
		fakeBills: fakeBills{answers: []func() (game.Estimate, error){func() (game.Estimate, error) { return game.Estimate{Total: 0.5}, nil }}},
		answers: [][]game.Quest{
			quests(),
			quests(catalog.FlawIdleElasticIP),
			quests(catalog.FlawIdleElasticIP, catalog.FlawClassicLB),
			quests(catalog.FlawClassicLB),
		},
	}
	a, b := newFakeTeam(t), newFakeTeam(t)
	g := newGame(t, Team{AnswerKey: testKey, Name: "live", Endpoint: a.srv.URL, Cost: "live:" + role}, Team{AnswerKey: testKey, Name: "fixed", Endpoint: b.srv.URL})
	g.Rules.QuestBonus = 1000
	g.Paused = true
	board := openBoardWith(t, g, Options{Live: checks, QuestEvery: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- board.Run(ctx) }()
	waitFor(t, func() bool { return checks.count() > len(checks.answers)+1 })
	cancel()
	<-done

	var posted []Event
	for _, e := range board.LiveSnapshot().Events {
		if e.Kind == kindQuest {
			posted = append(posted, e)
		}
	}
	want := []struct {
		flaw   catalog.FlawID
		quest  string
		points float64
	}{{catalog.FlawIdleElasticIP, questDone, 1000}, {catalog.FlawClassicLB, questDone, 1000}, {catalog.FlawIdleElasticIP, questBack, -1000}}
	if len(posted) != len(want) {
		t.Fatalf("quest events %+v, want %d", posted, len(want))
	}
	for i, w := range want {
		if e := posted[i]; e.Flaw != string(w.flaw) || e.Quest != w.quest || e.Points != w.points || e.Team != "live" {
			t.Errorf("quest event %d: %+v, want %s %s %v", i, e, w.flaw, w.quest, w.points)
		}
	}
	v, err := board.TeamView("live")
	if err != nil {
		t.Fatal(err)
	}
	if v.Standing.Quests != 1000 || v.QuestNote != "" {
		t.Errorf("bonuses %v, note %q: want 1000, none", v.Standing.Quests, v.QuestNote)
	}
	n := questNumber(board.questOrder, catalog.FlawClassicLB)
	if q := v.Quests[n-1]; !q.Done || q.What == "" || q.NextHint != nil {
		t.Errorf("quest %d on the page %+v: want done, named, no hint to buy", n, q)
	}
	if _, err := board.Hint("live", n, false); err == nil {
		t.Error("a hint for a done quest accepted")
	}
	other, _ := board.TeamView("fixed")
	if !strings.Contains(other.QuestNote, "cannot mark your quests done") {
		t.Errorf("a team not read live: note %q, want that its quests cannot be checked", other.QuestNote)
	}
	for _, s := range board.LiveSnapshot().Standings {
		if s.QuestNote == "" {
			t.Errorf("the facilitator sees nothing of %s's quests", s.Name)
		}
	}
	// The room's export tells no team's fixed flaws; the facilitator's does.
	if d, err := BuildDebrief(board.export(false), "live", nil); err != nil || len(d.Left) != 0 || !strings.Contains(d.LeftNote, "room's export") {
		t.Errorf("the room's debrief of live: %d flaws left, note %q (%v): want none listed, and why", len(d.Left), d.LeftNote, err)
	}
	if d, _ := BuildDebrief(board.export(true), "live", nil); len(d.Left) != len(catalog.Flaws)-1 {
		t.Errorf("the facilitator's debrief of live: %d flaws left, want all but the Classic Load Balancer", len(d.Left))
	}
	for _, s := range board.Snapshot().Standings {
		if s.QuestNote != "" {
			t.Errorf("the room sees %s's quest note %q", s.Name, s.QuestNote)
		}
	}
}

// A game's quests are numbered by a draw from its seed: the same seed
// numbers them alike, another seed otherwise, and every flaw has a number.
func TestQuestNumbersAreDrawnForTheGame(t *testing.T) {
	a, b, c := QuestOrder(7), QuestOrder(7), QuestOrder(8)
	ids := func(order []catalog.Flaw) []catalog.FlawID {
		var out []catalog.FlawID
		for _, f := range order {
			out = append(out, f.ID)
		}
		return out
	}
	if !slices.Equal(ids(a), ids(b)) || slices.Equal(ids(a), ids(c)) {
		t.Errorf("seed 7 numbers the quests %v then %v, seed 8 %v: want the same for one seed, another for another", ids(a), ids(b), ids(c))
	}
	if slices.Equal(ids(a), ids(catalog.Flaws)) {
		t.Error("seed 7 numbers the quests in the catalog's order, which docs/flaws.md prints")
	}
	if got := slices.Sorted(slices.Values(ids(a))); !slices.Equal(got, slices.Sorted(slices.Values(ids(catalog.Flaws)))) {
		t.Errorf("the quests %v are not the catalog's flaws, each once", got)
	}
}
