package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// binaryPath is the real hashsvc, built once for the tests that run it.
var binaryPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hashsvc-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binaryPath = filepath.Join(dir, "hashsvc")
	if out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building hashsvc: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type process struct {
	cmd  *exec.Cmd
	base string
	logs chan map[string]any
	done chan error
}

// startBinary runs hashsvc on a free loopback port with the given settings
// and waits for its start-up line.
func startBinary(t *testing.T, env ...string) *process {
	t.Helper()
	cmd := exec.Command(binaryPath)
	cmd.Env = append([]string{"ADDR=127.0.0.1:0", "ANSWER_KEY=" + string(testKey)}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: make(chan map[string]any, 1000), done: make(chan error, 1)}
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			var entry map[string]any
			if json.Unmarshal(scanner.Bytes(), &entry) == nil {
				p.logs <- entry
			}
		}
		close(p.logs)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	select {
	case entry := <-p.logs:
		if entry["msg"] != "starting" {
			t.Fatalf("first log line %v, want the start-up line", entry)
		}
		for _, key := range []string{"work", "concurrency", "max_wait", "drain_timeout", "error_rate", "version"} {
			if _, ok := entry[key]; !ok {
				t.Errorf("start-up line lacks %q: %v", key, entry)
			}
		}
		p.base = "http://" + entry["listening"].(string)
	case <-time.After(10 * time.Second):
		t.Fatal("hashsvc did not start")
	}
	return p
}

type result struct {
	status     int
	retryAfter string
	body       string
	took       time.Duration
	err        error
}

func fetch(url string, written func()) result {
	start := time.Now()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if written != nil {
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			WroteRequest: func(httptrace.WroteRequestInfo) { written() },
		}))
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return result{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(b), took: time.Since(start)}
}

func TestBinaryShedsBeyondCapacityAndServesEveryAdmittedRequest(t *testing.T) {
	// Two slots of 1 s and a 1 s MAX_WAIT admit four requests: two working,
	// two waiting one round. The others must be refused at once.
	const work = time.Second
	p := startBinary(t, "WORK=1s", "CONCURRENCY=2", "MAX_WAIT=1s")
	const sent = 10
	results := make([]result, sent)
	var wg sync.WaitGroup
	for i := range sent {
		wg.Go(func() { results[i] = fetch(fmt.Sprintf("%s/?input=load-%d", p.base, i), nil) })
	}
	wg.Wait()
	ok, shed := 0, 0
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("request %d: %v", i, r.err)
		case r.status == http.StatusOK:
			ok++
			if r.body != api.Answer(testKey, fmt.Sprintf("load-%d", i)) {
				t.Errorf("request %d: wrong answer %q", i, r.body)
			}
		case r.status == http.StatusServiceUnavailable:
			shed++
			if r.retryAfter != "1" {
				t.Errorf("shed request %d: Retry-After %q, want 1", i, r.retryAfter)
			}
			// Refused at once, not after waiting for a slot.
			if r.took >= work/2 {
				t.Errorf("shed request %d took %v: it waited instead of being refused", i, r.took)
			}
		default:
			t.Errorf("request %d: status %d", i, r.status)
		}
	}
	if ok != 4 || shed != sent-4 {
		t.Errorf("%d served and %d shed, want 4 and %d", ok, shed, sent-4)
	}
}

