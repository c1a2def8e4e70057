package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
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
	_, _ = io.WriteString(w, api.Hash("bench"))
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/?input=bench"
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
