package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strings"
	"testing"
	"time"
)

func TestAnswerKnownVectors(t *testing.T) {
	// Published HMAC-SHA256 test vectors (RFC 4231, test cases 2 and 6),
	// so the documented function is pinned to something outside this code.
	largeKey := bytes.Repeat([]byte{0xaa}, 131)
	cases := []struct {
		key   []byte
		input string
		want  string
	}{
		{[]byte("Jefe"), "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843\n"},
		{largeKey, "Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54\n"},
	}
	for _, c := range cases {
		if got := Answer(c.key, c.input); got != c.want {
			t.Errorf("Answer(%q) = %q, want %q", c.input, got, c.want)
		}
	}
}

func TestAnAnswerIsNotTheInputsPlainHash(t *testing.T) {
	key := bytes.Repeat([]byte("k"), MinKeyBytes)
	sum := sha256.Sum256([]byte("unicorn"))
	if plain := hex.EncodeToString(sum[:]) + "\n"; Answer(key, "unicorn") == plain {
		t.Fatal("the answer is the input's SHA-256: anyone could compute it")
	}
	if Answer(key, "unicorn") == Answer(key, "unicorn ") {
		t.Fatal("different inputs gave the same answer")
	}
	other := bytes.Repeat([]byte("j"), MinKeyBytes)
	if Answer(key, "unicorn") == Answer(other, "unicorn") {
		t.Fatal("different keys gave the same answer")
	}
}

func TestAShortKeyIsRefused(t *testing.T) {
	if err := CheckKey(make([]byte, MinKeyBytes-1)); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Fatalf("a 31-byte key: %v", err)
	}
	if err := CheckKey(make([]byte, MinKeyBytes)); err != nil {
		t.Fatal(err)
	}
}

func TestETagIsQuotedPrefixOfAnswer(t *testing.T) {
	got := ETag([]byte("Jefe"), "what do ya want for nothing?")
	if got != `"5bdcc146bf60754e6a042426089575c7"` {
		t.Fatalf("ETag = %s", got)
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
