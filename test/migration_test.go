package test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
)

// A step is one CloudFormation update of a live stack: from one fix set's
// template to another's.
type step struct{ from, to catalog.FixSet }

func (s step) String() string { return s.from.String() + " -> " + s.to.String() }

// steps are the canonical path, one fix at a time, and each single fix
// (with what it requires) applied to the baseline.
func steps(t *testing.T) []step {
	var out []step
	prev := catalog.NewFixSet()
	for i := range catalog.AllFixes {
		next := catalog.NewFixSet(catalog.AllFixes[:i+1]...)
		out = append(out, step{prev, next})
		prev = next
	}
	for _, set := range fixSets(t) {
		if !slices.ContainsFunc(out, func(s step) bool { return s.from.IsBaseline() && s.to.String() == set.String() }) {
			out = append(out, step{catalog.NewFixSet(), set})
		}
	}
	return out
}

// persistent are the resources a step must never delete or replace once
// they exist: the network every team's traffic flows through and, once
// there, the distribution players are sent to and its VPC origin (which
// CloudFront refuses to update while a distribution uses it).
var persistent = map[string]bool{
	"AWS::EC2::VPC":                  true,
	"AWS::EC2::InternetGateway":      true,
	"AWS::EC2::VPCGatewayAttachment": true,
	"AWS::CloudFront::Distribution":  true,
	"AWS::CloudFront::VpcOrigin":     true,
}

// frozen are the persistent types whose properties must not change at all:
// a change to any of them replaces the resource or fails the update.
var frozen = map[string]bool{"AWS::EC2::VPC": true, "AWS::EC2::VPCGatewayAttachment": true, "AWS::CloudFront::VpcOrigin": true}

// frontDoor is the part players are sent to.
func frontDoor(s catalog.FixSet) string {
	switch {
	case s.Has(catalog.FixCache):
		return "CloudFront"
	case s.Has(catalog.FixALB):
		return "ALB"
	}
	return "Classic LB"
}

func TestEveryStepIsASafeUpdate(t *testing.T) {
	for _, st := range steps(t) {
		t.Run(st.String(), func(t *testing.T) {
			before, after := synth(t, st.from.String(), synthOptions{}), synth(t, st.to.String(), synthOptions{})

			t.Run("persistent resources keep their logical IDs", func(t *testing.T) {
				for id, r := range before.resources {
					typ, _ := r["Type"].(string)
					if !persistent[typ] {
						continue
					}
					a, ok := after.resources[id]
					switch {
					case !ok:
						t.Errorf("%s %s deleted", typ, id)
					case frozen[typ] && text(a["Properties"]) != text(r["Properties"]):
						t.Errorf("%s %s changed: %s -> %s", typ, id, text(r["Properties"]), text(a["Properties"]))
					}
				}
			})

			// CloudFormation replaces a Classic Load Balancer when a health
			// check is added or removed, and changes it in place otherwise.
			t.Run("a Classic Load Balancer kept by the step keeps a health check", func(t *testing.T) {
				for _, lb := range before.ofType("AWS::ElasticLoadBalancing::LoadBalancer") {
					a, ok := after.resources[lb.id]
					if !ok {
						continue
					}
					was, is := lb.prop("HealthCheck"), resource{lb.id, a}.prop("HealthCheck")
					if was == nil || is == nil {
						t.Errorf("%s: health check %v -> %v: adding or removing one replaces the load balancer", lb.id, was, is)
					}
				}
			})

			t.Run("no new subnet overlaps an existing one", func(t *testing.T) {
				existing := map[string]netip.Prefix{}
				for _, s := range before.ofType("AWS::EC2::Subnet") {
					existing[s.id] = prefix(t, s)
				}
				for _, s := range after.ofType("AWS::EC2::Subnet") {
					p := prefix(t, s)
					if old, ok := existing[s.id]; ok {
						if old != p {
							t.Errorf("subnet %s moves from %s to %s: CloudFormation replaces it", s.id, old, p)
						}
						continue
					}
					for id, old := range existing {
						if old.Overlaps(p) {
							t.Errorf("new subnet %s (%s) overlaps %s (%s), which exists until the update ends", s.id, p, id, old)
						}
					}
				}
			})

			t.Run("outputs keep their names; Endpoint moves with the front door", func(t *testing.T) {
				outs := func(tpl *template) map[string]any {
					m, _ := tpl.raw["Outputs"].(map[string]any)
					return m
				}
				instances := len(after.ofType("AWS::EC2::LaunchTemplate")) + len(after.ofType("AWS::EC2::Instance"))
				for name := range outs(before) {
					if _, ok := outs(after)[name]; !ok && !(name == "ImageId" && instances == 0) {
						t.Errorf("output %s removed", name)
					}
				}
				moved := text(outs(before)["Endpoint"]) != text(outs(after)["Endpoint"])
				if want := frontDoor(st.from) != frontDoor(st.to); moved != want {
					t.Errorf("Endpoint changed: %v; the front door moves from %s to %s", moved, frontDoor(st.from), frontDoor(st.to))
				}
			})
		})
	}
}

// Along the canonical path nothing is deleted that a later step brings
// back: a step never undoes what an earlier one will need.
func TestThePathNeverDeletesWhatALaterStepNeeds(t *testing.T) {
	path := steps(t)[:len(catalog.AllFixes)]
	deleted := map[string]string{} // logical ID -> the step that deleted it
	for _, st := range path {
		t.Run(st.String(), func(t *testing.T) {
			before, after := synth(t, st.from.String(), synthOptions{}), synth(t, st.to.String(), synthOptions{})
			for id := range after.resources {
				if by, ok := deleted[id]; ok {
					if _, existed := before.resources[id]; !existed {
						t.Errorf("%s, deleted by %s, is created again", id, by)
					}
				}
			}
			for id := range before.resources {
				if _, ok := after.resources[id]; !ok {
					deleted[id] = fmt.Sprint(st)
				}
			}
		})
	}
}
