package game

import (
	"math/rand/v2"
	"strconv"
	"sync"
)

// Keys draws the inputs customers ask about: a Zipf distribution over the
// key space in force, so a few inputs come back often and most rarely. The
// same seed gives the same sequence, so every team can be sent the same
// questions.
type Keys struct {
	mu    sync.Mutex
	rng   *rand.Rand
	skew  float64
	zipfs map[int]*rand.Zipf
}

// NewKeys returns a key source with a Zipf exponent skew (> 1).
func NewKeys(seed uint64, skew float64) *Keys {
	return &Keys{rng: rand.New(rand.NewPCG(seed, 0x756e69636f726e)), skew: skew, zipfs: map[int]*rand.Zipf{}}
}

// Next draws an input among the first n keys.
func (k *Keys) Next(n int) string {
	return Input(k.NextRank(n))
}

// NextRank draws a key's rank among the first n: 0 is the most popular.
func (k *Keys) NextRank(n int) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	z, ok := k.zipfs[n]
	if !ok {
		z = rand.NewZipf(k.rng, k.skew, 1, uint64(n-1))
		k.zipfs[n] = z
	}
	return int(z.Uint64())
}

// Input is the query value for a key's rank.
func Input(rank int) string { return "unicorn-" + strconv.Itoa(rank) }
