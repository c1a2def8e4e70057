package accounts

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/unicorn-rentals/gameday/game"
)

func check(checks []Check, name string) (Check, bool) {
	for _, c := range checks {
		if strings.HasPrefix(c.Name, name) {
			return c, true
		}
	}
	return Check{}, false
}

// A new account's traps, each reported with its fix: no bootstrap, a
// missing service-linked role, a VPC quota used up; and what is fine,
// said so.
func TestPreflightReportsEachTrapWithItsFix(t *testing.T) {
	a := newAccount(t) // one VPC already (and moto's default one)
	ctx := context.Background()
	need := Needs{VCPUs: 42, ElasticIPs: 3, VPCs: 1}

	checks := a.Preflight(ctx, need)
	if c, _ := check(checks, "CDK bootstrap"); c.OK || !strings.Contains(c.Fix, "cdk bootstrap") {
		t.Errorf("no bootstrap: %+v", c)
	}
	if c, _ := check(checks, "service-linked role AWSServiceRoleForECS"); c.OK || c.Fix != "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com" {
		t.Errorf("missing ECS role: %+v", c)
	}
	if c, _ := check(checks, "Elastic IP quota"); !c.OK || !strings.Contains(c.Detail, "of 5 free") {
		t.Errorf("Elastic IPs: %+v", c)
	}

	// Bootstrap, create the role, and use up the VPC quota (5 a Region).
	if _, err := a.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("CDKToolkit"),
		TemplateBody: aws.String(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`)}); err != nil {
		t.Fatal(err)
	}
	// The role as AWS names it (moto's CreateServiceLinkedRole spells it
	// its own way: AWSServiceRoleForecs).
	if _, err := a.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("AWSServiceRoleForECS"), Path: aws.String("/aws-service-role/ecs.amazonaws.com/"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	for {
		vpcs, err := a.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(vpcs.Vpcs) >= 5 {
			break
		}
		if _, err := a.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")}); err != nil {
			t.Fatal(err)
		}
	}
	checks = a.Preflight(ctx, need)
	if c, _ := check(checks, "CDK bootstrap"); !c.OK || c.Fix != "" {
		t.Errorf("bootstrapped: %+v", c)
	}
	if c, _ := check(checks, "service-linked role AWSServiceRoleForECS"); !c.OK {
		t.Errorf("the ECS role exists now: %+v", c)
	}
	if c, _ := check(checks, "VPC quota"); c.OK || !strings.Contains(c.Detail, "0 of 5 free") || !strings.Contains(c.Fix, "request-service-quota-increase --service-code vpc") {
		t.Errorf("VPC quota: %+v", c)
	}
	// moto's Service Quotas knows only the VPC quotas: the vCPU check says
	// it could not read, and how to look.
	if c, _ := check(checks, "vCPU quota"); c.OK || !strings.Contains(c.Fix, "Service Quotas") {
		t.Errorf("vCPU quota: %+v", c)
	}
}

// After teardown, what still bills is listed, from the live inventory.
func TestTeardownListsWhatStillBills(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	left, err := a.Leftovers(ctx, game.DefaultPrices())
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("an empty account leaves %v", left)
	}
	a.runInstances(t, ec2types.InstanceTypeM5Large, 1)
	left, err = a.Leftovers(ctx, game.DefaultPrices())
	if err != nil {
		t.Fatal(err)
	}
	if all := strings.Join(left, "\n"); !strings.Contains(all, "EC2 m5.large: $0.0960/h (1 running)") || !strings.Contains(all, "EBS") {
		t.Errorf("a leftover instance: %v", left)
	}
}
