// Package api is the hash service's contract: the answer it computes, the
// names and limits of its input, and how much work one process can take.
// The service, the CDK app (scaling targets, cache keys) and the game engine
// (answer verification) all import it, so none of them keeps a second copy.
package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
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

// Hash is the answer to input: the lowercase hexadecimal SHA-256 of the
// input's UTF-8 bytes, followed by one newline. It is the whole response body
// of a 200, byte for byte, so a client can verify any answer, cached or not.
func Hash(input string) string {
	sum := sha256.Sum256([]byte(input))
	return hex.EncodeToString(sum[:]) + "\n"
}

// ETag is the validator sent with an answer: the first 128 bits of the hash,
// quoted. It depends only on the input, like the body.
func ETag(input string) string {
	sum := sha256.Sum256([]byte(input))
	return `"` + hex.EncodeToString(sum[:16]) + `"`
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
