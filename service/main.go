// Command hashsvc is Unicorn.Rentals' hash service: GET /?input=VALUE
// answers with the keyed hash of VALUE under the game's ANSWER_KEY after a deliberate WORK delay, one
// request per slot. See README.md for the API and every setting.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func buildVersion() string {
	v := version
	if v == "" {
		v = "dev"
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
	}
	return v + " " + runtime.Version()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "hashsvc:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, mode, err := parseConfig(args[1:], getenv, stderr)
	if err != nil {
		return err
	}
	switch mode {
	case modeVersion:
		_, err := fmt.Fprintln(stdout, buildVersion())
		return err
	case modeHealthcheck:
		return probe(ctx, cfg.Addr)
	}

	logger, flush := newLogger(stdout)
	defer flush()
	listener, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on ADDR %s: %w", cfg.Addr, err)
	}
	var draining atomic.Bool
	server := &http.Server{
		Handler:           NewServer(cfg, logger, &draining),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		// An admitted request may wait MAX_WAIT and then work WORK before
		// its first byte; the write deadline must outlast both.
		WriteTimeout: cfg.MaxWait + cfg.Work + 10*time.Second,
		// Above the load balancers' 60 s idle timeout, so the balancer, not
		// the service, closes idle keep-alive connections (no 502 races).
		IdleTimeout: 75 * time.Second,
		// A cap on what net/http reads of the headers: it reads up to
		// MaxHeaderBytes + 4096 ("bufio slop", initialReadLimitSize), and
		// the handler enforces the documented 8 KiB (limitHeaders).
		MaxHeaderBytes: maxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	logger.Info("starting", append([]any{"listening", listener.Addr().String(), "version", buildVersion()}, cfg.logAttrs()...)...)

	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	// Readiness turns 503 and new work is refused; in-flight and queued
	// requests finish within the drain budget.
	draining.Store(true)
	logger.Info("draining", "drain_timeout", cfg.DrainTimeout.String())
	drainCtx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	if err := server.Shutdown(drainCtx); err != nil {
		return fmt.Errorf("in-flight requests did not finish within DRAIN_TIMEOUT %s: %w", cfg.DrainTimeout, err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// probe asks the service on addr for its health, for container health
// checks on images that have no shell or curl.
func probe(ctx context.Context, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("healthcheck: ADDR %q: %w", addr, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + api.HealthPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// newLogger logs JSON lines to w through a buffer written out every
// logFlushInterval and when full: a write system call per request line
// cost a third of the service's throughput at WORK=0 (bench_test.go).
// flush writes out what is left; call it before exiting.
func newLogger(w io.Writer) (logger *slog.Logger, flush func()) {
	bw := &bufferedWriter{w: bufio.NewWriterSize(w, 64<<10)}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(logFlushInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				bw.Flush()
			case <-stop:
				bw.Flush()
				return
			}
		}
	}()
	var once sync.Once
	return slog.New(slog.NewJSONHandler(bw, nil)), func() {
		once.Do(func() {
			close(stop)
			<-done
		})
	}
}

// logFlushInterval bounds how late a log line appears.
const logFlushInterval = 100 * time.Millisecond

// bufferedWriter is a bufio.Writer that the logger and the flusher share.
type bufferedWriter struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

func (b *bufferedWriter) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.w.Flush()
}
