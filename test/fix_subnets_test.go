package test

import (
	"testing"
)

func TestSubnetsFixMovesOnlyTheFleet(t *testing.T) {
	base, wide := synth(t, "none", synthOptions{}), synth(t, "subnets", synthOptions{})
	// Every subnet of the baseline keeps its logical ID and CIDR.
	for _, s := range base.ofType("AWS::EC2::Subnet") {
		after, ok := wide.resources[s.id]
		if !ok {
			t.Errorf("subnet %s deleted", s.id)
			continue
		}
		if text(after["Properties"]) != text(s.body["Properties"]) {
			t.Errorf("subnet %s changed: CloudFormation would replace it", s.id)
		}
	}
	// The forgotten instance stays where it was: the fix must not replace it.
	if a, b := base.one(t, "AWS::EC2::Instance"), wide.one(t, "AWS::EC2::Instance"); a.id != b.id || text(a.prop("SubnetId")) != text(b.prop("SubnetId")) {
		t.Errorf("forgotten instance moved from %s to %s", text(a.prop("SubnetId")), text(b.prop("SubnetId")))
	}
	// The fleet now launches into a /20.
	g := wide.one(t, "AWS::AutoScaling::AutoScalingGroup")
	for _, id := range refs(g.prop("VPCZoneIdentifier")) {
		if bits := prefix(t, resource{id, wide.resources[id]}).Bits(); bits != 20 {
			t.Errorf("fleet subnet %s is a /%d, want /20", id, bits)
		}
	}
}
