package board

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

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
	billCtx, stopBills := context.WithCancel(ctx)
	defer stopBills()
	go b.followBills(billCtx)
	go b.followQuests(billCtx)

	defer b.src.stop()
	b.src.start(b.clock.Start())

	// Score often enough that each minute is closed soon after it ends.
	tick := min(max(b.meta.RealTime(time.Minute)/4, 10*time.Millisecond), 250*time.Millisecond)
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			b.src.stop()
			return b.flushPending()
		case <-ticker.C:
		}
		b.src.tick(time.Now())
		g, state := b.clock.Now()
		if err := b.flushPending(); err != nil {
			continue // still failing: the game is paused, try again next tick
		}
		if state != Paused {
			b.fireEvents(ctx, g)
		}
		// The last minute is scored by finish, once the answers still in
		// flight at the end have landed in it.
		for b.Minute() < min(int(g/time.Minute), b.minutes-1) && b.src.ready(b.Minute(), time.Now()) {
			b.score(b.Minute(), time.Minute)
			if b.flushPending() != nil {
				break
			}
			b.applyProposals()
		}
		if state == Ended || g >= b.meta.Scenario.Length() {
			return b.finish(ctx)
		}
	}
}

// finish waits for the answers still in flight and scores the rest.
func (b *Board) finish(ctx context.Context) error {
	b.mu.Lock()
	wasOver := b.meta.State == Ended
	b.mu.Unlock()
	b.clock.Set(Ended)
	played, _ := b.clock.Now()
	if !b.src.drain(ctx) {
		return b.flushPending()
	}
	scored := false
	for m := b.Minute(); m < b.minutes && time.Duration(m)*time.Minute < played; m = b.Minute() {
		for !b.src.ready(m, time.Now()) {
			select {
			case <-time.After(20 * time.Millisecond):
			case <-ctx.Done():
				return b.flushPending()
			}
		}
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
