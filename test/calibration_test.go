package test

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/service/api"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

// calibrationSpeeds are the real day's speed and the local game's.
var calibrationSpeeds = []float64{1, 240}

// pathSetups are the steps of the canonical path as the calibration
// models them: each fix set's own template, priced by the cost model.
func pathModels(t *testing.T) []game.StackModel {
	t.Helper()
	cfg := config.Default()
	var out []game.StackModel
	for i := 0; i <= len(catalog.AllFixes); i++ {
		set := catalog.NewFixSet(catalog.AllFixes[:i]...)
		raw := []byte(text(synth(t, set.String(), synthOptions{}).raw))
		s := game.StackModel{
			Name:        set.String(),
			Cache:       set.Has(catalog.FixCache),
			Targets:     cfg.FleetSize,
			PerTarget:   api.Capacity(cfg.Service.Work, cfg.Service.Concurrency) / 60,
			MissLatency: cfg.Service.Work,
			TargetUse:   config.ScalingHeadroom,
			Bill: func(tr game.Traffic) (float64, error) {
				est, err := game.EstimateCost(raw, game.DefaultPrices(), tr)
				return est.Total, err
			},
		}
		if set.Has(catalog.FixAutoscale) {
			s.Autoscale, s.Targets, s.MinTargets = true, cfg.MaxCapacity, cfg.MinCapacity
		}
		out = append(out, s)
	}
	return out
}

// calibrationTable renders the expected game of every step at each speed.
func calibrationTable(t *testing.T, rows map[float64][]game.Expectation) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("| step | fix | score, speed 1 | points / penalties / bill, speed 1 | bill an hour | score, speed 240 | points / penalties / bill, speed 240 |\n|---|---|---|---|---|---|---|\n")
	pct := func(e game.Expectation) string {
		p, f, c := e.Shares()
		return fmt.Sprintf("%.1f / %.1f / %.1f %%", p*100, f*100, c*100)
	}
	for i, e := range rows[1] {
		c := rows[240][i]
		name := "`none`"
		if i > 0 {
			name = "`+" + string(catalog.AllFixes[i-1]) + "`"
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | $%.2f | %s | %s |\n", i, name, thousands(e.Score), pct(e), e.CostPerHour, thousands(c.Score), pct(c))
	}
	return b.String()
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", math.Abs(v))
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if v < 0 {
		s = "-" + s
	}
	return s
}

// The committed rules keep the seed's lessons on the real day, and a
// compressed game is a faithful sample of it: the same scoring definition
// gives each term the same share of the score at speed 1 and 240.
func TestTheGameIsCalibratedAtEverySpeed(t *testing.T) {
	rows := map[float64][]game.Expectation{}
	models := pathModels(t)
	for _, speed := range calibrationSpeeds {
		g := game.DefaultSetup()
		g.Speed = speed
		for _, s := range models {
			e, err := g.Expect(s)
			if err != nil {
				t.Fatal(err)
			}
			rows[speed] = append(rows[speed], e)
		}
	}
	table := calibrationTable(t, rows)
	t.Logf("\n%s", table)

	day := rows[1]
	base, cache, target := day[0], day[1], day[len(day)-1]
	cleanup := day[2]
	// The cache dominates: its step gains more than any other.
	for i := 2; i < len(day); i++ {
		if gain := day[i].Score - day[i-1].Score; gain >= cache.Score-base.Score {
			t.Errorf("step %s gains %.0f, more than the cache's %.0f", day[i].Stack, gain, cache.Score-base.Score)
		}
	}
	// The CTO's waste over four hours costs at least 5 % of what the
	// winners' path earns, and the baseline's bill at least 15 %.
	if waste := day[1].Cost - cleanup.Cost; waste < 0.05*target.Points {
		t.Errorf("the waste costs %.0f points over the day, %.1f %% of the target's %.0f: want at least 5 %%", waste, 100*waste/target.Points, target.Points)
	}
	t.Logf("on the day: the waste costs %.1f %% of the target's points, the baseline's bill %.1f %%", 100*(day[1].Cost-cleanup.Cost)/target.Points, 100*base.Cost/target.Points)
	if base.Cost < 0.15*target.Points {
		t.Errorf("the baseline's bill is %.0f points, %.1f %% of the target's %.0f: want at least 15 %%", base.Cost, 100*base.Cost/target.Points, target.Points)
	}
	// A compressed game keeps every term's share within 5 points.
	for i := range day {
		a, b := day[i], rows[240][i]
		ap, af, ac := a.Shares()
		bp, bf, bc := b.Shares()
		if math.Abs(ap-bp) > 0.05 || math.Abs(af-bf) > 0.05 || math.Abs(ac-bc) > 0.05 {
			t.Errorf("%s: shares %.3f/%.3f/%.3f at speed 1, %.3f/%.3f/%.3f at 240", a.Stack, ap, af, ac, bp, bf, bc)
		}
	}

	doc, err := os.ReadFile("../docs/game.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- calibration table: written by make docs -->\n", "<!-- end of the calibration table -->"
	i, j := strings.Index(string(doc), start), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("docs/game.md has no calibration table between %q and %q", start, end)
	}
	written := string(doc[:i+len(start)]) + table + string(doc[j:])
	const hintsStart, hintsEnd = "<!-- hints: written by make docs -->\n", "<!-- end of the hints -->"
	i, j = strings.Index(written, hintsStart), strings.Index(written, hintsEnd)
	if i < 0 || j < i {
		t.Fatalf("docs/game.md has no paragraph on the hints between %q and %q", hintsStart, hintsEnd)
	}
	written = written[:i+len(hintsStart)] + hintsParagraph(t, day) + written[j:]
	testkit.Golden(t, "../docs/game.md", written, "the model's calibration table and the hints' weight (make docs)")
	checkThePathIsQuoted(t, day, models)
}

