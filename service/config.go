package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// Config is the service's effective configuration. Each setting comes from
// a flag if given, else from its environment variable, else its default.
type Config struct {
	Addr         string        // ADDR, -addr: where to listen. Default ":8080".
	Work         time.Duration // WORK, -work: wall-clock time each request holds a slot. Default 4s.
	Concurrency  int           // CONCURRENCY, -concurrency: slots per process. Default 1.
	MaxWait      time.Duration // MAX_WAIT, -max-wait: longest expected wait before a request is shed with 503. Default 20s.
	DrainTimeout time.Duration // DRAIN_TIMEOUT, -drain-timeout: time allowed to finish in-flight work after SIGTERM. Default 25s.
	ErrorRate    float64       // ERROR_RATE, -error-rate: fraction of answers replaced by a 500. Default 0.
	// Key is the game's answer key, at least api.MinKeyBytes: the file
	// ANSWER_KEY_FILE (-answer-key-file) names, else ANSWER_KEY. It is
	// required, and never a flag's value: a process's arguments are
	// readable by every user of its machine.
	Key []byte

	// random draws the error-rate coin; nil means math/rand/v2. Tests set it.
	random func() float64
}

// DefaultConfig is the CTO's binary as the game starts: one slow request at
// a time, a queue short enough to answer within CloudFront's 30 s origin
// timeout, and a drain that ends inside Fargate's 30 s stopTimeout.
func DefaultConfig() Config {
	return Config{
		Addr:         ":" + strconv.Itoa(api.DefaultPort),
		Work:         api.DefaultWork,
		Concurrency:  api.DefaultConcurrency,
		MaxWait:      api.DefaultMaxWait,
		DrainTimeout: api.DefaultDrainTimeout,
	}
}

// mode is what the process was asked to do besides serving.
type mode int

const (
	modeServe mode = iota
	modeHealthcheck
	modeVersion
)

type setting struct {
	env, flag, usage string
	parse            func(cfg *Config, value string) error
}

var settings = []setting{
	{"ADDR", "addr", "address to listen on, host:port", func(c *Config, v string) error {
		if !strings.Contains(v, ":") {
			return errors.New("want host:port such as :8080 or 127.0.0.1:8080")
		}
		c.Addr = v
		return nil
	}},
	{"WORK", "work", "time each request holds a slot", durationAtLeastZero(func(c *Config) *time.Duration { return &c.Work })},
	{"CONCURRENCY", "concurrency", "requests worked on at once", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > api.MaxConcurrency {
			return fmt.Errorf("want a whole number from 1 to %d", api.MaxConcurrency)
		}
		c.Concurrency = n
		return nil
	}},
	{"MAX_WAIT", "max-wait", "longest expected wait in line before a request is refused with 503", durationAtLeastZero(func(c *Config) *time.Duration { return &c.MaxWait })},
	{"DRAIN_TIMEOUT", "drain-timeout", "time allowed for in-flight requests after SIGTERM", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("want a duration above 0 such as 25s")
		}
		c.DrainTimeout = d
		return nil
	}},
	{"ERROR_RATE", "error-rate", "fraction of requests answered with 500 (fault injection)", func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			return errors.New("want a number from 0 to 1 such as 0.05")
		}
		c.ErrorRate = f
		return nil
	}},
}

func durationAtLeastZero(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return errors.New("want a duration such as 4s or 500ms, at least 0")
		}
		*field(c) = d
		return nil
	}
}

// parseConfig reads flags from args and settings from getenv. A flag given
// on the command line wins over its environment variable.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, mode, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("hashsvc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		values[s.flag] = fs.String(s.flag, "", fmt.Sprintf("%s (env %s)", s.usage, s.env))
	}
	keyFile := fs.String("answer-key-file", "", "file holding the game's answer key (env ANSWER_KEY_FILE; or the key itself in env ANSWER_KEY)")
	healthcheck := fs.Bool("healthcheck", false, "probe this service's /healthz on ADDR and exit 0 if healthy, 1 if not")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return cfg, modeServe, err
	}
	if fs.NArg() > 0 {
		return cfg, modeServe, fmt.Errorf("unexpected argument %q: settings are flags such as -work=4s or environment variables", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	for _, s := range settings {
		value, source := getenv(s.env), s.env
		if given[s.flag] {
			value, source = *values[s.flag], "-"+s.flag
		}
		if value == "" && !given[s.flag] {
			continue
		}
		if err := s.parse(&cfg, value); err != nil {
			return cfg, modeServe, fmt.Errorf("invalid %s %q: %w", source, value, err)
		}
	}
	if need := api.MinDrainTimeout(cfg.Work, cfg.MaxWait); cfg.DrainTimeout < need {
		return cfg, modeServe, fmt.Errorf("DRAIN_TIMEOUT %s is shorter than MAX_WAIT + WORK (%s): a request admitted just before SIGTERM could not finish; raise DRAIN_TIMEOUT or lower MAX_WAIT", cfg.DrainTimeout, need)
	}
	switch {
	case *version:
		return cfg, modeVersion, nil
	case *healthcheck:
		return cfg, modeHealthcheck, nil
	}
	if !given["answer-key-file"] {
		*keyFile = getenv("ANSWER_KEY_FILE")
	}
	key, err := readKey(*keyFile, getenv("ANSWER_KEY"))
	if err != nil {
		return cfg, modeServe, err
	}
	cfg.Key = key
	return cfg, modeServe, nil
}

// readKey is the answer key from the file path names, else the value of
// ANSWER_KEY.
func readKey(path, value string) ([]byte, error) {
	key, err := api.ReadKey(path, value)
	switch {
	case errors.Is(err, api.ErrNoKey):
		return nil, errors.New("no answer key: set ANSWER_KEY_FILE to a file holding the game's key (the game stack's AnswerKey secret), or ANSWER_KEY to the key; a local game gives its own")
	case err != nil && path != "":
		return nil, fmt.Errorf("ANSWER_KEY_FILE: %w", err)
	case err != nil:
		return nil, fmt.Errorf("ANSWER_KEY: %w", err)
	}
	return key, nil
}

// logAttrs lists the effective configuration for the start-up log line.
func (c Config) logAttrs() []any {
	return []any{
		"addr", c.Addr,
		"work", c.Work.String(),
		"concurrency", c.Concurrency,
		"max_wait", c.MaxWait.String(),
		"drain_timeout", c.DrainTimeout.String(),
		"error_rate", c.ErrorRate,
		"answer_key_bytes", len(c.Key), // the length only: the key stays secret
	}
}
