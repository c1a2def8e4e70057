package board

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Worker plays the teams a board leases it and reports each of their
// minutes to the board, which scores them: the board's load, shared among
// machines. Workers hold no state worth keeping: one that dies is
// replaced, and its teams go to another when its lease runs out.
type Worker struct {
	// Board is the board's address, such as http://board.internal:8080.
	Board string
	// Token is the workers' token (not the control token).
	Token string
	// ID names the worker on the board; default the host name and the
	// process ID.
	ID string
	// Client talks to the board; default a client with a 10 s timeout.
	Client *http.Client
	// Log gets what the worker does; default discards.
	Log *slog.Logger
	// ExitWhenOver returns from Run once the game is over and every
	// minute reported; otherwise the worker waits for the next game.
	ExitWhenOver bool
}

// workerGame is one board run as a worker plays it.
type workerGame struct {
	run     string
	player  *player
	playing map[string]*leasedTeam
	queue   []MinuteReport // scored minutes the board has not yet answered
}

// leasedTeam is a team this worker plays.
type leasedTeam struct {
	*playedTeam
	target atomic.Pointer[url.URL]
	stop   chan struct{}
}

// Run leases teams and plays them until ctx is done.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.defaults(); err != nil {
		return err
	}
	var g *workerGame
	defer func() { g.stopAll() }()
	renew := time.NewTimer(0)
	defer renew.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-renew.C:
			l, err := w.lease(ctx)
			if errors.Is(err, errBadToken) {
				return err
			}
			if err != nil {
				if !failing {
					w.Log.Warn("cannot reach the board: the teams play on; trying again", "err", err)
				}
				failing = true
				renew.Reset(time.Second)
				continue
			}
			if failing {
				w.Log.Info("board reached again")
			}
			failing = false
			g = w.apply(g, l)
			renew.Reset(max(time.Duration(l.Renew), 10*time.Millisecond))
		case <-tick.C:
			if g == nil {
				continue
			}
			over := g.closeMinutes()
			if err := w.flush(ctx, g); errors.Is(err, errBadToken) {
				return err
			} else if err != nil {
				continue
			}
			if over && w.ExitWhenOver && len(g.queue) == 0 {
				w.Log.Info("game over: every minute reported")
				return nil
			}
		}
	}
}

