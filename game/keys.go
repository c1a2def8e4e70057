package game

import (
	"math/rand/v2"
	"strconv"
)

// KeyOf is the key rank request n of a game asks about: a Zipf draw over
// the key space of the phase the request is due in, so a few inputs come
// back often and most rarely; 0 is the most popular. It depends only on
// the scenario, speed, seed and n, so every team, `gameday play`,
// `gameday board` and the local game ask the same questions in the same
// order, and a game resumed after a crash asks what it would have asked.
func KeyOf(sc Scenario, speed float64, seed, n uint64) int {
	phase, _, _ := sc.At(sc.DueAt(n, speed))
	if phase.Keys <= 1 {
		return 0
	}
	rng := rand.New(rand.NewPCG(seed, n))
	return int(rand.NewZipf(rng, sc.Skew, 1, uint64(phase.Keys-1)).Uint64())
}

// Input is the query value for a key's rank.
func Input(rank int) string { return "unicorn-" + strconv.Itoa(rank) }
