package board

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/game"
)

// NewGame is a game to start when the database holds none.
type NewGame struct {
	Teams    []Team
	Scenario game.Scenario
	Rules    game.Rules
	// Speed compresses the game: 60 plays four hours in four minutes.
	Speed float64
	// Seed fixes the questions; every team is asked the same ones.
	Seed uint64
	// DefaultCost prices a team whose line gives no cost: USD an hour or
	// a synthesized template.
	DefaultCost string
	// Paused starts the game paused, to be started with Resume.
	Paused bool
}

// Board is a game for many teams.
type Board struct {
	store  *Store
	prices game.Prices
	log    *slog.Logger
	clock  *clock
	hub    *hub

	minutes int    // the game's length in minutes, the last one maybe partial
	total   uint64 // requests the scenario sends each team

	mu      sync.Mutex
	meta    Meta
	teams   []*team
	byName  map[string]*team
	closed  int // minutes [0, closed) are stored
	events  []Event
	pending *batch // a minute scored but not yet stored
	resumed bool
}

// Options are the board's surroundings.
type Options struct {
	// Prices for teams priced from a template; default game.DefaultPrices.
	Prices *game.Prices
	// Log gets what the facilitator should see; default discards.
	Log *slog.Logger
}

// team is one team's side of the game.
type team struct {
	name    string
	target  atomic.Pointer[url.URL]
	cost    costSource
	pricing pricing // the cost model's last figure for a template

	mu          sync.Mutex
	open        map[int]*bucket // answers of minutes not yet scored
	closedBelow int

	rows     []Minute
	score    float64
	spiking  bool
	sent     atomic.Uint64
	attacker *vegeta.Attacker
	done     chan struct{}
}

type bucket struct {
	m    Minute
	hist *hdrhistogram.Histogram
}

type batch struct {
	minute int
	rows   []Minute
	events []Event
}

// Open loads the game in store, or starts g when it holds none. A stored
// game wins over g: its scenario, rules, speed and teams (with any
// endpoint moved mid-game) are the ones played; g's team names must then
// match, so a wrong database is not resumed by mistake.
func Open(store *Store, g NewGame, opts Options) (*Board, error) {
	meta, rows, events, err := store.Load()
	if err != nil {
		return nil, err
	}
	b := &Board{store: store, hub: newHub(), log: opts.Log, byName: map[string]*team{}}
	if opts.Prices != nil {
		b.prices = *opts.Prices
	} else {
		b.prices = game.DefaultPrices()
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if meta == nil {
		if meta, err = create(g); err != nil {
			return nil, err
		}
		if err := store.Write(meta, nil, nil); err != nil {
			return nil, err
		}
	} else {
		b.resumed = true
		if g.Teams != nil && !sameNames(g.Teams, meta.Teams) {
			return nil, fmt.Errorf("database %s holds a game of other teams (%s) than the teams file's (%s): give a new --db to start a new game",
				store.path, names(meta.Teams), names(g.Teams))
		}
	}
	b.meta = *meta
	length := meta.Scenario.Length()
	b.minutes = int((length + time.Minute - 1) / time.Minute)
	b.total = uint64(math.Ceil(meta.Scenario.Expected(length) / meta.Speed))
	for _, t := range meta.Teams {
		if err := b.addTeam(t); err != nil {
			return nil, err
		}
	}
	b.closed = -1
	for _, r := range rows {
		t, ok := b.byName[r.Team]
		if !ok {
			return nil, fmt.Errorf("database %s: a minute of team %q, which is not in the game", store.path, r.Team)
		}
		t.rows = append(t.rows, r)
		t.score = r.Score
	}
	// Every minute is written for every team in one transaction, so the
	// teams agree on how far the game got.
	for _, t := range b.teams {
		if b.closed >= 0 && len(t.rows) != b.closed {
			return nil, fmt.Errorf("database %s: team %s has %d minutes stored, the others %d", store.path, t.name, len(t.rows), b.closed)
		}
		b.closed = len(t.rows)
		t.closedBelow = b.closed
	}
	b.events = events
	at := time.Duration(b.closed) * time.Minute
	if meta.State == Ended {
		at = time.Duration(meta.Played)
	}
	b.clock = newClock(meta.Speed, length, min(at, length), meta.State)
	return b, nil
}

func create(g NewGame) (*Meta, error) {
	if len(g.Teams) == 0 {
		return nil, errors.New("no game stored yet: give a teams file with --teams")
	}
	if g.Speed <= 0 {
		return nil, fmt.Errorf("speed %v: want a positive number", g.Speed)
	}
	if g.Seed == 0 {
		g.Seed = 1
	}
	for _, t := range g.Teams {
		if t.Cost == "" && g.DefaultCost == "" {
			return nil, fmt.Errorf("team %s has no cost and there is no default: give one on its line, or --cost-per-hour or --template for all", t.Name)
		}
	}
	if g.DefaultCost != "" {
		if _, err := parseCost(g.DefaultCost); err != nil {
			return nil, fmt.Errorf("default %w", err)
		}
	}
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return nil, fmt.Errorf("making the control token: %w", err)
	}
	state := Running
	if g.Paused {
		state = Paused
	}
	return &Meta{
		Scenario: g.Scenario, Rules: g.Rules, Speed: g.Speed, Seed: g.Seed,
		Token: hex.EncodeToString(token), Created: time.Now().UTC(), State: state,
		Teams: slices.Clone(g.Teams), DefaultCost: g.DefaultCost,
	}, nil
}

