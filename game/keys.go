package game

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// KeyOf is the key rank request n of a game asks about: a Zipf draw over
// the key space of the phase the request is due in, so a few inputs come
// back often and most rarely; 0 is the most popular. A game compressed
// speed times sends one in speed of the day's requests, over a key space
// speed times smaller (Phase.KeysAt), so each input comes back as often as
// on the real day and a cache hits as often. It depends only on
// the scenario, speed, seed and n, so every team, `gameday play`,
// `gameday board` and the local game ask the same questions in the same
// order, and a game resumed after a crash asks what it would have asked.
func KeyOf(sc Scenario, speed float64, seed, n uint64) int {
	phase, _, _ := sc.At(sc.DueAt(n, speed))
	keys := phase.KeysAt(speed)
	if keys <= 1 {
		return 0
	}
	rng := rand.New(rand.NewPCG(seed, n))
	return int(rand.NewZipf(rng, sc.Skew, 1, uint64(keys-1)).Uint64())
}

// KeysAt is the phase's key space in a game played at speed: Keys at
// speed 1, speed times fewer when compressed, at least 1.
func (p Phase) KeysAt(speed float64) int {
	if speed <= 1 {
		return p.Keys
	}
	return max(1, int(math.Round(float64(p.Keys)/speed)))
}

// Input is the query value for a key's rank.
func Input(rank int) string { return "unicorn-" + strconv.Itoa(rank) }

// BestHitRatios is, for each game minute, the share of its requests whose
// input an earlier request of the game already asked: the hit ratio of a
// perfect cache in front of the service. The same questions go to every
// team, so it is the same for all, and no team's answers change it: the
// board prices a template's cache with it, never with a header a team's
// endpoint sets.
func BestHitRatios(sc Scenario, speed float64, seed uint64) []float64 {
	minutes := int(math.Ceil(sc.Length().Minutes()))
	sent, repeats := make([]float64, minutes), make([]float64, minutes)
	seen := map[int]bool{}
	total := sc.Requests(speed)
	for n := range total {
		m := min(int(sc.DueAt(n, speed)/time.Minute), minutes-1)
		k := KeyOf(sc, speed, seed, n)
		sent[m]++
		if seen[k] {
			repeats[m]++
		}
		seen[k] = true
	}
	out := make([]float64, minutes)
	for m := range out {
		if sent[m] > 0 {
			out[m] = repeats[m] / sent[m]
		}
	}
	return out
}
