package board

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// NewGame is a game to start when the database holds none.
type NewGame struct {
	Teams []Team
	// Setup is the game: every team is asked the same questions.
	game.Setup
	// DefaultCost prices a team whose line gives no cost: USD an hour or
	// a synthesized template.
	DefaultCost string
	// Paused starts the game paused, to be started with Resume.
	Paused bool
}

// Board is a game for many teams.
type Board struct {
	store    *Store
	verifier verifier
	made     madeTokens
	hand     hand // what the facilitator's events leave; b.mu
	// defaultPricing prices the default template for the live teams not
	// read yet; b.mu (costPerHour runs under it).
	defaultPricing pricing
	prices         game.Prices
	live           LiveBill
	liveEvery      time.Duration
	questEvery     time.Duration
	questOrder     []catalog.Flaw // the flaws by quest number, drawn from the game's seed
	monkey         Monkey
	chaosPoll      time.Duration
	fired          int // the script's events fired so far
	log            *slog.Logger
	clock          *clock
	hub            *hub

	minutes  int       // the game's length in minutes, the last one maybe partial
	bestHits []float64 // per minute: the hit ratio a template's cache is priced at
	src      source    // where the minutes come from: the board's players or its workers

	mu      sync.Mutex
	meta    Meta
	teams   []*team
	byName  map[string]*team
	closed  int // minutes [0, closed) are stored
	events  []Event
	pending *batch // a minute scored but not yet stored
	resumed bool

	remoteOnly bool // endpoints on this machine are refused
}

// Options are the board's surroundings.
type Options struct {
	// Prices for teams priced from a template; default game.DefaultPrices.
	Prices *game.Prices
	// Log gets what the facilitator should see; default discards.
	Log *slog.Logger
	// Live reads the accounts of teams whose cost is live. Required when
	// one is.
	Live LiveBill
	// LiveEvery is how often a live bill is read. Default DefaultLiveEvery.
	LiveEvery time.Duration
	// QuestEvery is how often a live team's quests are checked, when Live
	// checks them (QuestChecks). Default DefaultQuestEvery.
	QuestEvery time.Duration
	// Monkey starts the script's chaos experiments in the accounts of the
	// teams whose cost is live (the board reaches them through that
	// role). Nil: chaos events are announced, and the board says it
	// started nothing.
	Monkey Monkey
	// ChaosPoll is how often a running experiment is read. Default 15s.
	ChaosPoll time.Duration
	// Workers, when set, has remote workers play the teams and report
	// their minutes; nil: the board plays them itself.
	Workers *Workers
	// Token, when set, is the control token whatever the database holds
	// (one kept in AWS Secrets Manager); at least 16 characters.
	Token string
	// RemoteEndpointsOnly refuses endpoints on the board's own machine
	// (loopback, localhost): a board others reach must not be pointed at
	// its machine's own services. gameday board sets it when it listens
	// beyond loopback.
	RemoteEndpointsOnly bool
	// WorkerToken, when set, is the workers' token, likewise: the only
	// credential the lease and report calls take, and all they take.
	WorkerToken string
}