func (b *Board) addTeam(t Team) error {
	u, err := url.Parse(t.Endpoint)
	if err != nil {
		return fmt.Errorf("team %s: endpoint %q: %w", t.Name, t.Endpoint, err)
	}
	spec := t.Cost
	if spec == "" {
		spec = b.meta.DefaultCost
	}
	cost, err := parseCost(spec)
	if err != nil {
		return fmt.Errorf("team %s: %w", t.Name, err)
	}
	tm := &team{name: t.Name, cost: cost, open: map[int]*bucket{}, done: make(chan struct{})}
	tm.target.Store(u)
	b.teams = append(b.teams, tm)
	b.byName[t.Name] = tm
	return nil
}

func sameNames(a, b []Team) bool { return slices.Equal(sorted(a), sorted(b)) }

func sorted(ts []Team) []string {
	var n []string
	for _, t := range ts {
		n = append(n, t.Name)
	}
	slices.Sort(n)
	return n
}

func names(ts []Team) string { return fmt.Sprint(sorted(ts)) }

// Token authorizes changes of state.
func (b *Board) Token() string { return b.meta.Token }

// Resumed says the game came from the database rather than a teams file.
func (b *Board) Resumed() bool { return b.resumed }

// Minute is how many minutes are stored.
func (b *Board) Minute() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Run plays the game until it ends or ctx is done. When ctx ends first the
// minute being played is dropped, not scored: started again, the game
// carries on from the last stored minute, as it does after a crash.
func (b *Board) Run(ctx context.Context) error {
	_, state := b.clock.Now()
	if state == Ended {
		return b.finish(ctx) // scores what an ended game had not yet scored
	}
	if b.resumed {
		b.note("", "game", fmt.Sprintf("game resumed at minute %d (%s)", b.closed, state))
	} else {
		b.note("", "game", fmt.Sprintf("game created for %d teams: %s, %s at speed %g", len(b.teams), b.meta.Scenario.Name, b.meta.Scenario.Length(), b.meta.Speed))
	}
	b.warnIfFewFiles(openFileLimit())
	// Which teams cannot be reached is news for the room, not a reason to
	// hold the others back.
	go b.checkEndpoints(ctx)

	stop := make(chan struct{})
	base := uint64(math.Ceil(b.meta.Scenario.Expected(b.clock.Start()) / b.meta.Speed))
	for _, t := range b.teams {
		b.attack(t, base, stop)
	}
	defer close(stop)

	// Score often enough that each minute is closed soon after it ends.
	tick := min(max(time.Duration(float64(time.Minute)/b.meta.Speed/4), 10*time.Millisecond), 250*time.Millisecond)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			for _, t := range b.teams {
				t.attacker.Stop()
			}
			return b.flushPending()
		case <-ticker.C:
		}
		g, state := b.clock.Now()
		if err := b.flushPending(); err != nil {
			continue // still failing: the game is paused, try again next tick
		}
		// The last minute is scored by finish, once the answers still in
		// flight at the end have landed in it.
		for b.closedCount() < min(int(g/time.Minute), b.minutes-1) {
			b.score(b.closedCount(), time.Minute)
			if b.flushPending() != nil {
				break
			}
		}
		if state == Ended || g >= b.meta.Scenario.Length() {
			return b.finish(ctx)
		}
	}
}

