package test

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

// The path's figures on the day have one source, the model of the game
// at speed 1 (game.Expect over each step's template, the calibration
// table's): the answer key's table and each step's effect, and the
// README's summary, quote it. The local game's measured figures stand
// beside them in the answer key's table alone, kept as make local printed
// them.
const (
	pathStart = "<!-- path table: written by make docs from the model -->\n"
	pathEnd   = "<!-- end of the path table -->"
)

// pathRow is one step's figures as the answer key's table shows them.
type pathRow struct {
	day                   game.Expectation
	calm, busy            float64 // the bill at 10 and 100 requests a second
	localScore, localBill string  // measured by make local, kept as written
}

func pathName(step int) string {
	switch step {
	case 0:
		return "`none`"
	case len(catalog.AllFixes):
		return "`all` (`+" + string(catalog.AllFixes[step-1]) + "`)"
	}
	return "`+" + string(catalog.AllFixes[step-1]) + "`"
}

func pathTable(rows []pathRow) string {
	var b strings.Builder
	b.WriteString("| step | fixes | score on the day | failed | from the cache | bill an hour | at 10 req/s | at 100 req/s | local game: score | local game: bill |\n|---|---|---|---|---|---|---|---|---|---|\n")
	pct := func(v float64) string { return fmt.Sprintf("%.1f %%", 100*v) }
	for i, r := range rows {
		hits := "-"
		if r.day.Hits > 0 {
			hits = pct(r.day.Hits / r.day.Requests)
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | $%.2f | $%.4f | $%.4f | %s | %s |\n", i, pathName(i), thousands(r.day.Score),
			pct(r.day.Failed/r.day.Requests), hits, r.day.CostPerHour, r.calm, r.busy, r.localScore, r.localBill)
	}
	return b.String()
}

// localFigures are the local game's columns of the committed table, by step.
func localFigures(t *testing.T, doc string) map[int][2]string {
	t.Helper()
	i, j := strings.Index(doc, pathStart), strings.Index(doc, pathEnd)
	if i < 0 || j < i {
		t.Fatalf("docs/solutions.md has no path table between %q and %q", pathStart, pathEnd)
	}
	out := map[int][2]string{}
	for _, line := range strings.Split(doc[i+len(pathStart):j], "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		step, err := strconv.Atoi(cells[0])
		if err != nil || len(cells) != 10 {
			continue
		}
		out[step] = [2]string{cells[8], cells[9]}
	}
	if len(out) != len(catalog.AllFixes)+1 {
		t.Fatalf("docs/solutions.md's path table has the local game's figures for %d steps, want %d (make local, then copy its score and cost/h)", len(out), len(catalog.AllFixes)+1)
	}
	return out
}

// effect is what a step's section says of it on the day.
func effect(from, to game.Expectation) string {
	return fmt.Sprintf("**Effect on the day**: %s to %s points, $%.2f to $%.2f an hour.", thousands(from.Score), thousands(to.Score), from.CostPerHour, to.CostPerHour)
}

var effectLine = regexp.MustCompile(`\*\*Effect on the day\*\*: [^.]*\.[0-9]+ to \$[0-9.]+ an hour\.`)

// checkThePathIsQuoted checks, or with UPDATE_DOCS writes, every quote of
// the model's path: day is each step's expectation at speed 1.
func checkThePathIsQuoted(t *testing.T, day []game.Expectation, models []game.StackModel) {
	t.Helper()
	raw, err := os.ReadFile("../docs/solutions.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	local := localFigures(t, doc)
	// docs/local.md's own measurement of the baseline and the target is
	// the same run as the table's local columns.
	measured, err := os.ReadFile("../docs/local.md")
	if err != nil {
		t.Fatal(err)
	}
	for step, set := range map[int]string{0: "none", len(catalog.AllFixes): "all"} {
		row := regexp.MustCompile(`(?m)^\| ` + set + ` \| [0-9]+ \| (-?[0-9,]+) \|.*\| (\$[0-9.]+) \|$`).FindStringSubmatch(string(measured))
		if row == nil || row[1] != local[step][0] || row[2] != local[step][1] {
			t.Errorf("docs/local.md measures %s as %q, the answer key's table as %q: one run, quoted in both", set, row, local[step])
		}
	}
	rows := make([]pathRow, len(day))
	for i, e := range day {
		rows[i] = pathRow{day: e, localScore: local[i][0], localBill: local[i][1]}
		if rows[i].calm, err = models[i].Bill(game.Traffic{RPS: 10, HitRatio: 0.9}); err != nil {
			t.Fatal(err)
		}
		if rows[i].busy, err = models[i].Bill(game.Traffic{RPS: 100, HitRatio: 0.9}); err != nil {
			t.Fatal(err)
		}
	}
	i, j := strings.Index(doc, pathStart), strings.Index(doc, pathEnd)
	doc = doc[:i+len(pathStart)] + pathTable(rows) + doc[j:]
	for step := 1; step < len(day); step++ {
		head := fmt.Sprintf("\n## %d. `%s`", step, catalog.AllFixes[step-1])
		at := strings.Index(doc, head)
		if at < 0 {
			t.Fatalf("docs/solutions.md has no section %q", strings.TrimSpace(head))
		}
		end := strings.Index(doc[at+1:], "\n## ")
		if end < 0 {
			end = len(doc) - at - 1
		}
		section := doc[at : at+1+end]
		loc := effectLine.FindStringIndex(section)
		if loc == nil {
			t.Fatalf("docs/solutions.md's section %q has no line starting %q", strings.TrimSpace(head), "**Effect on the day**: ")
		}
		doc = doc[:at+loc[0]] + effect(day[step-1], day[step]) + doc[at+loc[1]:]
	}
	testkit.Golden(t, "../docs/solutions.md", doc, "the model of the path (make docs)")

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	base, target := day[0], day[len(day)-1]
	summary := regexp.MustCompile(`effect on score and bill \(from [^)]*\)`)
	want := fmt.Sprintf("effect on score and bill (from %s points at $%.2f an hour to %s at $%.2f on the day, as the game's model expects them)",
		thousands(base.Score), base.CostPerHour, thousands(target.Score), target.CostPerHour)
	if !summary.Match(readme) {
		t.Fatal("README.md has no summary of the path's effect on score and bill")
	}
	testkit.Golden(t, "../README.md", summary.ReplaceAllLiteralString(string(readme), want), "the model of the path (make docs)")
}
