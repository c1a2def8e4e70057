package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"

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

// The facilitator's account: the Fargate vCPUs its tasks take, and only
// the service-linked roles its stack needs. moto's Service Quotas knows
// only the VPC quotas, so a test server answering GetServiceQuota as the
// API reference documents (JSON 1.1, target
// ServiceQuotasV20190624.GetServiceQuota) stands in for Service Quotas.
func TestPreflightChecksTheFacilitatorsFargateQuota(t *testing.T) {
	a := newAccount(t)
	var (
		mu    sync.Mutex
		asked []string
	)
	values := map[string]float64{"fargate L-3032A538": 6, "vpc L-F678F1CE": 5}
	quotas := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ ServiceCode, QuotaCode string }
		json.NewDecoder(r.Body).Decode(&in)
		key := in.ServiceCode + " " + in.QuotaCode
		mu.Lock()
		asked = append(asked, r.Header.Get("X-Amz-Target")+" "+key)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		v, ok := values[key]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"NoSuchResourceException","message":"no such quota"}`)
			return
		}
		fmt.Fprintf(w, `{"Quota":{"ServiceCode":%q,"QuotaCode":%q,"Value":%g,"Unit":"None","Adjustable":true}}`, in.ServiceCode, in.QuotaCode, v)
	}))
	defer quotas.Close()
	a.Quotas = servicequotas.New(servicequotas.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(quotas.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	ctx := context.Background()

	checks := a.Preflight(ctx, Needs{FargateVCPUs: 3.5, VPCs: 1, Facilitator: true})
	if c, ok := check(checks, "Fargate vCPU quota"); !ok || !c.OK || !strings.Contains(c.Detail, "6 Fargate on-demand vCPUs; the scoreboard's tasks take 3.5") {
		t.Errorf("Fargate quota of 6 for 3.5 vCPUs: %+v", c)
	}
	for _, name := range []string{"vCPU quota", "Elastic IP quota", "service-linked role AWSServiceRoleForAutoScaling", "service-linked role AWSServiceRoleForApplicationAutoScaling"} {
		if c, ok := check(checks, name); ok {
			t.Errorf("the facilitator's stack needs no %s, checked: %+v", name, c)
		}
	}
	if _, ok := check(checks, "service-linked role AWSServiceRoleForECS"); !ok {
		t.Error("the ECS service-linked role is not checked in the facilitator's account")
	}
	checks = a.Preflight(ctx, Needs{FargateVCPUs: 7.5, VPCs: 1, Facilitator: true})
	if c, _ := check(checks, "Fargate vCPU quota"); c.OK || !strings.Contains(c.Fix, "--service-code fargate --quota-code L-3032A538 --desired-value 8") {
		t.Errorf("Fargate quota of 6 for 7.5 vCPUs: %+v", c)
	}
	if !slices.Contains(asked, "ServiceQuotasV20190624.GetServiceQuota fargate L-3032A538") {
		t.Errorf("Service Quotas was asked %v", asked)
	}
}

// The rules bind no player until the guardrail is attached: preflight
// says so once the game stack is deployed, names who it binds when it is,
// and counts the quotas the deployed stack holds as met.
func TestPreflightChecksThePlayersGuardrailIsAttached(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	need := Needs{ElasticIPs: 3, VPCs: 1, Stack: "UnicornRentals"}
	if c, ok := check(a.Preflight(ctx, need), "players' guardrail"); !ok || !c.OK || !strings.Contains(c.Detail, "run preflight again after accounts deploy") {
		t.Errorf("before the deploy: %+v", c)
	}

	policy, err := a.IAM.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("UnicornRentals-PlayersGuardrail1A2B-3C4D"),
		PolicyDocument: aws.String(`{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "cloudtrail:StopLogging", "Resource": "*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(policy.Policy.Arn)
	if _, err := a.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("UnicornRentals"),
		TemplateBody: aws.String(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"PlayersGuardrailArn": {"Value": "` + arn + `"}}}`)}); err != nil {
		t.Fatal(err)
	}
	checks := a.Preflight(ctx, need)
	if c, _ := check(checks, "players' guardrail"); c.OK || !strings.Contains(c.Detail, "attached to nobody") || !strings.Contains(c.Fix, "aws iam attach-role-policy --role-name <the role the team signs in with> --policy-arn "+arn) {
		t.Errorf("not attached: %+v", c)
	}
	if c, ok := check(checks, "Elastic IP and VPC quotas"); !ok || !c.OK {
		t.Errorf("the deployed stack's quotas: %+v", c)
	}
	if c, ok := check(checks, "VPC quota"); ok {
		t.Errorf("the VPC quota is checked again once the stack holds its VPC: %+v", c)
	}

	if _, err := a.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("TeamAdmin"),
		AssumeRolePolicyDocument: aws.String(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("TeamAdmin"), PolicyArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	if c, _ := check(a.Preflight(ctx, need), "players' guardrail"); !c.OK || c.Detail != "attached to role TeamAdmin" {
		t.Errorf("attached: %+v", c)
	}
	need.SCP = true
	if c, _ := check(a.Preflight(ctx, need), "players' guardrail"); !c.OK || !strings.Contains(c.Detail, "Service Control Policy") {
		t.Errorf("an SCP: %+v", c)
	}
}

// A team's role that cannot be assumed is one failure, named with the
// role, before any check: STS answers AccessDenied as its API reference
// documents (moto assumes any role, so a test server stands in).
func TestAnUnassumableRoleIsOneFailure(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "facilitator")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::999999999999:user/facilitator is not authorized to perform: sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
	}))
	defer sts.Close()
	const role = "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole"
	c, err := Connect(context.Background(), Account{RoleARN: role, Endpoint: sts.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Access(context.Background()); err == nil || !strings.Contains(err.Error(), "cannot assume "+role) || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("access: %v", err)
	}
}

// On request, teardown deletes what still bills: a load balancer, a NAT
// gateway, an instance, an unattached volume and an Elastic IP, until the
// account lists nothing that bills.
func TestTeardownDeletesWhatStillBills(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	a.runInstances(t, ec2types.InstanceTypeM5Large, 1)
	if _, err := a.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(100), VolumeType: ec2types.VolumeTypeGp2}); err != nil {
		t.Fatal(err)
	}
	eip, err := a.EC2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	nat, err := a.EC2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.EC2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(a.subnets[0]), AllocationId: nat.AllocationId}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ELBv2.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("left"), Subnets: a.subnets}); err != nil {
		t.Fatal(err)
	}
	before, err := a.Leftovers(ctx, game.DefaultPrices())
	if err != nil || len(before) < 4 {
		t.Fatalf("before: %q, %v", before, err)
	}
	done, err := a.DeleteLeftovers(ctx)
	if err != nil {
		t.Fatalf("deleted %q: %v", done, err)
	}
	for _, want := range []string{"load balancer left", "1 instances", "Elastic IP " + aws.ToString(eip.PublicIp)} {
		if !slices.Contains(done, want) {
			t.Errorf("deleted %q, want %q among them", done, want)
		}
	}
	after, err := a.Leftovers(ctx, game.DefaultPrices())
	if err != nil || len(after) != 0 {
		t.Errorf("still bills after the deletion: %q, %v", after, err)
	}
}

// What preflight finds missing and can do itself, --fix does: the
// service-linked roles (through IAM) and the CDK bootstrap (through the
// CLI, a stand-in here), into the account the checks read.
func TestFixCreatesTheRolesAndBootstraps(t *testing.T) {
	fake := fakeCDK(t)
	a := newAccount(t)
	ctx := context.Background()
	checks := a.Preflight(ctx, Needs{VPCs: 1})
	a.calls.start()
	done, err := a.Fix(ctx, Team{Name: "team-01", Account: Account{Endpoint: a.calls.url}}, checks, t.TempDir(), func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(done, "created AWSServiceRoleForECS") || !slices.Contains(done, "bootstrapped aws://123456789012/us-east-1") {
		t.Errorf("done %q", done)
	}
	if !a.calls.calls["iam:CreateServiceLinkedRole"] {
		t.Errorf("calls %v", a.calls.calls)
	}
	calls, _ := os.ReadFile(filepath.Join(fake, "calls"))
	if !strings.Contains(string(calls), "cdk bootstrap aws://123456789012/us-east-1") {
		t.Errorf("npx calls: %s", calls)
	}
	for _, c := range checks {
		if !c.OK && !Fixable(c) && (c.Name == "CDK bootstrap" || strings.HasPrefix(c.Name, "service-linked role")) {
			t.Errorf("%s is not fixable", c.Name)
		}
	}
}
