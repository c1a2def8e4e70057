package game

import (
	"math"
	"strings"
	"testing"
)

// A small template, priced by hand.
const fixture = `{"Resources": {
  "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {
    "InstanceType": "m5.large", "Monitoring": {"Enabled": true},
    "BlockDeviceMappings": [{"Ebs": {"VolumeSize": 100, "VolumeType": "gp2"}}]}}},
  "Asg": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {
    "MinSize": "2", "MaxSize": "10", "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Lt"}}}},
  "Policy": {"Type": "AWS::AutoScaling::ScalingPolicy", "Properties": {
    "TargetTrackingConfiguration": {"TargetValue": 12}}},
  "Vol": {"Type": "AWS::EC2::Volume", "Properties": {"Size": 100, "VolumeType": "gp2"}},
  "Ip": {"Type": "AWS::EC2::EIP", "Properties": {}},
  "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
  "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}}
}}`

func TestCostByHand(t *testing.T) {
	// 1 request a second, no cache: 60 a minute at 12 per target: 5 instances.
	est, err := EstimateCost([]byte(fixture), DefaultPrices(), Traffic{RPS: 1})
	if err != nil {
		t.Fatal(err)
	}
	perInstance := 0.096 + 100*0.10/730 + 7*0.30/730
	want := map[string]float64{"Asg": 5 * perInstance, "Vol": 100 * 0.10 / 730, "Ip": 0.005}
	total := 0.0
	for _, l := range est.Lines {
		if math.Abs(l.PerHour-want[l.Resource]) > 1e-9 {
			t.Errorf("%s: $%v/h, want $%v", l.Resource, l.PerHour, want[l.Resource])
		}
		total += want[l.Resource]
	}
	if len(est.Lines) != len(want) || math.Abs(est.Total-total) > 1e-9 {
		t.Errorf("lines %+v, total %v, want %v", est.Lines, est.Total, total)
	}
	if len(est.Unpriced) != 1 || !strings.Contains(est.Unpriced[0], "AWS::SQS::Queue") {
		t.Errorf("unpriced %v: the queue must be listed, not counted as zero", est.Unpriced)
	}
	// At 100 requests a second the group stops at its maximum.
	est, _ = EstimateCost([]byte(fixture), DefaultPrices(), Traffic{RPS: 100})
	for _, l := range est.Lines {
		if l.Resource == "Asg" && math.Abs(l.PerHour-10*perInstance) > 1e-9 {
			t.Errorf("at 100 req/s the group costs %v, want its maximum of 10 instances", l.PerHour)
		}
	}
}

func TestCostRefusesWhatIsNotATemplate(t *testing.T) {
	for _, in := range []string{`not json`, `{"Parameters": {}}`} {
		if _, err := EstimateCost([]byte(in), DefaultPrices(), Traffic{}); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
