package board

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/game"
)

// scriptedAccount is a team's account as the board reads it live: a bill,
// quests that follow what the script changed, and the history of those
// changes, each made at a known moment of the game.
type scriptedAccount struct {
	fakeQuests
	mu      sync.Mutex
	changes []game.Change
	fixed   []catalog.FlawID
}

func (s *scriptedAccount) change(c game.Change, fixes ...catalog.FlawID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.At = time.Now()
	s.changes = append(s.changes, c)
	s.fixed = append(s.fixed, fixes...)
}

func (s *scriptedAccount) Quests(context.Context, string, string) ([]game.Quest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return quests(s.fixed...), nil
}

func (s *scriptedAccount) History(_ context.Context, _, _ string, from, to time.Time) ([]game.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []game.Change
	for _, c := range s.changes {
		if !c.At.Before(from) && !c.At.After(to) {
			out = append(out, c)
		}
	}
	return out, nil
}

// A compressed game with a scripted team: at minute 1 it releases the
// idle address, at minute 2 the monkey terminates one of its instances,
// and it buys a hint. Its debrief lists them in the order they happened,
// the monkey's marked, the quest done, and every flaw left with its fix.
func TestTheDebriefTellsTheTeamsGameInOrder(t *testing.T) {
	t.Parallel()
	const role = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader"
	account := &scriptedAccount{fakeQuests: fakeQuests{fakeBills: fakeBills{answers: []func() (game.Estimate, error){func() (game.Estimate, error) { return game.Estimate{Total: 0.5}, nil }}}}}
	f := newFakeTeam(t)
	g := newGame(t, Team{AnswerKey: testKey, Name: "live", Endpoint: f.srv.URL, Cost: "live:" + role})
	b := openBoardWith(t, g, Options{Live: account, QuestEvery: 20 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()

	waitFor(t, func() bool { return b.Minute() >= 1 })
	account.change(game.Change{Call: "ReleaseAddress", Source: "ec2.amazonaws.com", By: "arn:aws:sts::123456789012:assumed-role/TeamAdmin/ana"}, catalog.FlawIdleElasticIP)
	waitFor(t, func() bool {
		v, _ := b.TeamView("live")
		return v.Quests[questNumber(b.questOrder, catalog.FlawIdleElasticIP)-1].Done
	})
	if _, err := b.Hint("live", questNumber(b.questOrder, catalog.FlawClassicLB), false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return b.Minute() >= 2 })
	if err := b.Note("live", "chaos", "the monkey stops one instance"); err != nil {
		t.Fatal(err)
	}
	account.change(game.Change{Call: "TerminateInstances", Source: "ec2.amazonaws.com", By: "arn:aws:sts::123456789012:assumed-role/UnicornRentals-Chaos-ExperimentRole/fis", Resources: []string{"i-0abc"}, Monkey: true})
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	d, err := b.Debrief(context.Background(), "live")
	if err != nil {
		t.Fatal(err)
	}
	idle, _ := catalog.FlawByID(catalog.FlawIdleElasticIP)
	var order []string
	for _, m := range d.Timeline {
		t.Logf("minute %d  %-6s %s", m.Minute, m.Kind, m.Text)
		switch {
		case m.Kind == "change" && strings.Contains(m.Text, "ReleaseAddress") && !m.Monkey && m.Minute >= 1:
			order = append(order, "release")
		case m.Kind == kindQuest && strings.Contains(m.Text, idle.What):
			order = append(order, "quest")
		case m.Kind == kindHint && strings.Contains(m.Text, "Under a surge"):
			order = append(order, "hint")
		case m.Kind == "chaos" && m.Minute >= 2:
			order = append(order, "chaos")
		case m.Kind == "change" && m.Monkey && strings.HasPrefix(m.Text, "the monkey: TerminateInstances") && strings.Contains(m.Text, "i-0abc"):
			order = append(order, "monkey")
		}
	}
	if got := strings.Join(order, " "); got != "release quest hint chaos monkey" {
		t.Errorf("the timeline reads %q, want release quest hint chaos monkey:\n%+v", got, d.Timeline)
	}
	if len(d.Minutes) != 3 || d.Rank != 1 || d.HistoryNote != "" || d.LeftNote != "" {
		t.Errorf("debrief %d minutes, rank %d, notes %q %q: want 3 minutes, rank 1, the history read", len(d.Minutes), d.Rank, d.HistoryNote, d.LeftNote)
	}
	if len(d.Left) != len(catalog.Flaws)-1 {
		t.Errorf("%d flaws left, want all but the released address", len(d.Left))
	}
	for _, l := range d.Left {
		if l.Flaw == string(catalog.FlawIdleElasticIP) || l.Fix == "" {
			t.Errorf("flaw left %+v: want the unfixed ones only, each with its fix", l)
		}
	}
	var page bytes.Buffer
	if err := d.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if html := page.String(); !strings.Contains(html, `<tr class="monkey">`) || !strings.Contains(html, "rank 1 of 1") || strings.Count(html, "answer key&#39;s step") != len(d.Left) {
		t.Errorf("the page does not show the monkey's change marked, the rank and each fix:\n%.600s", html)
	}
}
