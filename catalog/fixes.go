// Package catalog is the game's path from the CTO's environment to the
// winners' architecture: the flaws the baseline carries, each with its
// clue and its cost, and the fixes that remove them, alone or as a set.
// The stacks build from it, the tests check the stacks against it, and
// docs/flaws.md is written from it.
package catalog

import (
	"fmt"
	"slices"
	"strings"
)

// Fix is one of the winners' moves. Applied to the baseline, a fix changes
// or replaces one part of the stack.
type Fix string

const (
	FixCache     Fix = "cache"      // CloudFront in front, cache key = the input parameter
	FixCleanup   Fix = "cleanup"    // waste removed or right-sized
	FixSubnets   Fix = "subnets"    // application subnets with room
	FixDeploy    Fix = "deploy"     // fast, supervised, health-checked instances
	FixALB       Fix = "alb"        // an Application Load Balancer beside the Classic one, the same instances behind both
	FixRetireCLB Fix = "retire-clb" // traffic on the ALB only; the Classic Load Balancer goes
	FixAutoscale Fix = "autoscale"  // target tracking on RequestCountPerTarget
	FixFargate   Fix = "fargate"    // ECS tasks on Fargate beside the fleet, on the listener with no share yet
	FixRetireEC2 Fix = "retire-ec2" // every request to the tasks; the fleet goes
	FixVpcOrigin Fix = "vpc-origin" // an internal ALB and a CloudFront VPC origin beside the public path
	FixHarden    Fix = "harden"     // CloudFront on the VPC origin, two AZs, nothing public but CloudFront
)

// Three of the winners' moves take two deploys each, so that no request
// is dropped while CloudFormation updates the stack: the first deploy
// builds the new path beside the old one and puts the targets behind
// both; the second moves the traffic, then takes the targets off the old
// path, then deletes it (docs/solutions.md, gates/plan's checker).
//   - alb, then retire-clb;
//   - fargate, then retire-ec2;
//   - vpc-origin, then harden.

// AllFixes lists every fix in the order the winners made them: the
// canonical path from the baseline to the target.
var AllFixes = []Fix{FixCache, FixCleanup, FixSubnets, FixDeploy, FixALB, FixRetireCLB, FixAutoscale, FixFargate, FixRetireEC2, FixVpcOrigin, FixHarden}

// requires lists, per fix, the fixes it cannot do without.
var requires = map[Fix][]Fix{
	FixRetireCLB: {FixALB},
	// Only an ALB reports requests per target, and the requests must go
	// through it.
	FixAutoscale: {FixALB, FixRetireCLB},
	// Tasks live behind a target group of IP targets, one address each; a
	// Classic Load Balancer cannot hold them.
	FixFargate:   {FixALB, FixRetireCLB, FixSubnets},
	FixRetireEC2: {FixALB, FixRetireCLB, FixSubnets, FixFargate},
	// A CloudFront VPC origin can be an ALB but not a Classic Load
	// Balancer.
	FixVpcOrigin: {FixCache, FixALB, FixRetireCLB},
	// Nothing but CloudFront may face the internet.
	FixHarden: {FixCache, FixALB, FixRetireCLB, FixVpcOrigin},
}

// Requires lists the fixes f cannot do without, in canonical order.
func (f Fix) Requires() []Fix { return NewFixSet(requires[f]...).Fixes() }

// prepares maps the first deploy of a two-deploy move to its second.
var prepares = map[Fix]Fix{FixALB: FixRetireCLB, FixFargate: FixRetireEC2, FixVpcOrigin: FixHarden}

// Prepares names the fix that finishes the move f starts, if f is the
// first of two deploys: it builds a path that the second one moves the
// traffic to.
func (f Fix) Prepares() (Fix, bool) {
	next, ok := prepares[f]
	return next, ok
}

// FixSet is a set of fixes. The zero value is the baseline.
type FixSet struct{ fixes []Fix }

// NewFixSet returns the set of the given fixes, in canonical order.
func NewFixSet(fixes ...Fix) FixSet {
	var s FixSet
	for _, f := range AllFixes {
		if slices.Contains(fixes, f) {
			s.fixes = append(s.fixes, f)
		}
	}
	return s
}

// Has reports whether f is in the set.
func (s FixSet) Has(f Fix) bool { return slices.Contains(s.fixes, f) }

// Fixes lists the set's fixes in canonical order.
func (s FixSet) Fixes() []Fix { return slices.Clone(s.fixes) }

// IsBaseline reports whether no fix is applied.
func (s FixSet) IsBaseline() bool { return len(s.fixes) == 0 }

// String is the set as the fixes context value spells it: "none", "all",
// or a comma-separated list in canonical order.
func (s FixSet) String() string {
	switch len(s.fixes) {
	case 0:
		return "none"
	case len(AllFixes):
		return "all"
	}
	names := make([]string, len(s.fixes))
	for i, f := range s.fixes {
		names[i] = string(f)
	}
	return strings.Join(names, ",")
}

// TrafficOnALB reports whether the requests reach an Application Load
// Balancer rather than the Classic one: once the Classic one is retired,
// and as soon as the ALB exists when nothing is in front (players follow
// the Endpoint to it after the deploy; CloudFront would move during it,
// before the ALB's targets have passed their health checks).
func (s FixSet) TrafficOnALB() bool {
	return s.Has(FixRetireCLB) || (s.Has(FixALB) && !s.Has(FixCache))
}

// Dir is the set as a folder name: its String with "+" for ",", as
// `make synth` names its output folders (out/cache+cleanup/).
func (s FixSet) Dir() string { return strings.ReplaceAll(s.String(), ",", "+") }

func validFixNames() string {
	names := make([]string, len(AllFixes))
	for i, f := range AllFixes {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// ParseFixSet reads the fixes context value: empty or "none" for the
// baseline, "all" for the target, or a comma-separated list of fix names.
// It checks that every name exists and every requirement is met.
func ParseFixSet(value string) (FixSet, error) {
	value = strings.TrimSpace(value)
	switch value {
	case "", "none":
		return FixSet{}, nil
	case "all":
		return checkFixSet(NewFixSet(AllFixes...))
	}
	var fixes []Fix
	for _, name := range strings.Split(value, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "none" || name == "all":
			return FixSet{}, fmt.Errorf("%q cannot be combined with other fixes in %q", name, value)
		case name == "":
			return FixSet{}, fmt.Errorf("empty fix name in %q; separate names with single commas, e.g. -c fixes=cache,cleanup", value)
		case !slices.Contains(AllFixes, Fix(name)):
			return FixSet{}, fmt.Errorf("unknown fix %q; valid fixes are %s (or none, all)", name, validFixNames())
		}
		fixes = append(fixes, Fix(name))
	}
	return checkFixSet(NewFixSet(fixes...))
}

func checkFixSet(s FixSet) (FixSet, error) {
	var missing []string
	for _, f := range s.fixes {
		for _, need := range requires[f] {
			if !s.Has(need) {
				missing = append(missing, fmt.Sprintf("%s requires %s", f, need))
			}
		}
	}
	if len(missing) > 0 {
		return FixSet{}, fmt.Errorf("%s; add the missing fixes to the list", strings.Join(missing, ", "))
	}
	return s, nil
}
