package config

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// context is CDK context as main.go's lookup returns it.
type context map[string]any

func (c context) get(key string) any { return c[key] }

// The baseline runs the service as its own defaults say: one contract.
func TestConfigDefaultsAreTheServicesOwn(t *testing.T) {
	want := ServiceSettings{Work: api.DefaultWork, Concurrency: api.DefaultConcurrency, MaxWait: api.DefaultMaxWait, DrainTimeout: api.DefaultDrainTimeout}
	if cfg, err := FromContext(context(nil).get); err != nil || cfg.Service != want {
		t.Errorf("service settings %+v (%v), want %+v", cfg.Service, err, want)
	} else if cfg.StackName != "UnicornRentals" || !cfg.Fixes.IsBaseline() || cfg.FleetSize != 4 {
		t.Errorf("defaults %+v", cfg)
	}
	if api.DefaultWork != 4*time.Second || api.DefaultConcurrency != 1 {
		t.Errorf("the service's defaults moved from the game's story (4 s a request, one at a time): %s, %d", api.DefaultWork, api.DefaultConcurrency)
	}
}

func TestConfigFromStringsAndNumbers(t *testing.T) {
	cfg, err := FromContext(context{
		"stackName": "Team-07", "fleetSize": float64(6), "work": "2s", "concurrency": "2", "maxWait": "10s", "drainTimeout": "15s", "errorRate": "0.05",
	}.get)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.StackName != "Team-07" || cfg.FleetSize != 6 || cfg.Service.Work != 2*time.Second || cfg.Service.Concurrency != 2 || cfg.Service.ErrorRate != 0.05 {
		t.Errorf("config %+v", cfg)
	}
	env := cfg.Service.Env()
	want := map[string]string{"ADDR": ":8080", "WORK": "2s", "CONCURRENCY": "2", "MAX_WAIT": "10s", "DRAIN_TIMEOUT": "15s", "ERROR_RATE": "0.05"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if len(env) != len(want) {
		t.Errorf("env %v has extra variables", env)
	}
}

func TestConfigErrorsNameTheKeyAndTheForm(t *testing.T) {
	cases := map[string]map[string]any{
		`context stackName "7teams": want a letter`:                     {"stackName": "7teams"},
		`context fixes: unknown fix "cdn"`:                              {"fixes": "cdn"},
		`context fleetSize "50": want a whole number from 1 to 20`:      {"fleetSize": "50"},
		`context fleetSize "2.5"`:                                       {"fleetSize": float64(2.5)},
		`context work "4": want a duration`:                             {"work": "4"},
		`context concurrency "0": want a whole number from 1 to 10000`:  {"concurrency": "0"},
		`context errorRate "2": want a number from 0 to 1`:              {"errorRate": "2"},
		`context drainTimeout 10s is shorter than maxWait + work (24s)`: {"drainTimeout": "10s"},
		`context drainTimeout "0s": want a duration from 1s to 1m55s`:   {"drainTimeout": "0s"},
		`context drainTimeout "3m": want a duration from 1s to 1m55s`:   {"drainTimeout": "3m"},
		`context maxCapacity "30": want a whole number from 1 to 20 (the CTO's /27 subnet holds no more; the subnets fix allows more)`: {"maxCapacity": "30"},
		`context minCapacity 5 is above maxCapacity 3`:                     {"minCapacity": "5", "maxCapacity": "3"},
		`context chaosSchedule "maybe": want on or off`:                    {"chaosSchedule": "maybe"},
		`context chaosSchedule on needs chaosStart`:                        {"chaosSchedule": "on"},
		`context chaosInterval "1m": want a duration from 5m0s to 168h`:    {"chaosInterval": "1m"},
		`context chaosStart "tomorrow": want the game's start as RFC 3339`: {"chaosStart": "tomorrow"},
		`harden spreads the service over two Availability Zones`:           {"fixes": "cache,alb,retire-clb,vpc-origin,harden", "fleetSize": "1"},
		`context facilitatorAccount "12345": want the 12-digit ID`:         {"facilitatorAccount": "12345"},
		`context target "yes": want true`:                                  {"target": "yes"},
		`context facilitatorAccount and externalId go together`:            {"facilitatorAccount": "123456789012"},
		`context externalId: external ID: want 16 to 1224 letters`:         {"facilitatorAccount": "123456789012", "externalId": "short"},
		`context boardRole "arn:aws:iam::999999999999:role/x": want a role of the facilitator's account`: {
			"facilitatorAccount": "123456789012", "externalId": "0123456789abcdef", "boardRole": "arn:aws:iam::999999999999:role/x"},
		`context boardRole "arn:aws:iam::123456789012:role/x": want a role of the facilitator's account`: {"boardRole": "arn:aws:iam::123456789012:role/x"},
	}
	for want, values := range cases {
		if _, err := FromContext(context(values).get); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: error %v, want it to contain %q", values, err, want)
		}
	}
}

func TestCapacityLimitsFollowTheSubnets(t *testing.T) {
	cfg, err := FromContext(context{"fixes": "subnets", "maxCapacity": "150", "fleetSize": "40"}.get)
	if err != nil || cfg.MaxCapacity != 150 || cfg.FleetSize != 40 {
		t.Fatalf("with wide subnets: %+v, %v", cfg, err)
	}
	if _, err := FromContext(context{"fixes": "subnets", "maxCapacity": "201"}.get); err == nil {
		t.Error("maxCapacity 201 accepted")
	}
}

func TestScalingTargetComesFromTheServiceSettings(t *testing.T) {
	for _, c := range []struct {
		work        time.Duration
		concurrency int
		want        int
	}{
		{4 * time.Second, 1, 11},         // 15 a minute, 75 % of it
		{4 * time.Second, 4, 45},         // 60 a minute
		{100 * time.Millisecond, 2, 900}, // 1,200 a minute
		{time.Minute * 10 / 9, 1, 1},     // below one a minute still scales
		{0, 1, maxTargetRequestsPerMinute},
	} {
		s := ServiceSettings{Work: c.work, Concurrency: c.concurrency}
		if got := s.TargetRequestsPerMinute(); got != c.want {
			t.Errorf("work %s, concurrency %d: target %d, want %d", c.work, c.concurrency, got, c.want)
		}
	}
}

// The docs quote figures the code derives; they must move together.
func TestDocsQuoteTheDerivedFigures(t *testing.T) {
	s := Default().Service
	target := fmt.Sprintf("RequestCountPerTarget = %d", s.TargetRequestsPerMinute())
	delay := fmt.Sprintf("%d s deregistration", int(api.MinDrainTimeout(s.Work, s.MaxWait).Seconds()))
	vcpus := Default().StandardVCPUs()
	for path, figures := range map[string][]string{
		"../README.md":            {target, delay},
		"../docs/architecture.md": {target, delay},
		"../docs/facilitator.md":  {fmt.Sprintf("below %d (the fleet", vcpus), fmt.Sprintf("(%d with the defaults)", vcpus)},
	} {
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range figures {
			if !strings.Contains(string(doc), want) {
				t.Errorf("%s does not say %q", path, want)
			}
		}
	}
}
