package board

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/unicorn-rentals/gameday/game"
)

// BenchmarkStoreMinute stores one game minute for 20 teams, synced to disk
// as the board does, and reports the file's size after a four-hour game.
func BenchmarkStoreMinute(b *testing.B) {
	path := filepath.Join(b.TempDir(), "game.db")
	store, err := OpenStore(path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	rows := make([]Minute, 20)
	for i := range rows {
		rows[i] = Minute{Team: fmt.Sprintf("team-%02d", i+1), Endpoint: "https://d111111abcdef8.cloudfront.net/", Scored: game.Scored{Tally: game.Tally{Answers: 4800, OK: 4790, Failed: 10,
			Hits: 3600, Misses: 1190}, P50ms: 12.5, P99ms: 480.25, Points: 40000, Penalty: 50}, PerSecond: 80, Cost: 3.1, CostPerHour: 0.18, Score: 123456.7}
	}
	b.ResetTimer()
	for n := range b.N {
		for i := range rows {
			rows[i].Minute = n % 240
		}
		if err := store.Write(nil, rows, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if b.N >= 240 {
		info, _ := os.Stat(path)
		b.ReportMetric(float64(info.Size())/1e6, "MB-for-4h")
	}
}
