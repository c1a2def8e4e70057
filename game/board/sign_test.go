package board

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkSignAndCheck is one signed call's cost: the signing and the
// board's check (key derivation, Ed25519, the body's hash, the nonce).
func BenchmarkSignAndCheck(b *testing.B) {
	v := verifier{now: time.Now}
	key := PublicKey("a-token-of-at-least-16")
	body := strings.Repeat(`{"team":"team-01","minute":1}`, 100)
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, "http://board/api/workers/minutes", strings.NewReader(body))
		if err := Sign(req, "a-token-of-at-least-16", time.Now()); err != nil {
			b.Fatal(err)
		}
		if err := v.check(req, key); err != nil {
			b.Fatal(err)
		}
	}
}
