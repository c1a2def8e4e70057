package board

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/unicorn-rentals/gameday/game"
)

// realScaleBoard is a board played minutes into a real-scale game: n
// teams over 240 minutes, their scores spread to -2,000,000 and
// +2,000,000 at the end, chaos
// early in the day and more than a hundred events after it, so that a
// page loaded at the end must still mark every chaos on the chart.
func realScaleBoard(t *testing.T, n, played int) (*Board, []int) {
	t.Helper()
	scenario, err := game.ParseScenario([]byte(`{"name": "Unicorn.Rentals", "skew": 1.2, "timeout": "5s",
		"phases": [{"name": "the day", "duration": "4h", "rate": 20, "keys": 2000}]}`), "real-scale")
	if err != nil {
		t.Fatal(err)
	}
	var teams []Team
	for i := range n {
		teams = append(teams, Team{AnswerKey: testKey, Name: fmt.Sprintf("team-%02d", i+1), Endpoint: fmt.Sprintf("https://d%06d.cloudfront.net/", i), Cost: "0.5"})
	}
	path := filepath.Join(t.TempDir(), "game.db")
	store, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	g := NewGame{Teams: teams, Setup: game.Setup{Scenario: scenario, Rules: game.DefaultRules(), Speed: 1, Seed: 1}, Paused: true}
	if _, err := Open(store, g, Options{}); err != nil {
		t.Fatal(err)
	}
	const minutes = 240
	seq := 1
	var events []Event
	chaosAt := []int{70, 120, 160, 210}
	for m := range played {
		var rows []Minute
		for i, team := range teams {
			final := -2_000_000 + 4_000_000*float64(i)/float64(n-1)
			rows = append(rows, Minute{Team: team.Name, Minute: m, Endpoint: team.Endpoint,
				Scored:    game.Scored{Tally: game.Tally{Answers: 1200, OK: 1200 - i, Failed: i}, P50ms: 40, P99ms: 900 + float64(i)},
				PerSecond: 20, CostPerHour: 0.5, Score: final * float64(m+1) / minutes})
		}
		if slices.Contains(chaosAt, m) {
			for i := range 3 {
				events = append(events, Event{Seq: seq, Minute: m, Team: teams[i].Name, Kind: chaosKind, Chaos: chaosStarted, Text: "terminate-instance started, experiment EXP" + fmt.Sprint(seq)})
				seq++
			}
		}
		if m%2 == 1 {
			events = append(events, Event{Seq: seq, Minute: m, Team: teams[m%n].Name, Kind: "errors", Text: teams[m%n].Name + " is failing 12% of requests"})
			seq++
		}
		if err := store.Write(nil, rows, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.Write(nil, nil, events); err != nil {
		t.Fatal(err)
	}
	store.Close()
	if store, err = OpenStore(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b, err := Open(store, NewGame{}, Options{Token: "the-facilitators-token"})
	if err != nil {
		t.Fatal(err)
	}
	return b, chaosAt
}

// axeViolations runs axe-core (the npm package, from package-lock.json)
// in the page, for WCAG 2.1 A and AA.
func axeViolations(ctx context.Context, t *testing.T) string {
	t.Helper()
	axe, err := os.ReadFile(filepath.Join("..", "..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("%v: run make tools first (npm ci installs axe-core from package-lock.json)", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](string(axe))); err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations.map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ") + " " + n.failureSummary).join("; "))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// roomFacts is what a test reads of the page as the room sees it.
type roomFacts struct {
	Visible  []string `json:"visible"`  // team rows on screen
	Summary  string   `json:"summary"`  // the line naming the rest
	Wrapped  []string `json:"wrapped"`  // rows on two lines
	Controls int      `json:"controls"` // inputs, buttons, selects and forms rendered
	Labels   []string `json:"labels"`   // the score axis
	Widest   float64  `json:"widest"`   // its widest label, in px at its font
	Overflow float64  `json:"overflow"` // px the page runs past the screen
	Chaos    string   `json:"chaos"`    // the minutes marked on the chart
	Font     string   `json:"font"`     // the rows' type size
	Summary2 string   `json:"chart_summary"`
}

const readRoom = `JSON.stringify((() => {
  const rows = [...document.querySelectorAll("#standings tbody tr")];
  const shown = rows.filter(r => !r.hidden);
  const more = document.getElementById("more-teams");
  const ctx = document.createElement("canvas").getContext("2d");
  ctx.font = "16px system-ui";
  const labels = (document.getElementById("chart").dataset.yLabels || "").split(" ").filter(Boolean);
  return {
    visible: shown.filter(r => r.getBoundingClientRect().bottom <= innerHeight + 1).map(r => r.dataset.team),
    summary: more.hidden ? "" : more.textContent,
    wrapped: shown.filter(r => r.cells[1].getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(r.cells[1]).fontSize)).map(r => r.dataset.team),
    controls: [...document.querySelectorAll("input, button, select, textarea, form")].filter(e => getComputedStyle(e).display !== "none" && e.getBoundingClientRect().width > 0).length,
    labels, widest: Math.max(0, ...labels.map(l => ctx.measureText(l).width)),
    overflow: document.documentElement.scrollHeight - innerHeight,
    chaos: document.getElementById("chart").dataset.chaos,
    font: rows.length ? getComputedStyle(rows[0].cells[1]).fontSize : "",
    chart_summary: document.getElementById("chart-summary").textContent,
  };
})())`

// The projector's page at the end of a real-scale game reads true at 30
// and at 60 teams, at 1280x720 and at 1920x1080: every team on screen or
// named in the summary line, no row on two lines, the score axis showing
// sign and magnitude within its gutter, every chaos of the day marked, no
// facilitator's control, nothing past the screen's edge, and no WCAG 2.1
// AA violation that axe-core finds; the facilitator's view passes axe too.
func TestTheRoomsPageReadsTrueAtThirtyAndSixtyTeams(t *testing.T) {
	browser := chromium(t)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.Flag("hide-scrollbars", true))...)
	defer cancel()
	browserCtx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first call starts the browser, which lives as long as browserCtx.
	if err := chromedp.Do(browserCtx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ n, played int }{{30, 120}, {30, 240}, {60, 240}} {
		n := c.n
		b, chaosAt := realScaleBoard(t, n, c.played)
		srv := httptest.NewServer(b.Handler())
		// The page's event stream never ends by itself.
		defer func() { srv.CloseClientConnections(); srv.Close() }()
		for _, size := range [][2]int64{{1280, 720}, {1920, 1080}} {
			name := fmt.Sprintf("%d teams at minute %d at %dx%d", n, c.played, size[0], size[1])
			ctx, cancel := context.WithTimeout(browserCtx, 60*time.Second)
			err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(srv.URL+"/"),
				chromedp.WaitVisible(chromedp.CSS("#standings tbody tr")), chromedp.Sleep(300*time.Millisecond))
			if err != nil {
				cancel()
				t.Fatalf("%s: %v", name, err)
			}
			raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](readRoom))
			if err != nil {
				cancel()
				t.Fatal(err)
			}
			var f roomFacts
			json.Unmarshal([]byte(raw), &f)
			t.Logf("%s: %d rows on screen at %s, summary %q", name, len(f.Visible), f.Font, f.Summary)
			summarised := map[string]bool{}
			for _, part := range strings.Split(strings.TrimPrefix(f.Summary[strings.Index(f.Summary, ":")+1:], " "), ", ") {
				if _, team, ok := strings.Cut(part, ". "); ok {
					summarised[team] = true
				}
			}
			for i := range n {
				team := fmt.Sprintf("team-%02d", i+1)
				if !slices.Contains(f.Visible, team) && !summarised[team] {
					t.Errorf("%s: %s is neither on screen nor in the summary", name, team)
				}
			}
			if len(f.Wrapped) > 0 {
				t.Errorf("%s: rows on two lines: %v", name, f.Wrapped)
			}
			if f.Controls != 0 {
				t.Errorf("%s: %d controls rendered on the room's page", name, f.Controls)
			}
			if !slices.ContainsFunc(f.Labels, func(l string) bool {
				return strings.HasPrefix(l, "-") && (strings.HasSuffix(l, "M") || strings.HasSuffix(l, "k"))
			}) || f.Widest > 72-8 {
				t.Errorf("%s: the score axis reads %v, widest %.0f px of a 72 px gutter: want -2.0M, -500k and the like, whole", name, f.Labels, f.Widest)
			}
			if f.Overflow > 0 {
				t.Errorf("%s: the page runs %.0f px past the screen", name, f.Overflow)
			}
			for _, m := range chaosAt {
				if m >= c.played {
					continue
				}
				if !slices.Contains(strings.Split(f.Chaos, ","), fmt.Sprint(m)) {
					t.Errorf("%s: chaos at minute %d is not marked (marked %q)", name, m, f.Chaos)
				}
			}
			if !strings.Contains(f.Summary2, "Leading: team-") {
				t.Errorf("%s: the chart's text alternative reads %q", name, f.Summary2)
			}
			if v := axeViolations(ctx, t); v != "[]" {
				t.Errorf("%s: axe-core finds %s", name, v)
			}
			screenshot(ctx, t, fmt.Sprintf("projector-%d-teams-minute-%d-%dx%d.png", n, c.played, size[0], size[1]), n == 30 && c.played == 240)
			cancel()
		}
		if n != 30 || c.played != 240 {
			continue
		}
		// The facilitator's view, live with the token.
		ctx, cancel := context.WithTimeout(browserCtx, 60*time.Second)
		err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080), chromedp.Navigate(srv.URL+"/facilitator"),
			chromedp.WaitVisible(chromedp.CSS("#standings tbody tr")),
			chromedp.SendKeys(chromedp.CSS("#token"), "the-facilitators-token\n"),
			chromedp.Poll[chromedp.Void](`document.getElementById("live-note").textContent.startsWith("live standings")`),
			// No team of the room's test is billed live: the facilitator is told.
			chromedp.Poll[chromedp.Void](`document.getElementById("live-note").textContent.includes("quests cannot be checked for 30 of 30 teams")`),
			chromedp.Click(chromedp.CSS(`#controls button[data-action="freeze"]`)),
			chromedp.WaitVisible(chromedp.CSS("#room-note")))
		if err != nil {
			cancel()
			t.Fatalf("the facilitator's view: %v", err)
		}
		if b.Snapshot().FrozenAt == nil {
			t.Error("freezing from the facilitator's view left the room's standings live")
		}
		// A team's debrief so far, saved from the view.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#debrief")),
			chromedp.Poll[chromedp.Void](`document.getElementById("control-result").textContent.startsWith("debrief of ")`)); err != nil {
			t.Fatalf("saving a debrief from the facilitator's view: %v", err)
		}
		// The handout's links, made in the browser, are the ones gameday
		// ctl teams prints.
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#show-links")), chromedp.WaitVisible(chromedp.CSS("#listing-items li"))); err != nil {
			t.Fatal(err)
		}
		links, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("listing-items").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		if want := "/team#team-03:" + TeamToken("the-facilitators-token", "team-03"); !strings.Contains(links, want) {
			t.Errorf("the facilitator's view lists %.200q..., want a link ending %s", links, want)
		}
		if v := axeViolations(ctx, t); v != "[]" {
			t.Errorf("the facilitator's view: axe-core finds %s", v)
		}
		screenshot(ctx, t, "facilitator-30-teams-1920x1080.png", true)
		cancel()

		// A team's page, opened from the handout's link, frozen as the
		// room's; a proposal the board cannot check is refused with why.
		ctx, cancel = context.WithTimeout(browserCtx, 60*time.Second)
		link := srv.URL + "/team#team-03:" + TeamToken("the-facilitators-token", "team-03")
		err = chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(link),
			chromedp.WaitVisible(chromedp.CSS("#team-main")),
			chromedp.SendKeys(chromedp.CSS("#new-endpoint"), "http://127.0.0.1:9/"),
			chromedp.Click(chromedp.CSS(`#propose button`)),
			chromedp.Poll[chromedp.Void](`document.getElementById("propose-result").textContent.startsWith("refused")`))
		if err != nil {
			cancel()
			t.Fatalf("the team's page: %v", err)
		}
		page, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[location.href, document.getElementById("rank").textContent, document.getElementById("room-note").textContent, document.getElementById("propose-result").textContent, document.querySelectorAll("#breakdown tbody tr").length].join(" | ")`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page, "rank 28 of 30") || !strings.Contains(page, "frozen at minute 240") || !strings.Contains(page, "question 1") || strings.Contains(page, "#team-03") || !strings.HasSuffix(page, "| 15") {
			t.Errorf("the team's page reads %q: want its rank, the freeze, the refusal's reason, 15 minutes, and the token gone from the address", page)
		}
		// A hint, bought from the page: shown under its quest, charged
		// once, and the next one offered at its own cost.
		first, _ := b.questOrder[0].Hint(1)
		err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#quests button[data-quest="1"]`)),
			chromedp.Poll[chromedp.Void](`document.getElementById("hint-result").textContent.startsWith("hint taken")`))
		if err != nil {
			t.Fatalf("buying a hint on the team's page: %v", err)
		}
		quest, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#quests li").textContent`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(quest, first) || !strings.Contains(quest, "hint 2 for quest 1 (10,000 points)") {
			t.Errorf("quest 1 on the page reads %q: want its first hint and the second offered for 10,000 points", quest)
		}
		// The room's standings are frozen: the facilitator's show the cost.
		for _, st := range b.LiveSnapshot().Standings {
			if st.Name == "team-03" && st.Hints != -game.DefaultRules().HintCost(1) {
				t.Errorf("team-03 paid %v for its hint, want %v", st.Hints, -game.DefaultRules().HintCost(1))
			}
		}
		if v := axeViolations(ctx, t); v != "[]" {
			t.Errorf("the team's page: axe-core finds %s", v)
		}
		screenshot(ctx, t, "team-1280x720.png", true)
		cancel()

		// The team's debrief, the printable page as it is handed out.
		d, err := b.Debrief(context.Background(), "team-03")
		if err != nil {
			t.Fatal(err)
		}
		var printable bytes.Buffer
		if err := d.WriteHTML(&printable); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "team-03.html")
		if err := os.WriteFile(file, printable.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel = context.WithTimeout(browserCtx, 60*time.Second)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate("file://"+file), chromedp.WaitVisible(chromedp.CSS("h1"))); err != nil {
			cancel()
			t.Fatalf("the debrief: %v", err)
		}
		if v := axeViolations(ctx, t); v != "[]" {
			t.Errorf("the debrief: axe-core finds %s", v)
		}
		screenshot(ctx, t, "debrief-1280x720.png", true)
		cancel()
	}
}

// screenshot saves the page in out/scoreboard, and in docs/img for the
// docs (make docs) when docs is set.
func screenshot(ctx context.Context, t *testing.T, file string, docs bool) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join("..", "..", "out", "scoreboard")}
	if docs && os.Getenv("UPDATE_DOCS") != "" {
		dirs = append(dirs, filepath.Join("..", "..", "docs", "img"))
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
