package cfn

import (
	"slices"
	"strings"
	"testing"
)

const sample = `{"Resources": {
  "Fleet": {"Type": "AWS::AutoScaling::AutoScalingGroup", "DependsOn": ["IngressRule", "Distribution"],
    "Properties": {"LaunchTemplate": {"Version": {"Fn::GetAtt": ["LaunchTemplate", "LatestVersionNumber"]}, "LaunchTemplateId": {"Ref": "LaunchTemplate"}},
      "TargetGroupARNs": [{"Ref": "Group"}],
      "Tags": [{"Key": "Name", "Value": {"Fn::Sub": ["${AWS::StackName}-${Suffix.Name}", {"Suffix": {"Ref": "Param"}}]}}]}},
  "LaunchTemplate": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {}},
  "Group": {"Type": "AWS::ElasticLoadBalancingV2::TargetGroup", "DependsOn": "Alb"},
  "CDKMetadata": {"Type": "AWS::CDK::Metadata"}
}}`

func TestATemplateReadsAsTheCDKWritesIt(t *testing.T) {
	tpl, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	res := Resources(tpl)
	if got := IDs(res); !slices.Equal(got, []string{"CDKMetadata", "Fleet", "Group", "LaunchTemplate"}) {
		t.Errorf("IDs %v", got)
	}
	if n := CountByType(tpl); n["AWS::AutoScaling::AutoScalingGroup"] != 1 || n["AWS::CDK::Metadata"] != 1 || len(n) != 4 {
		t.Errorf("counts %v", n)
	}
	if got := DependsOn(res["Fleet"]); !slices.Equal(got, []string{"IngressRule", "Distribution"}) {
		t.Errorf("DependsOn of a list: %v", got)
	}
	if got := DependsOn(res["Group"]); !slices.Equal(got, []string{"Alb"}) {
		t.Errorf("DependsOn of a string: %v", got)
	}
	props := Properties(res["Fleet"])
	// Ref, Fn::GetAtt, and both the pseudo parameter and the variable of
	// a Fn::Sub, with the Sub's own variables: in the order of the sorted
	// keys, every time.
	want := []string{"LaunchTemplate", "LaunchTemplate", "AWS::StackName", "Suffix", "Param", "Group"}
	for range 20 {
		if got := References(props); !slices.Equal(got, want) {
			t.Fatalf("References %v, want %v", got, want)
		}
	}
	if got := Reference(props["LaunchTemplate"]); got != "LaunchTemplate" {
		t.Errorf("Reference %q", got)
	}
	if got := Reference("a plain string"); got != "" {
		t.Errorf("Reference of a string %q", got)
	}
}

func TestABadTemplateSaysWhatToGive(t *testing.T) {
	for in, want := range map[string]string{
		"not json":             "not CloudFormation JSON",
		`{"Resources": {}}`:    "no Resources; give a synthesized stack template",
		`{"AWSTemplate": "x"}`: "no Resources",
	} {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
