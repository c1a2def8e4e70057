package test

import (
	"testing"
)

func TestCleanupLeavesOneNatGatewayAndNoIdleResources(t *testing.T) {
	tpl := synth(t, "cleanup", synthOptions{})
	for typ, want := range map[string]int{"AWS::EC2::NatGateway": 1, "AWS::EC2::EIP": 1, "AWS::EC2::Volume": 0, "AWS::EC2::Instance": 0} {
		if n := len(tpl.ofType(typ)); n != want {
			t.Errorf("%d %s, want %d", n, typ, want)
		}
	}
}
