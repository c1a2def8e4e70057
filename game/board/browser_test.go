package board

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/service/api"
)

// chromium finds Debian's Chromium, which "make browser-tools" installs.
func chromium(t *testing.T) string {
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("no Chromium: run make browser-tools (apt-get install chromium), or set CHROMIUM to a Chrome binary")
	return ""
}

// teamLike answers like a team part-way through the day: delay before
// each answer, and every failEvery-th request a 503.
func teamLike(t *testing.T, delay time.Duration, failEvery int, cache bool) string {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		fail := failEvery > 0 && n%failEvery == 0
		mu.Unlock()
		time.Sleep(delay)
		if fail {
			http.Error(w, "503 Service Unavailable", http.StatusServiceUnavailable)
			return
		}
		if cache {
			w.Header().Set("X-Cache", "Hit from cloudfront")
		}
		w.Write([]byte(api.Answer([]byte(testKey), r.URL.Query().Get(api.Param))))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

func TestThePageShowsTheTeamsAndTheChartMovesInHeadlessChromium(t *testing.T) {
	browser := chromium(t)
	scenario, err := game.ParseScenario([]byte(`{"name": "Unicorn.Rentals, a taste", "skew": 1.2, "timeout": "5s",
		"phases": [{"name": "warm-up", "duration": "4m", "rate": 10, "keys": 50}, {"name": "step 1", "duration": "56m", "rate": 20, "keys": 200}]}`), "browser")
	if err != nil {
		t.Fatal(err)
	}
	teams := []Team{
		{AnswerKey: testKey, Name: "cloudfront-crew", Endpoint: teamLike(t, 0, 0, true), Cost: "0.18"},
		{AnswerKey: testKey, Name: "alb-and-fargate", Endpoint: teamLike(t, 60*time.Millisecond, 0, false), Cost: "0.25"},
		{AnswerKey: testKey, Name: "baseline-blues", Endpoint: teamLike(t, 700*time.Millisecond, 0, false), Cost: "0.70"},
		{AnswerKey: testKey, Name: "chaos-magnets", Endpoint: teamLike(t, 150*time.Millisecond, 4, false), Cost: "0.45"},
	}
	b, store := openBoard(t, filepath.Join(t.TempDir(), "game.db"), NewGame{Teams: teams, Setup: game.Setup{Scenario: scenario, Rules: game.DefaultRules(), Speed: 60, Seed: 1}})
	defer store.Close()
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	gameCtx, stopGame := context.WithCancel(context.Background())
	defer stopGame()
	go b.Run(gameCtx)
	b.Note("chaos-magnets", "chaos", "FIS: stop half the tasks")

	alloc, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.WindowSize(1600, 900), chromedp.Flag("hide-scrollbars", true))...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The first call starts the browser, which lives as long as ctx; the
	// steps after it get a deadline of their own.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	browserCtx := ctx
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()

	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#standings tbody tr"))); err != nil {
		t.Fatal(err)
	}
	names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#standings tbody tr")].map(r => r.dataset.team)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(teams) {
		t.Errorf("%d rows in the standings (%v), want %d teams", len(names), names, len(teams))
	}
	for _, team := range teams {
		if !slices.Contains(names, team.Name) {
			t.Errorf("team %s is not on the page (%v)", team.Name, names)
		}
	}

	// The chart redraws as minutes are stored.
	pointsOf := chromedp.Evaluate[int](`Number(document.getElementById("chart").dataset.points)`)
	first, err := chromedp.Run(ctx, pointsOf)
	if err != nil {
		t.Fatal(err)
	}
	for later := first; later <= first+3; {
		time.Sleep(100 * time.Millisecond)
		if later, err = chromedp.Run(ctx, pointsOf); err != nil {
			t.Fatalf("the chart stayed at %d minutes: %v", first, err)
		}
	}
	if canvases, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart canvas").length`)); err != nil || canvases == 0 {
		t.Errorf("no chart canvas on the page (%v)", err)
	}
	// The chaos posted at minute 0 is marked on the chart.
	if marked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("chart").dataset.chaos`)); err != nil || !slices.Contains(strings.Split(marked, ","), "0") {
		t.Errorf("chaos marked at minutes %q (%v), want minute 0", marked, err)
	}

	// The facilitator pauses the game from the facilitator's view with the
	// token, and resumes it.
	for i, step := range []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(srv.URL + "/facilitator"),
		chromedp.WaitVisible(chromedp.CSS("#standings tbody tr")),
		chromedp.SendKeys(chromedp.CSS("#token"), b.Token()+"\n"),
		chromedp.Poll[chromedp.Void](`document.getElementById("live-note").textContent.startsWith("live standings")`),
		chromedp.Click(chromedp.CSS(`#controls button[data-action="pause"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#state.paused`)),
	} {
		sctx, c := context.WithTimeout(browserCtx, 10*time.Second)
		err = chromedp.Do(sctx, step)
		c()
		if err != nil {
			t.Logf("step %d: %v", i, err)
			break
		}
	}
	if err != nil {
		result, _ := chromedp.Run(browserCtx, chromedp.Evaluate[string](`document.getElementById("control-result").textContent + " | " + document.getElementById("state").className + " | " + document.getElementById("token").value.length`))
		t.Fatalf("pausing from the facilitator's view: %v (the page says %q)", err, result)
	}
	if _, s := b.clock.Now(); s != Paused {
		t.Errorf("the game is %s after pausing from the page", s)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#controls button[data-action="resume"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#state.running`)),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#standings tbody tr")),
	)
	if err != nil {
		t.Fatal(err)
	}
	for b.Minute() < 10 {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the page draws the last update
	if over, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight - innerHeight`)); err != nil || over > 0 {
		t.Errorf("after 10 minutes the page runs %v px past the screen (%v)", over, err)
	}

	// Everything the page loaded came from the engine: it works in a room
	// with no internet.
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[location.href, ...performance.getEntriesByType("resource").map(e => e.name)]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded) < 5 {
		t.Errorf("the page loaded %v: want the page, its script, styles, chart library and API", loaded)
	}
	for _, u := range loaded {
		if !strings.HasPrefix(u, srv.URL) {
			t.Errorf("the page fetched %s: everything must come from the engine", u)
		}
	}

	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join("..", "..", "out", "scoreboard")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "scoreboard.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: out/scoreboard/scoreboard.png, %d bytes", len(png))
	if os.Getenv("UPDATE_DOCS") != "" {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", "img", "scoreboard.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

}
