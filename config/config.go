// Package config is the CDK app's configuration: everything the app is
// told through CDK context, read once by main.go into a typed, validated
// Config that the stacks receive. It also sizes the facilitator stack for
// its teams file. Plain Go: no CDK, no game.
package config

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/service/api"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// Config is everything the app is told through CDK context, typed and
// validated. main.go reads it once; stacks and constructs receive it.
type Config struct {
	// StackName is the game stack's construct ID and CloudFormation name
	// (context "stackName"). Default "UnicornRentals".
	StackName string
	// Fixes is the set of the winners' fixes applied (context "fixes").
	// Default: none, the baseline.
	Fixes catalog.FixSet
	// FleetSize is the fixed number of EC2 instances or tasks while the
	// service does not scale (context "fleetSize"). Default 4.
	FleetSize int
	// MinCapacity and MaxCapacity bound the instances or tasks once the
	// autoscale fix is applied (context "minCapacity", "maxCapacity").
	// Default 2 and 20.
	MinCapacity, MaxCapacity int
	// Service is how the hash service is started on every instance or task.
	Service ServiceSettings
	// Chaos is the Chaos Monkey's schedule, off by default.
	Chaos ChaosSchedule
	// Target also builds the target as a stack of its own,
	// <StackName>-Target (context "target": true), for engineers who want
	// the winning architecture without the game. Default false.
	Target bool
	// AMI pins the instances' image (context "ami", such as
	// ami-0123456789abcdef0). Default: the latest Amazon Linux 2023 from
	// SSM, resolved at every deploy, so a new AMI would roll the fleet.
	AMI string
	// FacilitatorAccount is the 12-digit ID of the account the scoreboard
	// runs in (context "facilitatorAccount"). Set, the game stack has a
	// read-only role that account may assume to read the live bill.
	// Default: none, no role.
	FacilitatorAccount string
	// ExternalID is the secret the facilitator's board passes when it
	// assumes that role (context "externalId"), unique per team, so that
	// nobody who can make the board assume roles can point it at another
	// team's (IAM User Guide, "The confused deputy problem"). Required
	// with FacilitatorAccount; gameday accounts deploy makes one per team.
	ExternalID string
	// BoardRole is the facilitator account's role (an IAM role ARN, or a
	// pattern with *) the team's roles trust besides the facilitator
	// stack's own (contract.BoardRolePattern): the role a board run from
	// a laptop holds, such as an SSO role (context "boardRole"). Default:
	// none, only the facilitator stack's board.
	BoardRole string
	// Board is the facilitator stack's configuration (context
	// "boardTeams", a teams file, and "boardWorkers"). Default: nil, no
	// facilitator stack.
	Board *Board
}

// StandardVCPUs is the on-demand standard vCPUs a team's account needs at
// the game's largest fleet: MaxCapacity m5.large (2 vCPUs each) and the
// CTO's leftover instance. A rolling update adds none: it keeps at least
// one instance fewer than MaxCapacity in service (constructs/fleet).
func (c Config) StandardVCPUs() int { return 2*c.MaxCapacity + 2 }

// BoardRoles are the facilitator account's roles (ARN patterns, in
// partition) the team's roles trust: the facilitator stack's, and
// BoardRole if given.
func (c Config) BoardRoles(partition string) []string {
	roles := []string{"arn:" + partition + ":iam::" + c.FacilitatorAccount + ":role/" + contract.BoardRolePattern}
	if c.BoardRole != "" {
		roles = append(roles, c.BoardRole)
	}
	return roles
}

// ServiceSettings are the hash service's settings as the stack deploys
// them: the environment of every process, and the numbers its scaling
// target is derived from.
type ServiceSettings struct {
	Work         time.Duration // context "work", default 4s
	Concurrency  int           // context "concurrency", default 1
	MaxWait      time.Duration // context "maxWait", default 20s
	DrainTimeout time.Duration // context "drainTimeout", default 25s
	ErrorRate    float64       // context "errorRate", default 0 (facilitators' fault injection)
}

// Default is the baseline as every team inherits it.
func Default() Config {
	return Config{
		StackName:   contract.DefaultStackName,
		FleetSize:   4,
		MinCapacity: 2,
		MaxCapacity: 20,
		Chaos:       ChaosSchedule{Interval: 20 * time.Minute, Duration: 4 * time.Hour},
		Service: ServiceSettings{
			Work:         api.DefaultWork,
			Concurrency:  api.DefaultConcurrency,
			MaxWait:      api.DefaultMaxWait,
			DrainTimeout: api.DefaultDrainTimeout,
		},
	}
}

// maxFleetSize keeps the baseline inside its application subnet (27
// usable addresses in a /27, less the forgotten instance). With the subnets
// fix, a /20 per AZ allows far more; maxWideCapacity is a sane ceiling for
// one team's account.
const (
	maxFleetSize    = 20
	maxWideCapacity = 200
)

