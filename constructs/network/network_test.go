package network_test

import (
	"net/netip"
	"testing"

	"github.com/unicorn-rentals/gameday/constructs/network"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// subnets synthesizes a network and returns its subnets' CIDRs by the
// construct path's group and AZ index (e.g. "App1").
func subnets(t *testing.T, props network.Props) (map[string]netip.Prefix, map[string]any) {
	t.Helper()
	app, stack := cdktest.NewStack()
	n := network.New(stack, "Network", props)
	out := map[string]netip.Prefix{}
	for _, s := range append(*n.Vpc.PublicSubnets(), *n.Vpc.PrivateSubnets()...) {
		p, err := netip.ParsePrefix(*s.Ipv4CidrBlock())
		if err != nil {
			t.Fatal(err)
		}
		out[*s.Node().Id()] = p
	}
	raw := cdktest.Template(app, stack)
	return out, raw
}

func TestTheCTOsSubnets(t *testing.T) {
	got, _ := subnets(t, network.Props{})
	want := map[string]string{
		"PublicSubnet1": "10.0.0.0/26", "PublicSubnet2": "10.0.0.64/26",
		"AppSubnet1": "10.0.0.128/27", "AppSubnet2": "10.0.0.160/27",
	}
	if len(got) != len(want) {
		t.Fatalf("subnets %v, want %v", got, want)
	}
	for id, cidr := range want {
		if got[id].String() != cidr {
			t.Errorf("%s = %s, want %s", id, got[id], cidr)
		}
	}
	// 27 usable addresses: AWS keeps 5 of every subnet.
	if usable := 1<<(32-got["AppSubnet1"].Bits()) - 5; usable != 27 {
		t.Errorf("App subnet holds %d addresses", usable)
	}
}

func TestWideSubnetsAreAddedWithoutMovingOrOverlapping(t *testing.T) {
	before, _ := subnets(t, network.Props{})
	after, raw := subnets(t, network.Props{WideAppSubnets: true})
	for id, p := range before {
		if after[id] != p {
			t.Errorf("%s moved from %s to %s: CloudFormation would replace it", id, p, after[id])
		}
	}
	for _, id := range []string{"WideAppSubnet1", "WideAppSubnet2"} {
		p, ok := after[id]
		if !ok {
			t.Fatalf("%s not created", id)
		}
		if p.Bits() != 20 {
			t.Errorf("%s is %s, want a /20", id, p)
		}
		for old, q := range before {
			if p.Overlaps(q) {
				t.Errorf("%s %s overlaps %s %s", id, p, old, q)
			}
		}
	}
	// Wide subnets route out through the NAT gateways, like the small ones.
	resources := raw["Resources"].(map[string]any)
	routes := 0
	for _, r := range resources {
		res := r.(map[string]any)
		if res["Type"] == "AWS::EC2::Route" {
			if _, nat := res["Properties"].(map[string]any)["NatGatewayId"]; nat {
				routes++
			}
		}
	}
	if routes != 4 {
		t.Errorf("%d NAT routes, want 4 (App and WideApp in two AZs)", routes)
	}
}

func TestNatGateways(t *testing.T) {
	for props, want := range map[network.Props]int{{}: 2, {NatGateways: 1}: 1} {
		_, raw := subnets(t, props)
		n := 0
		for _, r := range raw["Resources"].(map[string]any) {
			if r.(map[string]any)["Type"] == "AWS::EC2::NatGateway" {
				n++
			}
		}
		if n != want {
			t.Errorf("props %+v: %d NAT gateways, want %d", props, n, want)
		}
	}
}

func TestAppSubnetSelection(t *testing.T) {
	_, stack := cdktest.NewStack()
	small := network.New(stack, "Small", network.Props{})
	wide := network.New(stack, "Wide", network.Props{WideAppSubnets: true})
	cases := []struct {
		n        *network.Network
		singleAZ bool
		want     []string
	}{
		{small, true, []string{"10.0.0.128/27"}},
		{small, false, []string{"10.0.0.128/27", "10.0.0.160/27"}},
		{wide, false, []string{"10.0.16.0/20", "10.0.32.0/20"}},
	}
	for _, c := range cases {
		sel := c.n.AppSubnets(c.singleAZ)
		var got []string
		for _, s := range *sel.Subnets {
			got = append(got, *s.Ipv4CidrBlock())
		}
		if len(got) != len(c.want) {
			t.Errorf("singleAZ %v: %v, want %v", c.singleAZ, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("singleAZ %v: %v, want %v", c.singleAZ, got, c.want)
			}
		}
	}
}