func TestBinaryDrainsInFlightRequestsOnSIGTERM(t *testing.T) {
	p := startBinary(t, "WORK=1s", "CONCURRENCY=1", "MAX_WAIT=3s", "DRAIN_TIMEOUT=10s")
	const inFlight = 3 // one working, two in line
	var written sync.WaitGroup
	written.Add(inFlight)
	results := make(chan result, inFlight)
	for i := range inFlight {
		go func() { results <- fetch(fmt.Sprintf("%s/?input=drain-%d", p.base, i), written.Done) }()
	}
	written.Wait()
	time.Sleep(200 * time.Millisecond) // let the server accept what the client wrote
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range inFlight {
		if r := <-results; r.err != nil || r.status != http.StatusOK {
			t.Errorf("in-flight request during drain: status %d, err %v", r.status, r.err)
		}
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("hashsvc exited with %v, want 0", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("hashsvc did not exit after draining")
	}
	var messages []string
	for entry := range p.logs {
		messages = append(messages, entry["msg"].(string))
	}
	if got := strings.Join(messages, ","); !strings.Contains(got, "draining") || !strings.HasSuffix(got, "stopped") {
		t.Errorf("log messages %s, want draining then stopped", got)
	}
}

func TestBinaryHealthcheckFlag(t *testing.T) {
	p := startBinary(t, "WORK=1h", "MAX_WAIT=0s", "DRAIN_TIMEOUT=2h")
	addr := strings.TrimPrefix(p.base, "http://")
	if out, err := exec.Command(binaryPath, "-healthcheck", "-addr", addr).CombinedOutput(); err != nil {
		t.Errorf("healthcheck of a live service failed: %v %s", err, out)
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := free.Addr().String()
	free.Close()
	cmd := exec.Command(binaryPath, "-healthcheck")
	cmd.Env = []string{"ADDR=" + closedAddr}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("healthcheck of nothing: err %v, want exit 1", err)
	}
	if !strings.Contains(string(out), "healthcheck:") {
		t.Errorf("healthcheck failure says %q", out)
	}
}

func TestBinaryRefusesBadSettings(t *testing.T) {
	cmd := exec.Command(binaryPath)
	cmd.Env = []string{"WORK=four"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("err %v, want exit 1", err)
	}
	if want := `hashsvc: invalid WORK "four": want a duration such as 4s or 500ms, at least 0`; !strings.Contains(string(out), want) {
		t.Errorf("output %q, want %q", out, want)
	}
}

func TestBinaryRefusesOversizedHeaders(t *testing.T) {
	p := startBinary(t, "WORK=0s")
	req, _ := http.NewRequest(http.MethodGet, p.base+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("status %d, want 431", resp.StatusCode)
	}
}

// The documented limit, 8 KiB of request line and headers, is the limit
// on every Go release: the service checks it itself.
func TestBinaryHeaderLimitIsTheDocumented8KiB(t *testing.T) {
	p := startBinary(t, "WORK=0s")
	for size, want := range map[int]int{7 << 10: http.StatusOK, 8<<10 - 200: http.StatusOK, 8<<10 + 1: http.StatusRequestHeaderFieldsTooLarge, 9 << 10: http.StatusRequestHeaderFieldsTooLarge, 12 << 10: http.StatusRequestHeaderFieldsTooLarge} {
		req, _ := http.NewRequest(http.MethodGet, p.base+"/healthz", nil)
		req.Header.Set("X-Big", strings.Repeat("a", size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("a %d-byte header: status %d, want %d", size, resp.StatusCode, want)
		}
	}
}

// What a load balancer sees of a drain: once SIGTERM arrives, the listener
// is closed, so a new connection, a readiness check included, is refused,
// while the requests in flight are answered.
func TestBinaryRefusesNewConnectionsOnceDraining(t *testing.T) {
	p := startBinary(t, "WORK=2s", "CONCURRENCY=1", "MAX_WAIT=3s", "DRAIN_TIMEOUT=10s")
	var written sync.WaitGroup
	written.Add(1)
	inFlight := make(chan result, 1)
	go func() { inFlight <- fetch(p.base+"/?input=in-flight", written.Done) }()
	written.Wait()
	time.Sleep(200 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 2 * time.Second}
	if resp, err := client.Get(p.base + "/readyz"); err == nil {
		resp.Body.Close()
		t.Errorf("/readyz during the drain answered %d: want the connection refused", resp.StatusCode)
	}
	if r := <-inFlight; r.err != nil || r.status != http.StatusOK {
		t.Errorf("the request in flight: %d %v, want 200", r.status, r.err)
	}
}
