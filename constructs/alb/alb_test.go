package alb_test

import (
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/alb"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func synth(t *testing.T, props alb.Props) (assertions.Template, *alb.ALB) {
	var a *alb.ALB
	tpl := cdktest.Assert(func(stack awscdk.Stack) {
		props.Vpc = awsec2.NewVpc(stack, jsii.String("Vpc"), nil)
		a = alb.New(stack, "Alb", props)
	})
	return tpl, a
}

func TestDefaultsArePublicWithAShortDelay(t *testing.T) {
	tpl, a := synth(t, alb.Props{})
	if a.Internal() {
		t.Error("internal by default")
	}
	cdktest.MustPass(t, "internet-facing, invalid headers dropped", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{
			"Scheme": "internet-facing",
			"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
			}),
		})
	})
	cdktest.MustPass(t, "instance targets on 8080, health checked at /, 30 s delay", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), map[string]any{
			"TargetType":      "instance",
			"Port":            8080,
			"HealthCheckPath": "/",
			"TargetGroupAttributes": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
			}),
		})
	})
	cdktest.MustPass(t, "open to anyone on :80 only", func() {
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
			"SecurityGroupIngress": []any{map[string]any{
				"CidrIp": "0.0.0.0/0", "FromPort": 80, "ToPort": 80, "IpProtocol": "tcp",
				"Description": assertions.Match_AnyValue(),
			}},
		})
	})
}

func TestInternalAdmitsOnlyTheVpcOnTheListenerPort(t *testing.T) {
	tpl, a := synth(t, alb.Props{Internal: true, DeregistrationDelay: 23500 * time.Millisecond})
	if !a.Internal() {
		t.Error("not internal")
	}
	cdktest.MustPass(t, "internal scheme", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]any{"Scheme": "internal"})
	})
	cdktest.MustPass(t, "ingress from the VPC's range on :80 only", func() {
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), map[string]any{
			"SecurityGroupIngress": []any{map[string]any{
				"CidrIp":   map[string]any{"Fn::GetAtt": []any{assertions.Match_AnyValue(), "CidrBlock"}},
				"FromPort": 80, "ToPort": 80, "IpProtocol": "tcp",
				"Description": assertions.Match_AnyValue(),
			}},
		})
	})
	cdktest.MustPass(t, "the delay is rounded up to whole seconds", func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), map[string]any{
			"TargetGroupAttributes": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "24"},
			}),
		})
	})
}