// maxDrainTimeout leaves 5 s of Fargate's 120 s stop timeout for the exit.
const maxDrainTimeout = 115 * time.Second

// ScalingHeadroom is the share of one target's capacity that the autoscaler
// aims for: at 75 % a target's queue stays short while new capacity boots.
const ScalingHeadroom = 0.75

// maxTargetRequestsPerMinute bounds the target when work is 0 and a
// target's capacity has no ceiling.
const maxTargetRequestsPerMinute = 60000

var (
	accountPattern   = regexp.MustCompile(`^[0-9]{12}$`)
	stackNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)
	amiPattern       = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

// FromContext builds a Config from context values. get returns the
// value of a key, or nil when it is not set; values given with -c arrive as
// strings, values in cdk.json may be numbers.
func FromContext(get func(key string) any) (Config, error) {
	cfg := Default()
	var err error
	if v, ok := contextString(get, "stackName"); ok {
		if !stackNamePattern.MatchString(v) {
			return cfg, fmt.Errorf("context stackName %q: want a letter followed by letters, digits or hyphens, at most 128 characters", v)
		}
		cfg.StackName = v
	}
	if v, ok := contextString(get, "target"); ok {
		switch v {
		case "true":
			cfg.Target = true
		case "false":
		default:
			return cfg, fmt.Errorf("context target %q: want true (also build the target as its own stack, <stackName>-Target) or false", v)
		}
	}
	if v, ok := contextString(get, "ami"); ok {
		if !amiPattern.MatchString(v) {
			return cfg, fmt.Errorf("context ami %q: want an AMI ID such as ami-0123456789abcdef0 (the ImageId output of a deployed stack)", v)
		}
		cfg.AMI = v
	}
	if v, ok := contextString(get, "facilitatorAccount"); ok {
		if !accountPattern.MatchString(v) {
			return cfg, fmt.Errorf("context facilitatorAccount %q: want the 12-digit ID of the account the scoreboard runs in, such as 123456789012", v)
		}
		cfg.FacilitatorAccount = v
	}
	if v, ok := contextString(get, "externalId"); ok {
		if err := teamsfile.CheckExternalID(v); err != nil {
			return cfg, fmt.Errorf("context externalId: %w", err)
		}
		cfg.ExternalID = v
	}
	if (cfg.FacilitatorAccount == "") != (cfg.ExternalID == "") {
		return cfg, fmt.Errorf("context facilitatorAccount and externalId go together: the board assumes the team's role with the ExternalId its trust requires; gameday accounts deploy gives both (by hand: -c externalId=$(openssl rand -hex 16))")
	}
	if v, ok := contextString(get, "boardRole"); ok {
		if cfg.FacilitatorAccount == "" || !strings.HasPrefix(v, "arn:aws:iam::"+cfg.FacilitatorAccount+":role/") || len(v) > 2048 {
			return cfg, fmt.Errorf("context boardRole %q: want a role of the facilitator's account (context facilitatorAccount), such as arn:aws:iam::%s:role/aws-reserved/sso.amazonaws.com/*", v, cmp.Or(cfg.FacilitatorAccount, "123456789012"))
		}
		cfg.BoardRole = v
	}
	if v, ok := contextString(get, "boardTeams"); ok {
		if cfg.Board, err = boardFromContext(get, v); err != nil {
			return cfg, err
		}
	}
	if v, ok := contextString(get, "fixes"); ok {
		if cfg.Fixes, err = catalog.ParseFixSet(v); err != nil {
			return cfg, fmt.Errorf("context fixes: %w", err)
		}
	}
	limit, why := maxFleetSize, "the CTO's /27 subnet holds no more; the subnets fix allows more"
	if cfg.Fixes.Has(catalog.FixSubnets) {
		limit, why = maxWideCapacity, "a sane ceiling for one team"
	}
	for _, c := range []struct {
		key   string
		field *int
	}{{"fleetSize", &cfg.FleetSize}, {"minCapacity", &cfg.MinCapacity}, {"maxCapacity", &cfg.MaxCapacity}} {
		if v, ok := contextString(get, c.key); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > limit {
				return cfg, fmt.Errorf("context %s %q: want a whole number from 1 to %d (%s)", c.key, v, limit, why)
			}
			*c.field = n
		}
	}
	if cfg.MinCapacity > cfg.MaxCapacity {
		return cfg, fmt.Errorf("context minCapacity %d is above maxCapacity %d; lower minCapacity or raise maxCapacity", cfg.MinCapacity, cfg.MaxCapacity)
	}
	if cfg.Fixes.Has(catalog.FixHarden) && (cfg.FleetSize < 2 || cfg.MinCapacity < 2) {
		return cfg, fmt.Errorf("context fleetSize %d, minCapacity %d: harden spreads the service over two Availability Zones, so both must be at least 2", cfg.FleetSize, cfg.MinCapacity)
	}
	s := &cfg.Service
	durations := []struct {
		key   string
		field *time.Duration
		min   time.Duration
		max   time.Duration
	}{{"work", &s.Work, 0, time.Minute}, {"maxWait", &s.MaxWait, 0, time.Minute}, {"drainTimeout", &s.DrainTimeout, time.Second, maxDrainTimeout}}
	for _, d := range durations {
		if v, ok := contextString(get, d.key); ok {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed < d.min || parsed > d.max {
				return cfg, fmt.Errorf("context %s %q: want a duration from %s to %s, such as 4s or 500ms", d.key, v, d.min, d.max)
			}
			*d.field = parsed
		}
	}
	if v, ok := contextString(get, "concurrency"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > api.MaxConcurrency {
			return cfg, fmt.Errorf("context concurrency %q: want a whole number from 1 to %d", v, api.MaxConcurrency)
		}
		s.Concurrency = n
	}
	if v, ok := contextString(get, "errorRate"); ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			return cfg, fmt.Errorf("context errorRate %q: want a number from 0 to 1 such as 0.05", v)
		}
		s.ErrorRate = f
	}
	if err := chaosFromContext(get, &cfg.Chaos); err != nil {
		return cfg, err
	}
	if need := api.MinDrainTimeout(s.Work, s.MaxWait); s.DrainTimeout < need {
		return cfg, fmt.Errorf("context drainTimeout %s is shorter than maxWait + work (%s): a request admitted before shutdown could not finish; raise drainTimeout or lower maxWait", s.DrainTimeout, need)
	}
	return cfg, nil
}

