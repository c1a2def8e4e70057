package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/unicorn-rentals/gameday/service/api"
)

// NewServer returns the service's HTTP handler. draining turns readiness to
// 503 and refuses new work once set.
func NewServer(cfg Config, logger *slog.Logger, draining *atomic.Bool) http.Handler {
	random := cfg.random
	if random == nil {
		random = rand.Float64
	}
	mux := http.NewServeMux()
	addRoutes(mux, cfg, newPool(cfg.Concurrency, cfg.Work, cfg.MaxWait), draining, random)
	return logRequests(logger, limitHeaders(mux))
}

// maxHeaderBytes is the documented limit of a request's line and headers.
const maxHeaderBytes = 8 << 10

// limitHeaders answers 431 to a request whose line and headers, as sent,
// are over maxHeaderBytes. net/http's own cap (Server.MaxHeaderBytes)
// depends on how the bytes arrive and moved between Go releases (a 9 KiB
// header passed go1.27.3's and not go1.26.8's, both at the same setting):
// the service enforces its documented limit itself, the same on every
// release, and keeps net/http's as the cap on what it reads.
func limitHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headerBytes(r) > maxHeaderBytes {
			say(w, http.StatusRequestHeaderFieldsTooLarge, "request header fields too large: at most 8 KiB of request line and headers")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// headerBytes is the size of the request line and headers as HTTP/1.1
// writes them: "METHOD URI PROTO", "Host: host" and "Name: value", each
// line with its CRLF.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + 2 + len(v) + 2
		}
	}
	return n
}

func addRoutes(mux *http.ServeMux, cfg Config, p *pool, draining *atomic.Bool, random func() float64) {
	mux.Handle("/{$}", onlyGet(handleHash(cfg, p, draining, random)))
	mux.Handle(api.HealthPath, onlyGet(handleHealth()))
	mux.Handle(api.ReadyPath, onlyGet(handleReady(draining)))
	mux.Handle("/version", onlyGet(handleVersion()))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		say(w, http.StatusNotFound, "not found: the API is GET /?"+api.Param+"=VALUE")
	}))
}

// handleHash is the slow path: validate, wait in line, work, answer.
func handleHash(cfg Config, p *pool, draining *atomic.Bool, random func() float64) http.Handler {
	retryAfter := strconv.Itoa(max(1, int(math.Ceil(cfg.Work.Seconds()))))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		input, problem := inputOf(r.URL.RawQuery)
		if problem != "" {
			say(w, http.StatusBadRequest, problem)
			return
		}
		if draining.Load() {
			noteShed(r.Context())
			w.Header().Set("Retry-After", "1")
			say(w, http.StatusServiceUnavailable, "draining: this process is shutting down, retry")
			return
		}
		etag := api.ETag(cfg.Key, input)
		if r.Header.Get("If-None-Match") == etag {
			w.Header().Set("Cache-Control", api.CacheControlOK)
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		expected, ok := p.admit()
		if !ok {
			noteShed(r.Context())
			w.Header().Set("Retry-After", retryAfter)
			say(w, http.StatusServiceUnavailable, fmt.Sprintf("overloaded: expected wait %s is above MAX_WAIT %s, retry later", expected, cfg.MaxWait))
			return
		}
		waited, err := p.serve(r.Context())
		noteWait(r.Context(), waited)
		if err != nil {
			// The client went away; nobody reads an answer.
			w.WriteHeader(statusClientClosed)
			return
		}
		if cfg.ErrorRate > 0 && random() < cfg.ErrorRate {
			say(w, http.StatusInternalServerError, "internal error")
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", api.CacheControlOK)
		h.Set("ETag", etag)
		_, _ = w.Write([]byte(api.Answer(cfg.Key, input)))
	})
}

// inputOf returns the input parameter, or a message naming what is wrong.
func inputOf(rawQuery string) (input, problem string) {
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", "malformed query string: " + err.Error()
	}
	values := query[api.Param]
	switch {
	case len(values) == 0 || (len(values) == 1 && values[0] == ""):
		return "", "missing " + api.Param + ": send GET /?" + api.Param + "=VALUE"
	case len(values) > 1:
		return "", fmt.Sprintf("%s given %d times: send it once", api.Param, len(values))
	case len(values[0]) > api.MaxInputBytes:
		return "", fmt.Sprintf("%s is %d bytes: the limit is %d", api.Param, len(values[0]), api.MaxInputBytes)
	case !utf8.ValidString(values[0]):
		return "", api.Param + " is not valid UTF-8"
	}
	return values[0], ""
}

func handleHealth() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		say(w, http.StatusOK, "ok")
	})
}

func handleReady(draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			say(w, http.StatusServiceUnavailable, "draining")
			return
		}
		say(w, http.StatusOK, "ready")
	})
}

func handleVersion() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		say(w, http.StatusOK, buildVersion())
	})
}

// onlyGet answers any method but GET and HEAD with 405 and Allow.
func onlyGet(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			say(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// say writes a short plain-text message that no cache keeps: every answer
// but a 200 goes through here, so no error is ever cached.
func say(w http.ResponseWriter, status int, message string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", api.CacheControlError)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(message + "\n"))
}

// statusClientClosed is logged when the client left before its answer
// (nginx's convention; never seen by a client).
const statusClientClosed = 499

type requestNotes struct {
	waited time.Duration
	shed   bool // refused at once: overloaded or draining
}

type notesKey struct{}

func noteWait(ctx context.Context, waited time.Duration) {
	if n, ok := ctx.Value(notesKey{}).(*requestNotes); ok {
		n.waited = waited
	}
}

func noteShed(ctx context.Context) {
	if n, ok := ctx.Value(notesKey{}).(*requestNotes); ok {
		n.shed = true
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(status int) {
	if s.status == 0 {
		s.status = status
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// logRequests writes one JSON line per request served: status, duration,
// and the time spent waiting in line for a slot. Shed requests, refused at
// once, are counted instead, in one line a second at most: under a flood a
// line each would cost more than the work (and, on CloudWatch Logs at $0.50
// a GB ingested, more than the task).
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	shed := &shedCounter{logger: logger, every: time.Second}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		notes := &requestNotes{}
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), notesKey{}, notes)))
		if notes.shed {
			shed.add(r.Context(), start)
			return
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			slog.Float64("wait_ms", float64(notes.waited.Microseconds())/1000),
		)
	})
}

// shedCounter logs how many requests were shed, at most once every
// interval: the line written when a shed request arrives an interval or
// more after the last line counts every one since.
type shedCounter struct {
	logger *slog.Logger
	every  time.Duration
	mu     sync.Mutex
	count  int
	last   time.Time
}

func (c *shedCounter) add(ctx context.Context, now time.Time) {
	c.mu.Lock()
	c.count++
	if now.Sub(c.last) < c.every {
		c.mu.Unlock()
		return
	}
	n, since := c.count, c.last
	c.count, c.last = 0, now
	c.mu.Unlock()
	attrs := []slog.Attr{slog.Int("status", http.StatusServiceUnavailable), slog.Int("count", n)}
	if !since.IsZero() {
		attrs = append(attrs, slog.Float64("over_s", now.Sub(since).Seconds()))
	}
	c.logger.LogAttrs(ctx, slog.LevelInfo, "shed", attrs...)
}
