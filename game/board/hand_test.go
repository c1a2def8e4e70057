package board

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// The facilitator's awards, freeze and hiding: each stored as its own
// event, shown to the room only as the facilitator wants, replayed by a
// restarted board, and carried by both exports.
func TestTheFacilitatorsHandIsStoredShownAsAskedAndReplayed(t *testing.T) {
	t.Parallel()
	a, b := newFakeTeam(t), newFakeTeam(t)
	path := filepath.Join(t.TempDir(), "game.db")
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: a.srv.URL}, Team{AnswerKey: testKey, Name: "b", Endpoint: b.srv.URL})
	g.Paused = true
	board, store := openBoard(t, path, g)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- board.Run(ctx) }()
	playTo := func(minutes int) {
		board.Resume()
		waitFor(t, func() bool { return board.Minute() >= minutes })
		board.Pause()
	}

	playTo(1)
	for _, bad := range []struct {
		team   string
		points float64
		reason string
	}{{"a", 0, "nothing"}, {"a", 2e6, "too much"}, {"zed", 10, "no such team"}, {"a", 10, ""}} {
		if err := board.Award(bad.team, bad.points, bad.reason); err == nil {
			t.Errorf("award %+v accepted", bad)
		}
	}
	if err := board.Award("a", 500, "the best postmortem"); err != nil {
		t.Fatal(err)
	}
	if err := board.Freeze(); err != nil {
		t.Fatal(err)
	}
	frozenAt := board.Minute()
	if err := board.Freeze(); err == nil {
		t.Error("a second freeze accepted")
	}
	playTo(frozenAt + 1)
	if err := board.Award("b", -200, "took the load balancer down on purpose"); err != nil {
		t.Fatal(err)
	}

	score := func(s Snapshot, team string) Standing {
		i := slices.IndexFunc(s.Standings, func(st Standing) bool { return st.Name == team })
		return s.Standings[i]
	}
	check := func(when string) {
		t.Helper()
		room, live := board.Snapshot(), board.LiveSnapshot()
		if room.FrozenAt == nil || *room.FrozenAt != frozenAt || len(room.Scores["a"]) != frozenAt {
			t.Fatalf("%s: the room sees %v minutes (frozen at %v), want frozen at %d", when, len(room.Scores["a"]), room.FrozenAt, frozenAt)
		}
		if live.Minutes <= frozenAt || len(live.Scores["a"]) != live.Minutes {
			t.Errorf("%s: the facilitator sees %d minutes, want the game's %d", when, len(live.Scores["a"]), live.Minutes)
		}
		if got := score(room, "a").Awards; got != 500 {
			t.Errorf("%s: the room sees a's awards %v, want the 500 given before the freeze", when, got)
		}
		if got := score(room, "b").Awards; got != 0 {
			t.Errorf("%s: the room sees b's penalty (%v) before the reveal", when, got)
		}
		if got := score(live, "b"); got.Awards != -200 || !near(got.Score, rowsScore(board.Rows(), "b")-200) {
			t.Errorf("%s: the facilitator sees b at %v with awards %v, want its minutes' score less 200", when, got.Score, got.Awards)
		}
		if slices.ContainsFunc(room.Events, func(e Event) bool { return e.Team == "b" && e.Kind == kindAward }) {
			t.Errorf("%s: the room's events show b's penalty before the reveal", when)
		}
		if ex := board.export(false); len(rowsOf(ex.Rows, "a")) != frozenAt {
			t.Errorf("%s: the public export has %d minutes, want the frozen %d", when, len(rowsOf(ex.Rows, "a")), frozenAt)
		}
	}
	check("frozen")

	// A restart replays the hand from the stored events.
	cancel()
	<-done
	store.Close()
	store, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	board, err = Open(store, NewGame{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	check("after a restart")

	if err := board.Hide(); err != nil {
		t.Fatal(err)
	}
	if room := board.Snapshot(); !room.Hidden || len(room.Scores) != 0 || room.Standings[0].Score != 0 || room.Standings[0].Name != "a" {
		t.Errorf("hidden: the room sees %+v", room.Standings)
	}
	if err := board.Show(); err != nil {
		t.Fatal(err)
	}
	if err := board.Reveal(); err != nil {
		t.Fatal(err)
	}
	room := board.Snapshot()
	if room.FrozenAt != nil || score(room, "b").Awards != -200 || len(room.Scores["b"]) != room.Minutes {
		t.Errorf("after the reveal the room sees b's awards %v over %d minutes (frozen %v)", score(room, "b").Awards, len(room.Scores["b"]), room.FrozenAt)
	}
	last := room.Scores["b"][len(room.Scores["b"])-1]
	if !near(last, score(room, "b").Score) {
		t.Errorf("b's curve ends at %v, its standing at %v: the chart and the table disagree", last, score(room, "b").Score)
	}

	// Both exports carry the awards.
	var js bytes.Buffer
	if err := board.export(true).Write(&js, "json"); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Standings []Standing
		Events    []Event
	}
	json.Unmarshal(js.Bytes(), &parsed)
	if i := slices.IndexFunc(parsed.Standings, func(s Standing) bool { return s.Name == "b" }); i < 0 || parsed.Standings[i].Awards != -200 {
		t.Errorf("the JSON export's standings: %+v", parsed.Standings)
	}
	if !slices.ContainsFunc(parsed.Events, func(e Event) bool {
		return e.Kind == kindAward && e.Points == 500 && strings.Contains(e.Text, "the best postmortem")
	}) {
		t.Error("the JSON export lacks a's award and its reason")
	}
	var cs bytes.Buffer
	if err := board.export(true).Write(&cs, "csv"); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&cs).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := records[0]
	col := func(name string) int { return slices.Index(header, name) }
	var awarded []string
	for _, r := range records[1:] {
		if r[col("awards")] != "0" {
			awarded = append(awarded, r[col("team")]+"@"+r[col("minute")]+"="+r[col("awards")])
		}
	}
	if want := []string{"a@0=500", "b@" + strconv.Itoa(frozenAt) + "=-200"}; !slices.Equal(awarded, want) {
		t.Errorf("the CSV export's awards %v, want %v", awarded, want)
	}
}

func rowsScore(rows []Minute, team string) float64 {
	r := rowsOf(rows, team)
	return r[len(r)-1].Score
}

// A team hovering around a threshold is announced once, not every minute:
// failing 20 to 25 % with a lucky quiet minute now and then posts one
// event in 10 minutes; it recovers after three calm minutes in a row.
func TestATeamAtAThresholdIsAnnouncedOnce(t *testing.T) {
	tm := &team{name: "hover"}
	var posted []string
	for m, failed := range []int{25, 0, 22, 20, 0, 24, 21, 0, 23, 25, 0, 0, 0, 1} {
		if text, ok := spike(tm, Minute{Minute: m, Scored: scoredOf(100, failed)}); ok {
			posted = append(posted, strconv.Itoa(m)+": "+text)
		}
	}
	want := []string{"0: hover is failing 25% of requests", "12: hover has recovered: under 2% errors for 3 minutes"}
	if !slices.Equal(posted, want) {
		t.Errorf("posted %q, want %q", posted, want)
	}
}

func scoredOf(answers, failed int) game.Scored {
	return game.Scored{Tally: game.Tally{Answers: answers, OK: answers - failed, Failed: failed}}
}