// contextString returns a context value as a string, whether it arrived
// as a string (-c key=value) or as a JSON number or boolean (cdk.json).
func contextString(get func(string) any, key string) (string, bool) {
	switch v := get(key).(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	default:
		return fmt.Sprint(v), true
	}
}

// Env is the service's environment for these settings: the same variables
// the binary documents, on every instance and task.
func (s ServiceSettings) Env() map[string]string {
	return map[string]string{
		"ADDR":          ":" + strconv.Itoa(api.DefaultPort),
		"WORK":          s.Work.String(),
		"CONCURRENCY":   strconv.Itoa(s.Concurrency),
		"MAX_WAIT":      s.MaxWait.String(),
		"DRAIN_TIMEOUT": s.DrainTimeout.String(),
		"ERROR_RATE":    strconv.FormatFloat(s.ErrorRate, 'f', -1, 64),
	}
}

// TargetRequestsPerMinute is the autoscaler's target for requests per
// target per minute: the capacity of one process started with these very
// settings, less headroom. The stack derives it here, from the settings it
// passes to the service, so the two cannot drift.
func (s ServiceSettings) TargetRequestsPerMinute() int {
	capacity := api.Capacity(s.Work, s.Concurrency) * ScalingHeadroom
	if capacity >= maxTargetRequestsPerMinute {
		return maxTargetRequestsPerMinute
	}
	return max(1, int(math.Floor(capacity)))
}

// chaosFromContext reads the Chaos Monkey's schedule.
func chaosFromContext(get func(string) any, c *ChaosSchedule) error {
	if v, ok := contextString(get, "chaosSchedule"); ok {
		switch v {
		case "on", "true":
			c.Enabled = true
		case "off", "false":
			c.Enabled = false
		default:
			return fmt.Errorf("context chaosSchedule %q: want on or off", v)
		}
	}
	for _, d := range []struct {
		key   string
		field *time.Duration
		min   time.Duration
	}{{"chaosInterval", &c.Interval, 5 * time.Minute}, {"chaosDuration", &c.Duration, c.Interval}} {
		if v, ok := contextString(get, d.key); ok {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed < d.min || parsed > 7*24*time.Hour {
				return fmt.Errorf("context %s %q: want a duration from %s to 168h, such as 20m or 4h", d.key, v, d.min)
			}
			*d.field = parsed
		}
	}
	if v, ok := contextString(get, "chaosStart"); ok {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("context chaosStart %q: want the game's start as RFC 3339, such as 2026-12-03T09:00:00Z", v)
		}
		c.Start = t
	}
	if c.Enabled && c.Start.IsZero() {
		return fmt.Errorf("context chaosSchedule on needs chaosStart, the game's start, such as -c chaosStart=2026-12-03T09:00:00Z")
	}
	return nil
}

// CDKJSONContext reads the context of a cdk.json file: the feature flags
// the CDK CLI passes to the app. The tests and make check, which build the
// app in-process, pass it too, so they check what the CLI synthesizes.
func CDKJSONContext(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var file struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return file.Context, nil
}
