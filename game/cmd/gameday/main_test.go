package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/test/testkit"
)

func TestBadInputGetsAClearError(t *testing.T) {
	dir := t.TempDir()
	badScenario := filepath.Join(dir, "s.json")
	os.WriteFile(badScenario, []byte(`{"skew": 1.2, "timeout": "30s", "phases": []}`), 0o644)
	shortKey := filepath.Join(dir, "short.key")
	os.WriteFile(shortKey, []byte("abc\n"), 0o600)
	goodKey := filepath.Join(dir, "good.key")
	os.WriteFile(goodKey, []byte(testKey+"\n"), 0o600)
	t.Setenv("ANSWER_KEY", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "usage:"},
		{[]string{"dance"}, `unknown command "dance"`},
		{[]string{"play"}, `--target "": want the endpoint's URL`},
		{[]string{"play", "--target", "ftp://x"}, `want the endpoint's URL`},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--speed", "0"}, "play: speed 0: want a number from 0.1 to 3600"},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--speed", "NaN"}, "play: speed NaN: want a number from 0.1 to 3600"},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--speed", "1e-300"}, "play: speed 1e-300: want a number"},
		{[]string{"board", "--teams", badScenario, "--speed", "1e9"}, "board: speed 1e+09: want a number from 0.1 to 3600"},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--cost-per-hour", "1e308", "--answer-key-file", goodKey}, "cost 1e+308 USD an hour: want a number from 0 to 1000"},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--scenario", badScenario}, "no phases"},
		{[]string{"play", "--target", "http://127.0.0.1:1/"}, "give --cost-per-hour USD or --template FILE"},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--cost-per-hour", "1"}, "play: no answer key: give --answer-key-file"},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--cost-per-hour", "1", "--answer-key-file", shortKey}, "the answer key has 3 bytes: want at least 32"},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--cost-per-hour", "1", "--answer-key-file", filepath.Join(dir, "none")}, "--answer-key-file: open"},
		{[]string{"play", "--target", "http://127.0.0.1:1/", "--cost-per-hour", "1", "--answer-key-file", goodKey}, "target unreachable"},
		{[]string{"play", "--nope"}, "flag provided but not defined: -nope"},
		{[]string{"cost"}, "give one template"},
		{[]string{"ctl", "--token", "t", "move"}, "ctl move: want move TEAM ENDPOINT"},
		{[]string{"ctl", "--token", "t", "dance"}, `ctl: "dance": not an action`},
		{[]string{"ctl", "--token", "t", "hint", "team-1", "22"}, `ctl hint: quest "22": want its number, 1 to 21`},
		{[]string{"board", "--teams", badScenario, "--quest-every", "0s"}, "board: --live-every 1m0s --quest-every 0s: want positive durations"},
		{[]string{"debrief"}, "debrief: give --db FILE for a stopped game or --server URL (with --team)"},
		{[]string{"debrief", "--server", "http://127.0.0.1:1"}, "debrief: --server needs --team NAME"},
		{[]string{"debrief", "--db", filepath.Join(dir, "none.db")}, "debrief: --db: stat"},
		{[]string{"ctl", "--token", "t", "note", strings.Repeat("x", 300)}, "the text is 300 characters; the board shows at most 280"},
		{[]string{"ctl", "--token", "t", "--server", "127.0.0.1:8080", "pause"}, `--server "127.0.0.1:8080": want the board's address with its scheme`},
		{[]string{"ctl", "--token", "t", "--server", "http://board.example:8080", "pause"}, "the control token would cross the network in clear: use https://"},
		{[]string{"ctl", "--token", "t", "cost", "team-1", "/etc/passwd"}, "ctl cost: /etc/passwd: template: not CloudFormation JSON"},
		{[]string{"ctl", "--token", "t", "cost", "team-1", "/dev/zero"}, "ctl cost: /dev/zero is over 1048576 bytes"},
		{[]string{"cost", filepath.Join(dir, "missing.json")}, "synthesize one with make synth"},
		{[]string{"cost", "--hit-ratio", "2", badScenario}, "want rps of 0 or more and a hit ratio from 0 to 1"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), c.args, &stdout, &stderr)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got+stderr.String(), c.want) {
			t.Errorf("gameday %v: error %q, stderr %q; want %q", c.args, got, stderr.String(), c.want)
		}
	}
}

func TestCostPrintsEveryLineAndWhatItCannotPrice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	os.WriteFile(path, []byte(`{"Resources": {"Ip": {"Type": "AWS::EC2::EIP"}, "Q": {"Type": "AWS::SQS::Queue"}}}`), 0o644)
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"cost", path}, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Ip", "0.0050", "total $0.0050 an hour (about $4 a month) at 10 requests/s, no cache", "not priced: Q (AWS::SQS::Queue)", "us-east-1"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// The hit ratio is said only where a distribution caches.
func TestCostSaysTheHitRatioOnlyWithACache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	os.WriteFile(path, []byte(`{"Resources": {"Cdn": {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {"Enabled": true}}}}}`), 0o644)
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"cost", "--hit-ratio", "0.8", path}, &stdout, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "at 10 requests/s, 80% cache hits") {
		t.Errorf("output:\n%s", stdout.String())
	}
}

// A board that accepts connections and never answers: ctl and export give
// up with a message, not a hang.
func TestCtlAndExportTimeOutOnAStuckBoard(t *testing.T) {
	server := "http://" + testkit.BlackHole(t)
	for _, args := range [][]string{
		{"ctl", "--server", server, "--token", "t", "--timeout", "300ms", "pause"},
		{"export", "--server", server, "--timeout", "300ms"},
	} {
		done := make(chan error, 1)
		go func() { done <- run(context.Background(), args, io.Discard, io.Discard) }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "no answer from "+server+" within 300ms") {
				t.Errorf("gameday %v: %v", args, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("gameday %v still waiting after 10 s", args)
		}
	}
}
