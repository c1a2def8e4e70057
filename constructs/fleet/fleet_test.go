package fleet_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/fleet"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// synth builds a fleet with the given flaws and returns its launch
// template data and Auto Scaling group as JSON text and maps.
func synth(t *testing.T, flaws fleet.Flaws) (launch map[string]any, group map[string]any, userData string) {
	t.Helper()
	app, stack := cdktest.NewStack()
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), nil)
	binary := awss3assets.NewAsset(stack, jsii.String("Binary"), &awss3assets.AssetProps{Path: jsii.String("fleet.go")})
	fleet.New(stack, "Fleet", fleet.Props{
		Vpc: vpc, Binary: binary, AnswerKey: awssecretsmanager.NewSecret(stack, jsii.String("Key"), nil), InstanceType: "m5.large", Size: 3, DrainTimeout: 25 * time.Second,
		Env:   map[string]string{"WORK": "4s", "CONCURRENCY": "1"},
		Flaws: flaws,
	})
	raw := cdktest.Template(app, stack)
	for _, r := range raw["Resources"].(map[string]any) {
		res := r.(map[string]any)
		switch res["Type"] {
		case "AWS::EC2::LaunchTemplate":
			launch = res["Properties"].(map[string]any)["LaunchTemplateData"].(map[string]any)
			b, _ := json.Marshal(launch["UserData"])
			userData = string(b)
		case "AWS::AutoScaling::AutoScalingGroup":
			group = res
		}
	}
	return launch, group, userData
}

func TestZeroFlawsIsAWellRunFleet(t *testing.T) {
	launch, group, userData := synth(t, fleet.Flaws{})
	for _, want := range []string{"Restart=always", "TimeoutStopSec=30", "Environment=CONCURRENCY=1", "Environment=WORK=4s", "systemctl enable --now hashsvc",
		// The key: fetched at boot into a root-only file, handed to the
		// dynamic user by systemd.
		"(umask 0377; aws secretsmanager get-secret-value --region ", " --secret-id ", "{\"Ref\":\"Key", " --query SecretString --output text \\u003e " + fleet.KeyPath + ")",
		"LoadCredential=answer-key:" + fleet.KeyPath, "Environment=ANSWER_KEY_FILE=%d/answer-key"} {
		if !strings.Contains(userData, want) {
			t.Errorf("user data lacks %q", want)
		}
	}
	for _, unwanted := range []string{"dnf -y upgrade", "nohup"} {
		if strings.Contains(userData, unwanted) {
			t.Errorf("user data has %q", unwanted)
		}
	}
	if tokens := launch["MetadataOptions"].(map[string]any)["HttpTokens"]; tokens != "required" {
		t.Errorf("HttpTokens %v, want required (IMDSv2 only)", tokens)
	}
	ebs := launch["BlockDeviceMappings"].([]any)[0].(map[string]any)["Ebs"].(map[string]any)
	if ebs["VolumeSize"] != float64(8) || ebs["VolumeType"] != "gp3" || ebs["Encrypted"] != true {
		t.Errorf("root volume %v, want 8 GiB gp3 encrypted", ebs)
	}
	if m, ok := launch["Monitoring"].(map[string]any); ok && m["Enabled"] == true {
		t.Error("detailed monitoring on")
	}
	props := group["Properties"].(map[string]any)
	if props["HealthCheckType"] != "ELB" || props["HealthCheckGracePeriod"] != float64(110) {
		t.Errorf("health check %v grace %v, want ELB 110 (the default 90 s boot and two checks)", props["HealthCheckType"], props["HealthCheckGracePeriod"])
	}
	rolling, _ := group["UpdatePolicy"].(map[string]any)["AutoScalingRollingUpdate"].(map[string]any)
	if rolling == nil || rolling["MaxBatchSize"] != float64(1) || rolling["MinInstancesInService"] != float64(2) {
		t.Errorf("update policy %v, want one at a time keeping 2 of 3 in service", group["UpdatePolicy"])
	}
	// CloudFormation refuses MinInstancesInService >= MaxSize.
	if min, max := rolling["MinInstancesInService"].(float64), props["MaxSize"]; max != "3" || min >= 3 {
		t.Errorf("MinInstancesInService %v with MaxSize %v", min, max)
	}
}

func TestEveryFlawChangesTheFleet(t *testing.T) {
	_, _, good := synth(t, fleet.Flaws{})
	_, _, bad := synth(t, fleet.Flaws{UpgradeOnBoot: true, NoSupervisor: true})
	if good == bad || !strings.Contains(bad, "dnf -y upgrade") || !strings.Contains(bad, "nohup env ANSWER_KEY_FILE=/etc/hashsvc/answer-key CONCURRENCY=1 WORK=4s /usr/local/bin/hashsvc") {
		t.Errorf("flawed user data:\n%s", bad)
	}
	launch, group, _ := synth(t, fleet.Flaws{EC2HealthCheck: true, NoRollingUpdate: true, IMDSv1: true, OversizedRoot: true, Unencrypted: true, DetailedMonitoring: true})
	if group["Properties"].(map[string]any)["HealthCheckType"] != "EC2" {
		t.Error("EC2HealthCheck not applied")
	}
	if _, rolling := group["UpdatePolicy"].(map[string]any)["AutoScalingRollingUpdate"]; rolling {
		t.Error("NoRollingUpdate not applied")
	}
	if launch["MetadataOptions"].(map[string]any)["HttpTokens"] != "optional" {
		t.Error("IMDSv1 not applied")
	}
	ebs := launch["BlockDeviceMappings"].([]any)[0].(map[string]any)["Ebs"].(map[string]any)
	if ebs["VolumeSize"] != float64(100) || ebs["VolumeType"] != "gp2" || ebs["Encrypted"] != false {
		t.Errorf("root volume %v", ebs)
	}
	if launch["Monitoring"].(map[string]any)["Enabled"] != true {
		t.Error("DetailedMonitoring not applied")
	}
}
