package plan

import (
	"strings"
	"testing"
)

// A change in place shows every changed leaf with its old and new value,
// false included: the CDK CLI's diff prints `.Enabled:` with neither.
func TestAModifyShowsEachChangedValue(t *testing.T) {
	tpl := func(enabled bool, size float64) map[string]any {
		return map[string]any{"Resources": map[string]any{"Lt": map[string]any{"Type": "AWS::EC2::LaunchTemplate", "Properties": map[string]any{
			"LaunchTemplateData": map[string]any{"Monitoring": map[string]any{"Enabled": enabled}, "BlockDeviceMappings": []any{map[string]any{"Ebs": map[string]any{"VolumeSize": size}}}},
		}}}}
	}
	out := Update(tpl(true, 100), tpl(false, 8), nil).String()
	for _, want := range []string{
		"modify      AWS::EC2::LaunchTemplate",
		"LaunchTemplateData.BlockDeviceMappings[0].Ebs.VolumeSize: 100 -> 8",
		"LaunchTemplateData.Monitoring.Enabled: true -> false",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
}

// A long value is shown around its first difference, not by a prefix
// that both share.
func TestALongValueIsShownWhereItChanges(t *testing.T) {
	var out []string
	prefix := strings.Repeat("a", 100)
	leafChanges("Body", prefix+"old-tail", prefix+"new-tail", &out)
	if len(out) != 1 || !strings.Contains(out[0], "...aaaaaaaaaaaaaaaaaaaaold-tail\" -> ...aaaaaaaaaaaaaaaaaaaanew-tail\"") {
		t.Errorf("shown as %q", out)
	}
}
