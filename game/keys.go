package game

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"time"
)

// KeyOf is the key rank request n of the game asks about: a Zipf draw over
// the key space of the phase the request is due in, so a few inputs come
// back often and most rarely; 0 is the most popular. A game compressed
// speed times sends one in speed of the day's requests, over a key space
// speed times smaller (Phase.KeysAt), so each input comes back as often as
// on the real day and a cache hits as often. It depends only on
// the game's Setup and n, so every team, `gameday play`,
// `gameday board` and the local game ask the same questions in the same
// order, and a game resumed after a crash asks what it would have asked.
func (s Setup) KeyOf(n uint64) int {
	phase, _, _ := s.Scenario.At(s.Scenario.DueAt(n, s.Speed))
	keys := phase.KeysAt(s.Speed)
	if keys <= 1 {
		return 0
	}
	rng := rand.New(rand.NewPCG(s.Seed, n))
	return int(rand.NewZipf(rng, s.Scenario.Skew, 1, uint64(keys-1)).Uint64())
}

// KeysAt is the phase's key space in a game played at speed: Keys at
// speed 1, speed times fewer when compressed, at least 1.
func (p Phase) KeysAt(speed float64) int {
	if speed <= 1 {
		return p.Keys
	}
	return max(1, int(math.Round(float64(p.Keys)/speed)))
}

// Input is the query value for a key's rank in this game: "unicorn-" and
// 16 hex digits of the SHA-256 of the game's seed and the rank. Two seeds
// ask different inputs with the same popularity curve, so the cache lessons
// stay, and a team that has not the seed cannot list the inputs to warm a
// cache with (2^64 seeds to try): a new game draws its seed at random.
func (s Setup) Input(rank int) string {
	var b [len(inputDomain) + 16]byte
	n := copy(b[:], inputDomain)
	binary.BigEndian.PutUint64(b[n:], s.Seed)
	binary.BigEndian.PutUint64(b[n+8:], uint64(rank))
	sum := sha256.Sum256(b[:])
	return "unicorn-" + hex.EncodeToString(sum[:8])
}

// inputDomain keeps the inputs' hashes apart from any other use of the
// seed.
const inputDomain = "gameday/v1/input"

// BestHitRatios is, for each game minute, the share of its requests whose
// input an earlier request of the game already asked: the hit ratio of a
// perfect cache in front of the service. The same questions go to every
// team, so it is the same for all, and no team's answers change it: the
// board prices a template's cache with it, never with a header a team's
// endpoint sets.
func (s Setup) BestHitRatios() []float64 {
	minutes := s.Minutes()
	sent, repeats := make([]float64, minutes), make([]float64, minutes)
	seen := map[int]bool{}
	for n := range s.Requests() {
		m := min(int(s.Scenario.DueAt(n, s.Speed)/time.Minute), minutes-1)
		k := s.KeyOf(n)
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
