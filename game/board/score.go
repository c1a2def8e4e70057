package board

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// score closes minute m for every team, played being how much of it the
// game lasted, and queues it to be stored.
func (b *Board) score(m int, played time.Duration) {
	b.mu.Lock()
	due := b.pending == nil && m == b.closed
	b.mu.Unlock()
	if !due {
		return
	}
	closed := b.src.take(m) // only this goroutine scores: m stays due
	b.mu.Lock()
	defer b.mu.Unlock()
	p := &batch{minute: m}
	now := time.Now().UTC()
	for i, t := range b.teams {
		row := Minute{Team: t.name, Minute: m, Endpoint: t.target.Load().String(), Chaos: t.chaosNow(), Scored: closed[i].scored, Missing: closed[i].missing, Closed: now}
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

// calmMinutes is how many minutes in a row a failing team must stay
// under 2 % errors to be announced as recovered: one quiet minute of a
// team that fails a fifth of its requests is luck, not a fix.
const calmMinutes = 3

// spike notices a team's errors starting and stopping, once each: at
// 10 % a team is failing, and it has recovered after calmMinutes under
// 2 %.
func spike(t *team, row Minute) (string, bool) {
	if row.Answers < 5 {
		return "", false
	}
	rate := float64(row.Failed) / float64(row.Answers)
	switch {
	case !t.spiking && rate >= 0.1:
		t.spiking, t.calm = true, 0
		return fmt.Sprintf("%s is failing %.0f%% of requests", t.name, rate*100), true
	case t.spiking && rate < 0.02:
		if t.calm++; t.calm >= calmMinutes {
			t.spiking = false
			return fmt.Sprintf("%s has recovered: under 2%% errors for %d minutes", t.name, calmMinutes), true
		}
	case t.spiking:
		t.calm = 0
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
			fix := "fix the disk and resume"
			var notANumber *json.UnsupportedValueError
			if errors.As(err, &notANumber) {
				fix = "a score is not a number, which the board's checks should have refused: report it with the board's log"
			}
			b.log.Error("cannot store the scores: game paused; "+fix, "err", err)
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
