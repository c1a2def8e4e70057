package game

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// BenchmarkEngineRate plays one steady phase against a fast in-process
// endpoint and reports the answers per second the engine sustained, its
// latency figures and the CPU the whole process used. The rate comes from
// GAMEDAY_BENCH_RATE (default 10000), how long it plays from
// GAMEDAY_BENCH_SECONDS (default 10); GAMEDAY_BENCH_TLS=1 serves HTTPS, as
// CloudFront does, so the figure includes TLS. Run it once:
//
//	go test -run ^$ -bench EngineRate -benchtime 1x ./game
func BenchmarkEngineRate(b *testing.B) {
	rate := 10000.0
	if v, err := strconv.ParseFloat(os.Getenv("GAMEDAY_BENCH_RATE"), 64); err == nil {
		rate = v
	}
	answer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(api.Answer(testKey, r.URL.Query().Get(api.Param))))
	})
	fast := httptest.NewUnstartedServer(answer)
	if os.Getenv("GAMEDAY_BENCH_TLS") == "1" {
		fast.StartTLS()
		trustOnly(b, fast)
	} else {
		fast.Start()
	}
	defer fast.Close()
	target, _ := http.NewRequest(http.MethodGet, fast.URL+"/", nil)
	seconds := benchSeconds(10)
	s := Scenario{Name: "bench", Skew: 1.2, Timeout: Duration(5 * time.Second), Phases: []Phase{
		{Name: "steady", Duration: Duration(time.Duration(seconds) * time.Second), Rate: rate, Keys: 100000},
	}}
	for b.Loop() {
		var before, after syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		sum, err := Play{Key: testKey, Target: target.URL, Setup: Setup{Scenario: s, Rules: DefaultRules(), Speed: 1, Seed: 1}}.Run(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
		b.ReportMetric(float64(sum.OK)/sum.Elapsed.Seconds(), "answers/s")
		b.ReportMetric(float64(sum.Failed), "failures")
		b.ReportMetric(float64(sum.P50.Microseconds()), "p50-µs")
		b.ReportMetric(float64(sum.P99.Microseconds()), "p99-µs")
		b.ReportMetric(cpu.Seconds()/sum.Elapsed.Seconds(), "cores")
	}
}

// trustOnly makes the test server's certificate the process's only root:
// the engine's transport reads the system roots, which SSL_CERT_FILE
// names, on its first TLS connection.
func trustOnly(b *testing.B, srv *httptest.Server) {
	path := filepath.Join(b.TempDir(), "root.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Setenv("SSL_CERT_FILE", path)
	b.Setenv("SSL_CERT_DIR", b.TempDir())
}

// benchSeconds is GAMEDAY_BENCH_SECONDS, or def when it is not set.
func benchSeconds(def int) int {
	if n, err := strconv.Atoi(os.Getenv("GAMEDAY_BENCH_SECONDS")); err == nil && n > 0 {
		return n
	}
	return def
}
