package board

import (
	"fmt"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/unicorn-rentals/gameday/game"
)

// add scores one answer in the minute it completed in.
func (t *team) add(minute, minutes int, r *vegeta.Result, rules game.Rules) {
	t.mu.Lock()
	defer t.mu.Unlock()
	minute = min(max(minute, t.closedBelow), minutes-1)
	w, ok := t.open[minute]
	if !ok {
		w = game.NewWindow()
		t.open[minute] = w
	}
	w.Add(r, rules)
}

// take closes minute m of a team played here and returns its score.
func (t *team) take(m int) game.Scored {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.open[m]
	delete(t.open, m)
	t.closedBelow = m + 1
	if w == nil {
		return game.Scored{}
	}
	return w.Scored()
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
		row := Minute{Team: t.name, Minute: m, Endpoint: t.target.Load().String(), Chaos: t.chaosNow()}
		if b.workers == nil {
			row.Scored = t.take(m)
		} else {
			row.Scored, row.Missing = t.reported(m)
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
