package api

import (
	"math"
	"testing"
	"time"
)

func TestHashKnownVectors(t *testing.T) {
	// Published SHA-256 test vectors (FIPS 180-2), so the documented function
	// is pinned to something outside this code.
	cases := map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
	}
	for in, want := range cases {
		if got := Hash(in); got != want {
			t.Errorf("Hash(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHashDiffersByInput(t *testing.T) {
	if Hash("unicorn") == Hash("unicorn ") {
		t.Fatal("different inputs gave the same hash")
	}
}

func TestETagIsQuotedPrefixOfHash(t *testing.T) {
	got := ETag("abc")
	if got != `"ba7816bf8f01cfea414140de5dae2223"` {
		t.Fatalf("ETag(abc) = %s", got)
	}
}

func TestCapacity(t *testing.T) {
	cases := []struct {
		work        time.Duration
		concurrency int
		want        float64
	}{
		{4 * time.Second, 1, 15},
		{4 * time.Second, 2, 30},
		{500 * time.Millisecond, 1, 120},
	}
	for _, c := range cases {
		if got := Capacity(c.work, c.concurrency); got != c.want {
			t.Errorf("Capacity(%v, %d) = %v, want %v", c.work, c.concurrency, got, c.want)
		}
	}
	if !math.IsInf(Capacity(0, 1), 1) {
		t.Error("Capacity with no work should be unbounded")
	}
}

func TestExpectedWait(t *testing.T) {
	w := 4 * time.Second
	cases := []struct {
		inSystem, concurrency int
		want                  time.Duration
	}{
		{0, 1, 0},
		{1, 1, w},
		{5, 1, 5 * w},
		{1, 2, 0},
		{2, 2, w},
		{3, 2, w},
		{4, 2, 2 * w},
	}
	for _, c := range cases {
		if got := ExpectedWait(c.inSystem, c.concurrency, w); got != c.want {
			t.Errorf("ExpectedWait(%d, %d) = %v, want %v", c.inSystem, c.concurrency, got, c.want)
		}
	}
}
