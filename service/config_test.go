package main

import (
	"io"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
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
