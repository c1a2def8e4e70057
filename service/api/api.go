// Package api is the hash service's contract: the answer it computes, the
// names and limits of its input, and how much work one process can take.
// The service, the CDK app (scaling targets, cache keys) and the game engine
// (answer verification) all import it, so none of them keeps a second copy.
package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"
)

const (
	// Param is the one query-string parameter the service reads. CloudFront's
	// cache key must contain it and nothing else.
	Param = "input"

	// MaxInputBytes is the longest input accepted, in bytes after
	// percent-decoding. Longer inputs are refused with 400.
	MaxInputBytes = 256

	// CacheControlOK is sent with every 200. An answer never changes for a
	// given input, so caches may keep it for a year (CloudFront's default
	// maximum TTL) without asking again.
	CacheControlOK = "public, max-age=31536000, immutable"

	// CacheControlError is sent with every error, so no cache serves a
	// transient failure to the next customer.
	CacheControlError = "no-store"

	// The service's defaults, shared with the CDK app so the settings it
	// deploys and the scaling target it derives start from the same numbers.
	DefaultPort         = 8080
	DefaultWork         = 4 * time.Second
	DefaultConcurrency  = 1
	DefaultMaxWait      = 20 * time.Second
	DefaultDrainTimeout = 25 * time.Second

	// HealthPath answers at once; load balancers and the container health
	// check use it. ReadyPath turns 503 while the process drains.
	HealthPath = "/healthz"
	ReadyPath  = "/readyz"
)

// MaxConcurrency is the most slots one process accepts.
const MaxConcurrency = 10000

// MinDrainTimeout is the shortest drain that lets every admitted request
// finish: one admitted just before shutdown may wait maxWait, then work.
func MinDrainTimeout(work, maxWait time.Duration) time.Duration {
	return maxWait + work
}

// MinKeyBytes is the shortest answer key the service and the game take:
// 32 bytes, as many as the HMAC's SHA-256 output, so the key is no weaker
// than the hash (RFC 2104, section 3).
const MinKeyBytes = 32

// CheckKey accepts an answer key of at least MinKeyBytes bytes.
func CheckKey(key []byte) error {
	if len(key) < MinKeyBytes {
		return fmt.Errorf("the answer key has %d bytes: want at least %d (the game stack's AnswerKey secret, or a local game's own)", len(key), MinKeyBytes)
	}
	return nil
}

// ErrNoKey is ReadKey's error when neither the file nor the value holds
// a key.
var ErrNoKey = errors.New("no answer key")

// ReadKey is the answer key in the file at path, else value (as
// ANSWER_KEY gives it), its trailing line break dropped, accepted by
// CheckKey: how the service and the game's commands read a key alike.
func ReadKey(path, value string) ([]byte, error) {
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		value = string(raw)
	}
	key := []byte(strings.TrimRight(value, "\r\n"))
	if len(key) == 0 {
		return nil, ErrNoKey
	}
	return key, CheckKey(key)
}

// Answer is the answer to input under the game's key: the lowercase
// hexadecimal HMAC-SHA256 of the input's UTF-8 bytes, followed by one
// newline. It is the whole response body of a 200, byte for byte, so
// whoever holds the key (the service and the scoreboard) can verify any
// answer, cached or not, and nobody without it can compute one.
func Answer(key []byte, input string) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return hex.EncodeToString(mac.Sum(nil)) + "\n"
}

// ETag is the validator sent with an answer: its first 128 bits, quoted.
// It depends only on the key and the input, like the body.
func ETag(key []byte, input string) string {
	return `"` + Answer(key, input)[:32] + `"`
}

// Capacity is how many requests per minute one process can finish when it
// is kept busy: concurrency slots, each held for work per request. It is the
// ceiling a scaling target must stay below. A zero work time has no ceiling
// and returns +Inf.
func Capacity(work time.Duration, concurrency int) float64 {
	if work <= 0 {
		return math.Inf(1)
	}
	return float64(concurrency) * float64(time.Minute) / float64(work)
}

// ExpectedWait is how long a new request waits for a slot when ahead of it
// are inSystem requests (in service or waiting) and each holds one of
// concurrency slots for work: every full round of slots ahead costs one work.
func ExpectedWait(inSystem, concurrency int, work time.Duration) time.Duration {
	if concurrency < 1 {
		panic(fmt.Sprintf("api.ExpectedWait: concurrency %d < 1", concurrency))
	}
	return time.Duration(inSystem/concurrency) * work
}
