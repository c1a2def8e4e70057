package test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/unicorn-rentals/gameday/game"
)

// The cost model against the real templates, at 10 requests a second with
// 90 % cache hits, priced by hand from the price table.
func TestCostOfTheBaselineAndTheTarget(t *testing.T) {
	traffic := game.Traffic{RPS: 10, HitRatio: 0.9}
	for _, c := range []struct {
		fixes string
		want  map[string]float64 // by resource type, summed
		total float64
	}{
		{"none", map[string]float64{
			// 4 m5.large, each with a 100 GiB gp2 root and 7 detailed metrics.
			"AWS::AutoScaling::AutoScalingGroup":      4 * (0.096 + 100*0.10/730 + 7*0.30/730),
			"AWS::ElasticLoadBalancing::LoadBalancer": 0.025 + 0.018*0.008,        // 10 req/s x 500 B = 0.018 GB/h
			"AWS::EC2::NatGateway":                    2 * (0.045 + 0.0018*0.045), // a tenth of the answers' bytes
			"AWS::EC2::EIP":                           3 * 0.005,                  // two NAT gateways and the idle one
			"AWS::EC2::Instance":                      0.096 + 8*0.08/730,         // the forgotten one
			"AWS::EC2::Volume":                        100 * 0.10 / 730,           // unattached
			"AWS::CloudWatch::Alarm":                  3 * 0.10 / 730,             // the error rate: 3 metrics
			"AWS::CloudWatch::Dashboard":              3.00 / 730,
			"AWS::SecretsManager::Secret":             0.40 / 730, // the answer key
		}, 0.6963},
		{"all", map[string]float64{
			// 1 req/s reaches the origin: 60 a minute at 11 per task is 6 tasks.
			"AWS::ECS::Service":                         6 * (0.25*0.03238 + 0.5*0.00356),
			"AWS::CloudFront::Distribution":             10*3600.0/10000*0.01 + 0.018*0.085,
			"AWS::ElasticLoadBalancingV2::LoadBalancer": 0.0225 + 0.04*0.008, // 1 new connection a second = 0.04 LCU
			"AWS::EC2::NatGateway":                      0.045 + 0.00018*0.045,
			"AWS::EC2::EIP":                             0.005,
			"AWS::Logs::LogGroup":                       3600.0 * 200 / 1e9 * 0.50,
			"AWS::CloudFront::MonitoringSubscription":   8 * 0.30 / 730, // the additional metrics, for the cache hit rate
			"AWS::CloudWatch::Alarm":                    3 * 0.10 / 730,
			"AWS::CloudWatch::Dashboard":                3.00 / 730,
			"AWS::SecretsManager::Secret":               0.40 / 730,
		}, 0.1783},
	} {
		t.Run(c.fixes, func(t *testing.T) {
			raw, _ := json.Marshal(synth(t, c.fixes, synthOptions{}).raw)
			est, err := game.EstimateCost(raw, game.DefaultPrices(), traffic)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]float64{}
			for _, l := range est.Lines {
				got[l.Type] += l.PerHour
			}
			for typ, want := range c.want {
				if math.Abs(got[typ]-want) > 1e-6 {
					t.Errorf("%s: $%.6f/h, want $%.6f", typ, got[typ], want)
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("priced types %v, want %v", got, c.want)
			}
			if math.Abs(est.Total-c.total) > 0.0001 {
				t.Errorf("total $%.4f/h, want $%.4f", est.Total, c.total)
			}
			if len(est.Unpriced) > 0 {
				t.Errorf("the model cannot price %v", est.Unpriced)
			}
		})
	}
}