// team is one team as the board scores it, whoever plays it.
type team struct {
	name    string
	target  atomic.Pointer[url.URL]
	cost    costSource
	pricing pricing // the cost model's last figure for a template

	rows    []Minute
	score   float64
	spiking bool
	calm    int // minutes in a row under 2 % errors while spiking
	live    liveState
	quests  questState
	key     []byte // the team's answer key, which its answers are checked with

	mu    sync.Mutex
	chaos string // the experiment running in the team's account, if one is

	proposed string // an endpoint the team proposed and the board checked; b.mu
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
	for what, token := range map[string]string{"control token": opts.Token, "worker token": opts.WorkerToken} {
		if token != "" && len(token) < 16 {
			return nil, fmt.Errorf("%s: %d characters; want at least 16 (openssl rand -hex 16)", what, len(token))
		}
	}
	if opts.Token != "" && opts.Token == opts.WorkerToken {
		return nil, errors.New("the worker token is the control token: give each its own, so that a worker's holds no control of the game")
	}
	meta, rows, events, err := store.Load()
	if err != nil {
		return nil, err
	}
	b := &Board{store: store, hub: newHub(), log: opts.Log, byName: map[string]*team{}, remoteOnly: opts.RemoteEndpointsOnly}
	if opts.Prices != nil {
		b.prices = *opts.Prices
	} else {
		b.prices = game.DefaultPrices()
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.live, b.liveEvery = opts.Live, opts.LiveEvery
	if b.liveEvery <= 0 {
		b.liveEvery = DefaultLiveEvery
	}
	b.questEvery = opts.QuestEvery
	if b.questEvery <= 0 {
		b.questEvery = DefaultQuestEvery
	}
	b.monkey, b.chaosPoll = opts.Monkey, opts.ChaosPoll
	if b.chaosPoll <= 0 {
		b.chaosPoll = 15 * time.Second
	}
	var made madeTokens
	if meta == nil {
		if meta, made, err = create(g); err != nil {
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
		if err := meta.Setup.Validate(); err != nil {
			return nil, fmt.Errorf("database %s: the stored game: %w", store.path, err)
		}
	}
	b.meta = *meta
	b.questOrder = QuestOrder(meta.Seed)
	b.verifier = verifier{now: time.Now}
	b.made = made
	// A token given wins over the stored key; one stored in clear by an
	// older board becomes its key and is dropped from the database now.
	// Written at once when a key changes, an older board's token is
	// dropped, or the teams' keys are made.
	rewrite := b.meta.StoredToken != "" || b.meta.StoredWorkerToken != ""
	for _, k := range []struct {
		key           *[]byte
		given, stored string
		made          *string
	}{{&b.meta.ControlKey, opts.Token, b.meta.StoredToken, &b.made.control}, {&b.meta.WorkerKey, opts.WorkerToken, b.meta.StoredWorkerToken, &b.made.worker}} {
		switch {
		case k.given != "":
			key := PublicKey(k.given)
			rewrite = rewrite || string(key) != string(*k.key)
			*k.key, *k.made = key, ""
		case len(*k.key) == 0 && k.stored != "":
			*k.key = PublicKey(k.stored)
		case len(*k.key) == 0: // a game stored before workers had their own
			if *k.made, err = newToken(); err != nil {
				return nil, err
			}
			*k.key, rewrite = PublicKey(*k.made), true
		}
	}
	b.meta.StoredToken, b.meta.StoredWorkerToken = "", ""
	// The teams' keys come from the control token, when this start knows
	// it; a resumed game without one keeps the stored keys.
	if control := cmp.Or(opts.Token, b.made.control, meta.StoredToken); control != "" {
		b.meta.TeamKeys, rewrite = teamKeys(control, b.meta.Teams), true
	}
	if rewrite {
		if err := store.Write(&b.meta, nil, nil); err != nil {
			return nil, err
		}
	}
	if read, err := fillAnswerKeys(b.meta.Teams, b.meta.DefaultCost, opts.Live); err != nil {
		return nil, err
	} else if read {
		if err := store.Write(&b.meta, nil, nil); err != nil {
			return nil, err
		}
	}
	length := meta.Scenario.Length()
	b.minutes = meta.Setup.Minutes()
	b.bestHits = meta.Setup.BestHitRatios()
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
	}
	b.events = events
	b.hand = handOf(events)
	for _, e := range events {
		if e.Kind == scriptKind {
			b.fired++
		}
	}
	at := time.Duration(b.closed) * time.Minute
	if meta.State == Ended {
		at = time.Duration(meta.Played)
	}
	b.clock = newClock(meta.Speed, length, min(at, length), meta.State)
	if opts.Workers == nil {
		b.src = newSelfPlay(b.clock, meta.Setup, b.teams, b.closed)
	} else if b.src, err = newLeased(*opts.Workers, b.clock, meta.Setup, b.teams, b.closed, func(text string) { b.note("", "game", text) }); err != nil {
		return nil, err
	}
	return b, nil
}

// madeTokens are the tokens a new game made, shown once at start: the
// board keeps only their public keys.
type madeTokens struct{ control, worker string }

func create(g NewGame) (*Meta, madeTokens, error) {
	if len(g.Teams) == 0 {
		return nil, madeTokens{}, errors.New("no game stored yet: give a teams file with --teams")
	}
	if err := g.Setup.Validate(); err != nil {
		return nil, madeTokens{}, err
	}
	for _, t := range g.Teams {
		if t.Cost == "" && g.DefaultCost == "" {
			return nil, madeTokens{}, fmt.Errorf("team %s has no cost and there is no default: give one on its line, or --cost-per-hour or --template for all", t.Name)
		}
	}
	templates := map[string][]byte{}
	store := func(spec string) (string, error) {
		if spec == "" {
			return "", nil
		}
		c, err := parseCost(spec)
		if c.Template != "" {
			templates[c.Template] = c.raw
		}
		return c.String(), err
	}
	teams := slices.Clone(g.Teams)
	for i := range teams {
		var err error
		if teams[i].Cost, err = store(teams[i].Cost); err != nil {
			return nil, madeTokens{}, fmt.Errorf("team %s: %w", teams[i].Name, err)
		}
	}
	defaultCost, err := store(g.DefaultCost)
	if err != nil {
		return nil, madeTokens{}, fmt.Errorf("default %w", err)
	}
	token, err := newToken()
	if err != nil {
		return nil, madeTokens{}, err
	}
	workerToken, err := newToken()
	if err != nil {
		return nil, madeTokens{}, err
	}
	state := Running
	if g.Paused {
		state = Paused
	}
	return &Meta{
		Setup:      g.Setup,
		ControlKey: PublicKey(token), WorkerKey: PublicKey(workerToken), Created: time.Now().UTC(), State: state,
		Teams: teams, DefaultCost: defaultCost, Templates: templates,
	}, madeTokens{token, workerToken}, nil
}

func (b *Board) addTeam(t Team) error {
	if err := b.checkEndpoint(t.Endpoint); err != nil {
		return fmt.Errorf("team %s: %w", t.Name, err)
	}
	u, err := url.Parse(t.Endpoint)
	if err != nil {
		return fmt.Errorf("team %s: endpoint %q: %w", t.Name, t.Endpoint, err)
	}
	spec := t.Cost
	if spec == "" {
		spec = b.meta.DefaultCost
	}
	cost, err := b.storedCost(spec)
	if err != nil {
		return fmt.Errorf("team %s: %w", t.Name, err)
	}
	if cost.Live && b.live == nil {
		return fmt.Errorf("team %s: a live bill needs AWS access: run gameday board with AWS credentials (the board reads each team's account through its role)", t.Name)
	}
	tm := &team{name: t.Name, cost: cost, pricing: pricing{raw: cost.raw}, key: []byte(t.AnswerKey)}
	tm.target.Store(u)
	b.teams = append(b.teams, tm)
	b.byName[t.Name] = tm
	return nil
}

// checkEndpoint accepts a team's endpoint (teamsfile.CheckEndpoint) and,
// on a board others reach, none on its own machine.
func (b *Board) checkEndpoint(endpoint string) error {
	if err := teamsfile.CheckEndpoint(endpoint); err != nil {
		return err
	}
	if b.remoteOnly && teamsfile.OnThisMachine(endpoint) {
		return fmt.Errorf("endpoint %q is on the board's own machine: a board listening beyond loopback plays only other machines' endpoints (listen on 127.0.0.1 to play endpoints here)", endpoint)
	}
	return nil
}

// storedCost is a stored cost: a price, or a template whose contents the
// game holds.
func (b *Board) storedCost(spec string) (costSource, error) {
	if raw, ok := b.meta.Templates[spec]; ok {
		return costSource{Cost: teamsfile.Cost{Template: spec}, raw: raw}, nil
	}
	return parseCost(spec) // a price, or a game stored before templates were
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

// Token is the control token this board made for a new game, to show
// once; empty when it was given, or made when the game began (the board
// keeps only its public key).
func (b *Board) Token() string { return b.made.control }

// WorkerToken is the workers' token, likewise.
func (b *Board) WorkerToken() string { return b.made.worker }

// newToken is 16 random bytes in hex.
func newToken() (string, error) {
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return "", fmt.Errorf("making a token: %w", err)
	}
	return hex.EncodeToString(token), nil
}

// Resumed says the game came from the database rather than a teams file.
func (b *Board) Resumed() bool { return b.resumed }

// Minute is how many minutes are stored.
func (b *Board) Minute() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}
