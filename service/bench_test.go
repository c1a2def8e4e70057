package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/unicorn-rentals/gameday/service/api"
)

// The benchmarks run with WORK=0 so they measure the service's own cost:
// validation, admission, hashing and logging, against a bare handler that
// writes the same answer and nothing else.

func fullHandler() http.Handler {
	return NewServer(fastConfig(), slog.New(slog.NewJSONHandler(io.Discard, nil)), &atomic.Bool{})
}

var bareHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, api.Answer(testKey, "bench"))
})

func benchInProcess(b *testing.B, h http.Handler) {
	b.ReportAllocs()
	r := httptest.NewRequest(http.MethodGet, "/?input=bench", nil)
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}

func BenchmarkHandlerFull(b *testing.B) { benchInProcess(b, fullHandler()) }
func BenchmarkHandlerBare(b *testing.B) { benchInProcess(b, bareHandler) }

// benchLoopback serves h on 127.0.0.1 and drives it with keep-alive clients
// in parallel: throughput as a client sees it.
func benchLoopback(b *testing.B, h http.Handler) {
	url, stop := serveLoopback(b, h)
	defer stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(url)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

func BenchmarkLoopbackFull(b *testing.B) { benchLoopback(b, fullHandler()) }
func BenchmarkLoopbackBare(b *testing.B) { benchLoopback(b, bareHandler) }

// BenchmarkWrkServiceAgainstBare measures, with wrk (Debian's package, make
// bench-service installs it), the requests a second the service answers at
// WORK=0, logging as main does to a file like a container's stdout, against
// a bare net/http server of the same routes with no logging; it reports
// both and their ratio. Run it once:
//
//	go test -run '^$' -bench WrkServiceAgainstBare -benchtime 1x .
func BenchmarkWrkServiceAgainstBare(b *testing.B) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Fatal("wrk is not installed: make bench-service installs it (apt-get install wrk)")
	}
	logs, err := os.Create(filepath.Join(b.TempDir(), "stdout.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer logs.Close()
	logger, flush := newLogger(logs)
	defer flush()
	full := NewServer(fastConfig(), logger, &atomic.Bool{})
	bareMux := http.NewServeMux()
	addRoutes(bareMux, fastConfig(), newPool(1, 0, DefaultConfig().MaxWait), &atomic.Bool{}, func() float64 { return 1 })
	for b.Loop() {
		// Alternated, best of two each: the machine's noise is one-sided.
		var fullRate, bareRate float64
		for range 2 {
			fullRate = max(fullRate, wrkRate(b, wrk, full))
			bareRate = max(bareRate, wrkRate(b, wrk, bareMux))
		}
		b.ReportMetric(fullRate, "service-req/s")
		b.ReportMetric(bareRate, "bare-req/s")
		b.ReportMetric(fullRate/bareRate, "ratio")
	}
}

var requestsPerSec = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

func wrkRate(b *testing.B, wrk string, h http.Handler) float64 {
	url, stop := serveLoopback(b, h)
	defer stop()
	seconds := "3"
	if v := os.Getenv("GAMEDAY_BENCH_SECONDS"); v != "" {
		seconds = v
	}
	out, err := exec.Command(wrk, "-t2", "-c64", "-d"+seconds+"s", url).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	m := requestsPerSec.FindSubmatch(out)
	if m == nil {
		b.Fatalf("wrk printed no rate:\n%s", out)
	}
	rate, _ := strconv.ParseFloat(string(m[1]), 64)
	return rate
}

// serveLoopback serves h on 127.0.0.1 and returns the URL of a hash request.
func serveLoopback(b *testing.B, h http.Handler) (url string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/?input=bench", func() { srv.Close() }
}
