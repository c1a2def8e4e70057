package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testKey is the answer key the tests serve with.
var testKey = []byte("a-test-answer-key-of-32-bytes-ok")

// env is a process environment of kv, with testKey as ANSWER_KEY unless kv
// names ANSWER_KEY itself.
func env(kv map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := kv[k]; ok || k != "ANSWER_KEY" {
			return v
		}
		return string(testKey)
	}
}

func TestTheAnswerKeyIsRequiredAndReadFromItsFileOrVariable(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if err := os.WriteFile(file, []byte("0123456789abcdef0123456789abcdef0123\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := parseConfig(nil, env(map[string]string{"ANSWER_KEY_FILE": file}), io.Discard)
	if err != nil || string(cfg.Key) != "0123456789abcdef0123456789abcdef0123" {
		t.Fatalf("the key file, its line break dropped: %q, %v", cfg.Key, err)
	}
	cfg, _, err = parseConfig([]string{"-answer-key-file", file}, env(map[string]string{"ANSWER_KEY_FILE": "/nowhere"}), io.Discard)
	if err != nil || len(cfg.Key) != 36 {
		t.Fatalf("the flag wins over ANSWER_KEY_FILE: %q, %v", cfg.Key, err)
	}
	if cfg, _, err = parseConfig(nil, env(nil), io.Discard); err != nil || string(cfg.Key) != string(testKey) {
		t.Fatalf("ANSWER_KEY: %q, %v", cfg.Key, err)
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ANSWER_KEY": ""}, "no answer key: set ANSWER_KEY_FILE"},
		{map[string]string{"ANSWER_KEY": "short"}, "ANSWER_KEY: the answer key has 5 bytes: want at least 32"},
		{map[string]string{"ANSWER_KEY_FILE": filepath.Join(dir, "missing")}, "ANSWER_KEY_FILE: open"},
	} {
		if _, _, err := parseConfig(nil, env(c.env), io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("env %v: %v, want %q", c.env, err, c.want)
		}
	}
	if _, m, err := parseConfig([]string{"-healthcheck"}, env(map[string]string{"ANSWER_KEY": ""}), io.Discard); err != nil || m != modeHealthcheck {
		t.Errorf("the health check needs no key: %v", err)
	}
	for _, a := range cfg.logAttrs() {
		if s, ok := a.(string); ok && strings.Contains(s, string(testKey)) {
			t.Fatal("the start-up log shows the key")
		}
	}
}

func TestDefaults(t *testing.T) {
	cfg, m, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil || m != modeServe {
		t.Fatal(err, m)
	}
	want := Config{Addr: ":8080", Work: 4 * time.Second, Concurrency: 1, MaxWait: 20 * time.Second, DrainTimeout: 25 * time.Second}
	if cfg.Addr != want.Addr || cfg.Work != want.Work || cfg.Concurrency != want.Concurrency || cfg.MaxWait != want.MaxWait || cfg.DrainTimeout != want.DrainTimeout || cfg.ErrorRate != 0 {
		t.Errorf("defaults %+v, want %+v", cfg, want)
	}
	if cfg.DrainTimeout >= 30*time.Second {
		t.Error("the default drain must end inside Fargate's default 30 s stopTimeout")
	}
	if cfg.MaxWait+cfg.Work >= 30*time.Second {
		t.Error("the longest admitted request must answer inside CloudFront's 30 s origin timeout")
	}
}

func TestEnvironmentAndFlags(t *testing.T) {
	vars := env(map[string]string{"WORK": "2s", "CONCURRENCY": "3", "ADDR": "127.0.0.1:9000", "MAX_WAIT": "5s", "DRAIN_TIMEOUT": "8s", "ERROR_RATE": "0.1"})
	cfg, _, err := parseConfig([]string{"-concurrency=4", "-work", "1s"}, vars, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Concurrency != 4 || cfg.Work != time.Second {
		t.Errorf("flags must win over the environment: %+v", cfg)
	}
	if cfg.Addr != "127.0.0.1:9000" || cfg.MaxWait != 5*time.Second || cfg.DrainTimeout != 8*time.Second || cfg.ErrorRate != 0.1 {
		t.Errorf("environment not applied: %+v", cfg)
	}
}

func TestInvalidSettingsNameTheVariableAndTheForm(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"WORK": "four"}, `invalid WORK "four": want a duration such as 4s or 500ms, at least 0`},
		{nil, map[string]string{"WORK": "-1s"}, `invalid WORK "-1s"`},
		{nil, map[string]string{"CONCURRENCY": "0"}, `invalid CONCURRENCY "0": want a whole number from 1 to 10000`},
		{nil, map[string]string{"MAX_WAIT": "soon"}, `invalid MAX_WAIT "soon"`},
		{nil, map[string]string{"DRAIN_TIMEOUT": "0s"}, `invalid DRAIN_TIMEOUT "0s": want a duration above 0`},
		{nil, map[string]string{"ERROR_RATE": "1.5"}, `invalid ERROR_RATE "1.5": want a number from 0 to 1`},
		{nil, map[string]string{"ERROR_RATE": "NaN"}, `invalid ERROR_RATE "NaN"`},
		{nil, map[string]string{"ADDR": "8080"}, `invalid ADDR "8080": want host:port`},
		{[]string{"-concurrency=x"}, nil, `invalid -concurrency "x"`},
		{[]string{"-work="}, nil, `invalid -work ""`},
		{nil, map[string]string{"DRAIN_TIMEOUT": "10s"}, "DRAIN_TIMEOUT 10s is shorter than MAX_WAIT + WORK (24s)"},
		{[]string{"serve"}, nil, `unexpected argument "serve"`},
		{[]string{"-nope"}, nil, "flag provided but not defined: -nope"},
	}
	for _, c := range cases {
		_, _, err := parseConfig(c.args, env(c.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("args %v env %v: error %v, want it to contain %q", c.args, c.env, err, c.want)
		}
	}
}

func TestModes(t *testing.T) {
	if _, m, _ := parseConfig([]string{"-healthcheck"}, env(nil), io.Discard); m != modeHealthcheck {
		t.Error("-healthcheck")
	}
	if _, m, _ := parseConfig([]string{"-version"}, env(nil), io.Discard); m != modeVersion {
		t.Error("-version")
	}
}