func (b *Board) closedCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// finish waits for the answers still in flight and scores the rest.
func (b *Board) finish(ctx context.Context) error {
	b.mu.Lock()
	wasOver := b.meta.State == Ended
	b.mu.Unlock()
	b.clock.Set(Ended)
	played, _ := b.clock.Now()
	for _, t := range b.teams {
		if t.attacker == nil {
			continue // ended before this run started
		}
		select {
		case <-t.done:
		case <-ctx.Done():
			return b.flushPending()
		}
	}
	scored := false
	for m := b.closedCount(); m < b.minutes && time.Duration(m)*time.Minute < played; m = b.closedCount() {
		b.score(m, min(played-time.Duration(m)*time.Minute, time.Minute))
		if err := b.flushPending(); err != nil {
			return err
		}
		scored = true
	}
	b.mu.Lock()
	b.meta.State, b.meta.Played = Ended, game.Duration(played)
	meta := b.meta
	b.mu.Unlock()
	if err := b.store.Write(&meta, nil, nil); err != nil {
		return err
	}
	if !wasOver || scored {
		b.note("", "game", fmt.Sprintf("game over at %s", played.Round(time.Second)))
	}
	b.publishState()
	return nil
}

// attack starts sending a team its requests, from request number base.
func (b *Board) attack(t *team, base uint64, stop <-chan struct{}) {
	t.attacker = game.NewAttacker(time.Duration(b.meta.Scenario.Timeout))
	next := base
	var nextMu sync.Mutex
	targeter := func(tg *vegeta.Target) error {
		// A request ticked just before a pause waits for the resume.
		if !b.waitRunning(stop) {
			return vegeta.ErrNoTargets
		}
		nextMu.Lock()
		n := next
		next++
		nextMu.Unlock()
		t.sent.Add(1)
		tg.Method, tg.URL = "GET", game.RequestURL(t.target.Load(), game.Input(b.keyOf(n)))
		return nil
	}
	pace := &teamPacer{board: b, base: base, stop: stop}
	results := t.attacker.Attack(targeter, pace, 0, t.name)
	go func() {
		defer close(t.done)
		for r := range results {
			if r.Error == vegeta.ErrNoTargets.Error() {
				continue
			}
			g, _ := b.clock.Now()
			t.add(int(g/time.Minute), b.minutes, r, b.meta.Rules)
		}
	}()
}

// warnIfFewFiles warns when the process may open fewer files than the
// engine may hold: every team's connections at their cap, and a margin for
// the database, the page's viewers and the Go runtime.
func (b *Board) warnIfFewFiles(limit uint64, known bool) {
	need := uint64(len(b.teams))*game.MaxConnectionsPerTeam + 256
	if known && limit < need {
		b.log.Warn("slow endpoints may need more connections than this process may open: raise the limit (ulimit -n) before the game",
			"teams", len(b.teams), "files_needed", need, "limit", limit)
	}
}

// waitRunning blocks while the game is paused; false when it is over.
func (b *Board) waitRunning(stop <-chan struct{}) bool {
	for {
		changed := b.clock.Changed()
		_, state := b.clock.Now()
		switch state {
		case Running:
			return true
		case Ended:
			return false
		}
		select {
		case <-changed:
		case <-stop:
			return false
		}
	}
}

// add scores one answer in the minute it completed in.
func (t *team) add(minute, minutes int, r *vegeta.Result, rules game.Rules) {
	t.mu.Lock()
	defer t.mu.Unlock()
	minute = min(max(minute, t.closedBelow), minutes-1)
	bk, ok := t.open[minute]
	if !ok {
		bk = &bucket{hist: game.NewHistogram()}
		t.open[minute] = bk
	}
	o := game.Judge(r)
	bk.m.Count(o)
	if o.OK {
		bk.m.Points += rules.Points(r.Latency)
	} else {
		bk.m.Penalty += rules.FailurePenalty
	}
	_ = bk.hist.RecordValue(max(r.Latency.Microseconds(), 1))
}

