package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/service/api"
)

// gameFlags are the flags that say which game is played.
type gameFlags struct {
	scenario, rules *string
	speed           *float64
	seed            *uint64
}

func addGameFlags(fs *flag.FlagSet) gameFlags {
	return gameFlags{
		scenario: fs.String("scenario", "", "scenario file (default: the committed four-hour game)"),
		rules:    fs.String("rules", "", "scoring rules file (default: the committed rules)"),
		speed:    fs.Float64("speed", 1, "time compression: 60 plays four hours in four minutes"),
		seed:     fs.Uint64("seed", 0, "seed of the input sequence: the same seed sends the same questions (default: drawn at random, so that no team can list the inputs)"),
	}
}

// setup is the game the flags describe, checked once by Setup.Validate.
func (g gameFlags) setup() (game.Setup, error) {
	s := game.Setup{Scenario: game.DefaultScenario(), Rules: game.DefaultRules(), Speed: *g.speed, Seed: *g.seed}
	for s.Seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		s.Seed = binary.BigEndian.Uint64(b[:])
	}
	var err error
	if *g.scenario != "" {
		if s.Scenario, err = game.LoadScenario(*g.scenario); err != nil {
			return s, err
		}
	}
	if *g.rules != "" {
		if s.Rules, err = game.LoadRules(*g.rules); err != nil {
			return s, err
		}
	}
	return s, s.Validate()
}

// trafficFlags are the traffic assumptions both commands price with.
func trafficFlags(fs *flag.FlagSet) (rps, hit *float64) {
	return fs.Float64("rps", 10, "requests per second reaching the endpoint"),
		fs.Float64("hit-ratio", 0.9, "share of requests CloudFront answers from its cache (0 to 1)")
}

// traffic reads the traffic flags.
func traffic(rps, hit *float64) (game.Traffic, error) {
	if *rps < 0 || *hit < 0 || *hit > 1 {
		return game.Traffic{}, fmt.Errorf("--rps %v --hit-ratio %v: want rps of 0 or more and a hit ratio from 0 to 1", *rps, *hit)
	}
	return game.Traffic{RPS: *rps, HitRatio: *hit}, nil
}

// estimate prices a template at the traffic flags.
func estimate(path string, rps, hit *float64) (game.Estimate, error) {
	t, err := traffic(rps, hit)
	if err != nil {
		return game.Estimate{}, err
	}
	return game.EstimateFile(path, game.DefaultPrices(), t)
}

// billFlags say what a team's bill is: a price, or a template priced at
// the traffic flags.
type billFlags struct {
	perHour  *float64
	template *string
	rps, hit *float64
}

func addBillFlags(fs *flag.FlagSet, perHour, template string) billFlags {
	b := billFlags{
		perHour:  fs.Float64("cost-per-hour", -1, perHour),
		template: fs.String("template", "", template),
	}
	b.rps, b.hit = trafficFlags(fs)
	return b
}

// given reports which of the two was given; both is an error.
func (b billFlags) given() (perHour, template bool, err error) {
	perHour, template = *b.perHour >= 0, *b.template != ""
	if perHour && template {
		return false, false, errors.New("give --cost-per-hour or --template, not both")
	}
	return perHour, template, nil
}

// answerKey is the team's answer key for gameday play: the file
// --answer-key-file names, else $ANSWER_KEY, as the service reads it.
func answerKey(file string) ([]byte, error) {
	key, err := api.ReadKey(file, os.Getenv("ANSWER_KEY"))
	switch {
	case errors.Is(err, api.ErrNoKey):
		return nil, errors.New("no answer key: give --answer-key-file with the key the team's service answers with (its game stack's AnswerKeySecretArn secret), or set ANSWER_KEY")
	case err != nil && file != "":
		return nil, fmt.Errorf("--answer-key-file: %w", err)
	case err != nil:
		return nil, fmt.Errorf("ANSWER_KEY: %w", err)
	}
	return key, nil
}
