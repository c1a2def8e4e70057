package board

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/game"
)

func TestATeamsFileIsReadLineByLine(t *testing.T) {
	template := filepath.Join(t.TempDir(), "UnicornRentals.template.json")
	os.WriteFile(template, []byte(`{"Resources": {}}`), 0o644)
	teams, err := ParseTeams(strings.NewReader(`
# name    endpoint                                  cost
team-1    http://UnicornR-Elb-1.us-east-1.elb.amazonaws.com/   `+template+`
team-2    https://d111111abcdef8.cloudfront.net/    0.18
team-3    https://d222222abcdef8.cloudfront.net/
`), "teams.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Team{
		{Name: "team-1", Endpoint: "http://UnicornR-Elb-1.us-east-1.elb.amazonaws.com/", Cost: template},
		{Name: "team-2", Endpoint: "https://d111111abcdef8.cloudfront.net/", Cost: "0.18"},
		{Name: "team-3", Endpoint: "https://d222222abcdef8.cloudfront.net/"},
	}
	if len(teams) != len(want) {
		t.Fatalf("%d teams, want %d", len(teams), len(want))
	}
	for i := range want {
		if teams[i] != want[i] {
			t.Errorf("team %d: %+v, want %+v", i+1, teams[i], want[i])
		}
	}
}

func TestAMalformedTeamsFileIsRefusedWithTheLineAtFault(t *testing.T) {
	for name, c := range map[string]struct{ file, want string }{
		"one field":      {"# teams\nteam-1\n", `teams.txt:2: "team-1": want "name endpoint [cost [stack]]"`},
		"five fields":    {"a http://x/ 1 Team07 2\n", `teams.txt:1: "a http://x/ 1 Team07 2": want "name endpoint [cost [stack]]"`},
		"bad name":       {"a http://x/\nteam one! http://y/\n", `teams.txt:2:`},
		"name with a /":  {"a/b http://x/\n", `teams.txt:1: team name "a/b"`},
		"not a URL":      {"a http://x/\nb d111.cloudfront.net\n", `teams.txt:2: team b: endpoint "d111.cloudfront.net": want the stack's Endpoint output`},
		"duplicate":      {"a http://x/\n\nb http://y/\na http://z/\n", `teams.txt:4: team "a" is already on line 1`},
		"negative cost":  {"a http://x/ -1\n", `teams.txt:1: team a: cost "-1": want USD an hour of 0 or more`},
		"missing file":   {"a http://x/ out/nowhere/t.json\n", `teams.txt:1: team a: cost "out/nowhere/t.json": neither USD an hour nor a template file`},
		"empty":          {"# nobody yet\n", "teams.txt: no teams"},
		"ftp":            {"a ftp://x/\n", `teams.txt:1: team a: endpoint "ftp://x/"`},
		"no host":        {"a http:///x\n", `teams.txt:1: team a: endpoint "http:///x"`},
		"name too long":  {strings.Repeat("a", 33) + " http://x/\n", "teams.txt:1: team name"},
		"cost is a word": {"a http://x/ cheap\n", `cost "cheap": neither USD an hour nor a template file`},
	} {
		_, err := ParseTeams(strings.NewReader(c.file), "teams.txt")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
	}
}

func TestStandingsRankByScoreThenName(t *testing.T) {
	teams := []Team{{Name: "c"}, {Name: "a"}, {Name: "b"}, {Name: "idle"}}
	rows := []Minute{
		{Team: "a", Minute: 0, Cost: 10, Score: 90, Scored: game.Scored{Points: 100, Tally: game.Tally{Answers: 10, OK: 10}}},
		{Team: "a", Minute: 1, Cost: 10, Score: 80, Scored: game.Scored{Points: 50, Penalty: 50, Tally: game.Tally{Answers: 20, OK: 10, Failed: 10, Hits: 15, Misses: 5}, P99ms: 30}, CostPerHour: 0.6},
		{Team: "b", Minute: 0, Cost: 20, Score: 80, Scored: game.Scored{Points: 100, Tally: game.Tally{Answers: 10, OK: 10}}},
		{Team: "c", Minute: 1, Score: 300, Scored: game.Scored{Points: 300}}, // order of rows does not matter
		{Team: "c", Minute: 0, Score: -100, Scored: game.Scored{Penalty: 100}},
		{Team: "gone", Minute: 0, Score: 1e6},
	}
	got := Rank(rows, teams)
	var order []string
	for _, s := range got {
		order = append(order, s.Name)
	}
	if strings.Join(order, " ") != "c a b idle" {
		t.Errorf("order %v, want c a b idle: best score first, a and b tied on 80 by name, a team with no minutes last at 0", order)
	}
	a := got[1]
	if a.Rank != 2 || a.Points != 150 || a.Penalty != 50 || a.Cost != 20 || a.OK != 20 || a.Failed != 10 {
		t.Errorf("team a totals %+v", a)
	}
	if a.ErrorRate != 0.5 || a.HitRatio != 0.75 || a.P99ms != 30 || a.CostPerHour != 0.6 {
		t.Errorf("team a now: %+v, want its last minute's error rate 0.5, hits 0.75, p99 30 ms, $0.6/h", a)
	}
	if got[0].Score != 300 || got[3].HitRatio != -1 {
		t.Errorf("c scored %v (want its last minute's 300); idle's hit ratio %v (want -1, unknown)", got[0].Score, got[3].HitRatio)
	}
}

func TestTheExampleTeamsFileParses(t *testing.T) {
	teams, err := LoadTeams("../teams.example.txt")
	if err != nil || len(teams) != 3 || teams[2].Cost != "0.18" {
		t.Errorf("game/teams.example.txt: %v, %+v", err, teams)
	}
}
