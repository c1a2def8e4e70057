package board

import (
	"os"
	"time"

	"github.com/unicorn-rentals/gameday/game"
)

// costPerHour is the team's bill: a fixed price, or its template priced
// with the traffic of this minute. A cache is priced at the best hit ratio
// the minute's questions allow, the same for every team: never at what the
// team's X-Cache headers claim, which the team controls.
func (b *Board) costPerHour(t *team, row Minute) float64 {
	if t.cost.Live {
		if est, _, _, read := t.live.billed(); read {
			return est.Total
		}
		return b.defaultCostPerHour(row)
	}
	if t.cost.Template == "" {
		return t.cost.PerHour
	}
	hits := 0.0
	if row.Minute < len(b.bestHits) {
		hits = b.bestHits[row.Minute]
	}
	v, err := t.pricing.price(t.cost.Template, b.prices, game.Traffic{RPS: row.PerSecond, HitRatio: hits})
	if err != nil {
		b.log.Warn("cannot price the team's template: keeping its last cost", "team", t.name, "err", err)
	}
	return v
}

// defaultCostPerHour is the board's default cost for the minute: what a
// live team pays until its first bill is read.
func (b *Board) defaultCostPerHour(row Minute) float64 {
	cost, err := b.storedCost(b.meta.DefaultCost)
	switch {
	case b.meta.DefaultCost == "" || err != nil || cost.Live:
		return 0
	case cost.Template == "":
		return cost.PerHour
	}
	hits := 0.0
	if row.Minute < len(b.bestHits) {
		hits = b.bestHits[row.Minute]
	}
	if b.defaultPricing.raw == nil {
		b.defaultPricing = pricing{raw: cost.raw}
	}
	v, _ := b.defaultPricing.price(cost.Template, b.prices, game.Traffic{RPS: row.PerSecond, HitRatio: hits})
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
	if err != nil && p.raw != nil {
		return nil // the copy the game stored: it resumes where the file is not
	}
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

// statFile is a file's modification time.
func statFile(path string) (time.Time, error) {
	info, err := os.Stat(path)
	if err != nil {
		return time.Time{}, err
	}
	return info.ModTime(), nil
}