// score closes minute m for every team, played being how much of it the
// game lasted, and queues it to be stored.
func (b *Board) score(m int, played time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pending != nil || m != b.closed {
		return
	}
	p := &batch{minute: m}
	for _, t := range b.teams {
		t.mu.Lock()
		bk := t.open[m]
		delete(t.open, m)
		t.closedBelow = m + 1
		t.mu.Unlock()
		row := Minute{Team: t.name, Minute: m, Endpoint: t.target.Load().String()}
		if bk != nil {
			row = bk.m
			row.Team, row.Minute, row.Endpoint = t.name, m, t.target.Load().String()
			row.P50ms = float64(bk.hist.ValueAtQuantile(50)) / 1000
			row.P99ms = float64(bk.hist.ValueAtQuantile(99)) / 1000
		}
		row.PerSecond = float64(row.Answers) / (time.Minute.Seconds() / b.meta.Speed)
		row.CostPerHour = b.costPerHour(t, row)
		row.Cost = b.meta.Rules.CostPoints(row.CostPerHour, played)
		row.Score = t.score + row.Points - row.Penalty - row.Cost
		p.rows = append(p.rows, row)
		if e, ok := spike(t, row); ok {
			p.events = append(p.events, b.event(m, t.name, "errors", e))
		}
	}
	b.pending = p
}

// spike notices a team's errors starting and stopping.
func spike(t *team, row Minute) (string, bool) {
	if row.Answers < 5 {
		return "", false
	}
	rate := float64(row.Failed) / float64(row.Answers)
	switch {
	case !t.spiking && rate >= 0.1:
		t.spiking = true
		return fmt.Sprintf("%s is failing %.0f%% of requests", t.name, rate*100), true
	case t.spiking && rate < 0.02:
		t.spiking = false
		return fmt.Sprintf("%s has recovered: %.1f%% errors", t.name, rate*100), true
	}
	return "", false
}

// flushPending stores the scored minute. While the database refuses it,
// the game is paused: nothing is scored that cannot be kept.
func (b *Board) flushPending() error {
	b.mu.Lock()
	p := b.pending
	b.mu.Unlock()
	if p == nil {
		return nil
	}
	if err := b.store.Write(nil, p.rows, p.events); err != nil {
		if b.clock.Set(Paused) {
			b.log.Error("cannot store the scores: game paused; fix the disk and resume", "err", err)
			b.publishState()
		}
		return err
	}
	b.mu.Lock()
	for i, t := range b.teams {
		t.rows = append(t.rows, p.rows[i])
		t.score = p.rows[i].Score
	}
	b.events = append(b.events, p.events...)
	b.closed = p.minute + 1
	b.pending = nil
	b.mu.Unlock()
	b.publishMinute(p)
	return nil
}

// costPerHour is the team's bill: a fixed price, or its template priced
// with the traffic it served this minute.
func (b *Board) costPerHour(t *team, row Minute) float64 {
	if t.cost.template == "" {
		return t.cost.perHour
	}
	v, err := t.pricing.price(t.cost.template, b.prices, game.Traffic{RPS: row.PerSecond, HitRatio: max(row.HitRatio(), 0)})
	if err != nil {
		b.log.Warn("cannot price the team's template: keeping its last cost", "team", t.name, "err", err)
	}
	return v
}

// pricing re-reads a template when it changes, so a facilitator can
// refresh a team's bill with "cdk synth" or the deployed template.
type pricing struct {
	mod     time.Time
	raw     []byte
	perHour float64
}

func (p *pricing) price(path string, prices game.Prices, traffic game.Traffic) (float64, error) {
	if err := p.reload(path); err != nil {
		return p.perHour, err
	}
	est, err := game.EstimateCost(p.raw, prices, traffic)
	if err != nil {
		return p.perHour, err
	}
	p.perHour = est.Total
	return p.perHour, nil
}

func (p *pricing) reload(path string) error {
	info, err := statFile(path)
	if err != nil {
		return err
	}
	if p.raw != nil && info.Equal(p.mod) {
		return nil
	}
	raw, err := game.LoadTemplate(path)
	if err != nil {
		return err
	}
	p.raw, p.mod = raw, info
	return nil
}

// checkEndpoints says which teams cannot be reached at the start; the game
// goes on for them, scoring their failures.
func (b *Board) checkEndpoints(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range b.teams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := game.Check(ctx, t.target.Load(), 5*time.Second); err != nil {
				b.note(t.name, "team", fmt.Sprintf("%s cannot be reached: %v", t.name, err))
			}
		}()
	}
	wg.Wait()
}