// hintsParagraph says what the hints weigh on the real day at their
// default costs, against the answer key's score and the steps they
// reveal: a hint must cost less than what its fix brings, or nobody
// stuck would take it, and all of them must leave the answer key ahead.
func hintsParagraph(t *testing.T, day []game.Expectation) string {
	rules := game.DefaultRules()
	quest := 0.0
	for level := 1; level <= catalog.HintLevels; level++ {
		quest += rules.HintCost(level)
	}
	all := quest * float64(len(catalog.Flaws))
	key := day[len(day)-1].Score
	cacheGain := day[1].Score - day[0].Score
	minutes := game.DefaultSetup().Scenario.Length().Minutes()
	address, _ := catalog.FlawByID(catalog.FlawIdleElasticIP)
	idle := address.CostPerHour * minutes / 60 * rules.PointsPerDollar
	if idle >= rules.HintCost(1) {
		t.Errorf("the idle address costs %.0f over the day, its first hint %.0f: the paragraph's lesson no longer holds", idle, rules.HintCost(1))
	}
	if all >= key/2 {
		t.Errorf("every hint costs %.0f, half the answer key's %.0f or more: the hints would decide the game", all, key)
	}
	if quest >= cacheGain/minutes*5 {
		t.Errorf("a quest's hints cost %.0f, five minutes of the cache's gain (%.0f a minute) or more: a stuck team would not buy them", quest, cacheGain/minutes)
	}
	return fmt.Sprintf(`**Hints keep the balance.** A quest's three hints cost %s, %s and %s points
(%s in all, $%.2f of bill at %s points a dollar), the same at every
speed: a hint is not an answer a compressed game samples. The answer key
takes none. A stuck team that buys all three hints of the cache's quest
pays what the cache brings back in %.1f minutes (%s points a minute on
the day); one that buys every hint of all %d quests pays %s, %.0f %% of the
answer key's %s, and finishes well behind it. The smallest waste, the
idle address, costs %s points over the day, less than its first hint: a
team learns to read the bill before it buys.
`, thousands(rules.HintCost(1)), thousands(rules.HintCost(2)), thousands(rules.HintCost(3)), thousands(quest), quest/rules.PointsPerDollar, thousands(rules.PointsPerDollar),
		quest/(cacheGain/minutes), thousands(cacheGain/minutes), len(catalog.Flaws), thousands(all), 100*all/key, thousands(key), thousands(idle))
}