func (w *Worker) defaults() error {
	u, err := url.Parse(w.Board)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("board %q: want the board's http:// or https:// address", w.Board)
	}
	w.Board = strings.TrimSuffix(w.Board, "/")
	if w.Token == "" {
		return fmt.Errorf("no worker token: set GAMEDAY_WORKER_TOKEN to the workers' token the board printed, or its secret")
	}
	if w.ID == "" {
		host, _ := os.Hostname()
		w.ID = fmt.Sprintf("%s-%d", cmp.Or(host, "worker"), os.Getpid())
	}
	if err := checkWorkerID(w.ID); err != nil {
		return err
	}
	if w.Client == nil {
		w.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// apply takes the board's answer: a new board run starts afresh, the
// clock follows the board's, new teams start, teams no longer leased stop.
func (w *Worker) apply(g *workerGame, l Lease) *workerGame {
	if g == nil || g.run != l.Run {
		if g != nil {
			w.Log.Warn("the board restarted: playing afresh from its minute", "game_time", time.Duration(l.GameTime))
			g.stopAll()
		}
		p := newPlayer(newClock(l.Speed, l.Scenario.Length(), time.Duration(l.GameTime), l.State), l.Setup)
		g = &workerGame{run: l.Run, player: p, playing: map[string]*leasedTeam{}}
	} else {
		g.player.clock.Sync(time.Duration(l.GameTime), l.State)
	}
	leased := map[string]bool{}
	for _, lt := range l.Teams {
		leased[lt.Name] = true
		u, err := url.Parse(lt.Endpoint)
		if err != nil {
			w.Log.Error("the board leased a team with a bad endpoint", "team", lt.Name, "endpoint", lt.Endpoint)
			continue
		}
		if pt, ok := g.playing[lt.Name]; ok {
			pt.target.Store(u)
			continue
		}
		from := time.Duration(lt.From)
		pt := &leasedTeam{stop: make(chan struct{})}
		pt.target.Store(u)
		pt.playedTeam = newPlayedTeam(lt.Name, []byte(lt.AnswerKey), &pt.target, int(from/time.Minute))
		g.playing[lt.Name] = pt
		g.player.attack(pt.playedTeam, from, pt.stop)
		w.Log.Info("playing a team", "team", lt.Name, "from", from)
	}
	for name, pt := range g.playing {
		if !leased[name] {
			w.Log.Warn("team no longer leased to this worker: stopped", "team", name)
			pt.leave()
			delete(g.playing, name)
			g.queue = slices.DeleteFunc(g.queue, func(r MinuteReport) bool { return r.Team == name })
		}
	}
	return g
}

func (pt *leasedTeam) leave() {
	close(pt.stop)
	pt.halt()
}

func (g *workerGame) stopAll() {
	if g == nil {
		return
	}
	for _, pt := range g.playing {
		pt.leave()
	}
}

// closeMinutes queues every minute the clock has passed; once the game is
// over and a team's last answers are in, its last minutes too. It says
// whether every team is over.
func (g *workerGame) closeMinutes() bool {
	now, state := g.player.clock.Now()
	last := min(int(now/time.Minute), g.player.minutes-1) // the minute being played
	over := state == Ended
	for _, t := range g.playing {
		upTo := last // minutes below it are over
		if state == Ended {
			select {
			case <-t.done:
				upTo = last + 1
			default:
			}
		}
		for m := t.closedBelow; m < upTo; m++ {
			g.queue = append(g.queue, MinuteReport{Team: t.name, Minute: m, Scored: t.take(m)})
		}
		over = over && upTo > last
	}
	return over
}

// flush sends the queued minutes; what the board could not be asked is
// sent again at the next tick.
func (w *Worker) flush(ctx context.Context, g *workerGame) error {
	if len(g.queue) == 0 {
		return nil
	}
	var a ReportsAnswer
	err := w.call(ctx, "/api/workers/minutes", Reports{Worker: w.ID, Minutes: g.queue}, &a)
	var refused *callError
	if errors.As(err, &refused) && refused.status == http.StatusUnprocessableEntity && json.Unmarshal(refused.raw, &a) == nil {
		err = nil // the board kept the rest: what it refused is not sent again
	}
	if err != nil {
		return err
	}
	for _, why := range a.Refused {
		w.Log.Warn("the board refused a minute", "why", why)
	}
	g.queue = nil
	return nil
}

func (w *Worker) lease(ctx context.Context) (Lease, error) {
	var l Lease
	err := w.call(ctx, "/api/workers/lease", map[string]string{"worker": w.ID}, &l)
	return l, err
}

// callError is the board's answer other than 200 OK.
type callError struct {
	path   string
	status int
	text   string
	raw    []byte
}

func (e *callError) Error() string {
	return fmt.Sprintf("%s: %d %s: %s", e.path, e.status, http.StatusText(e.status), e.text)
}

// errBadToken ends a worker the board does not know: retrying would only
// look healthy.
var errBadToken = errors.New("the board refused this worker's token: set GAMEDAY_WORKER_TOKEN to the workers' token (the board prints it; in AWS, the facilitator stack's WorkerTokenSecretArn secret) and start the worker again")

// call posts body to the board and decodes its answer into out.
func (w *Worker) call(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.Board+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := Sign(req, w.Token, time.Now()); err != nil {
		return err
	}
	resp, err := w.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return errBadToken
	}
	if resp.StatusCode != http.StatusOK {
		var e apiError
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(raw, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(raw[:min(len(raw), 4096)]))
		}
		return &callError{path: path, status: resp.StatusCode, text: e.Error, raw: raw}
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
