package accounts

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
)

// Check is one line of a new account's checklist.
type Check struct {
	Name string
	OK   bool
	// Detail says what was found; Fix, when the check failed, what to do.
	Detail, Fix string
}

// Needs are what a stack needs from its account: one team's game, or the
// facilitator's scoreboard.
type Needs struct {
	// VCPUs of on-demand standard instances at the game's largest fleet:
	// maxCapacity m5.large (2 vCPU) and the forgotten one. 0: not checked.
	VCPUs int
	// FargateVCPUs the stack's tasks take (the facilitator's board and
	// workers). 0: not checked.
	FargateVCPUs float64
	// ElasticIPs the baseline allocates (two NAT gateways and the idle one).
	// 0: not checked.
	ElasticIPs int
	// VPCs the stack creates.
	VPCs int
	// Facilitator checks the facilitator's account: only the service-linked
	// roles its stack needs (ECS and Elastic Load Balancing).
	Facilitator bool
	// Stack is the game stack: once it is deployed, preflight checks that
	// its players' guardrail binds someone in the account. Empty: not
	// checked.
	Stack string
	// SCP says an organization's Service Control Policy holds the rules
	// instead, which a member account cannot read: the guardrail check
	// says so and passes.
	SCP bool
}

// serviceLinkedRoles are the roles AWS creates on a service's first use,
// which a first deploy into a new account can trip on
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html).
var serviceLinkedRoles = []struct {
	role, service string
	facilitator   bool // the facilitator's stack needs it too
}{
	{"AWSServiceRoleForECS", "ecs.amazonaws.com", true},
	{"AWSServiceRoleForApplicationAutoScaling_ECSService", "ecs.application-autoscaling.amazonaws.com", false},
	{"AWSServiceRoleForElasticLoadBalancing", "elasticloadbalancing.amazonaws.com", true},
	{"AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com", false},
}

// Quota codes in Service Quotas.
const (
	quotaStandardVCPUs = "L-1216C47A" // ec2: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances
	quotaVPCs          = "L-F678F1CE" // vpc: VPCs per Region
	quotaFargateVCPUs  = "L-3032A538" // fargate: Fargate On-Demand vCPU resource count
)

// Preflight checks an account before its first deploy, with read-only
// calls, and says how to fix each failure.
func (c *Clients) Preflight(ctx context.Context, need Needs) []Check {
	var out []Check
	add := func(name string, ok bool, detail, fix string) {
		if ok {
			fix = ""
		}
		out = append(out, Check{Name: name, OK: ok, Detail: detail, Fix: fix})
	}

	boot, err := c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String("CDKToolkit")})
	switch {
	case stackMissing(err):
		add("CDK bootstrap", false, "no CDKToolkit stack in "+c.region, "npx cdk bootstrap aws://<account>/"+c.region)
	case err != nil:
		add("CDK bootstrap", false, (&CallError{"cloudformation:DescribeStacks", err}).Error(), "grant the preflight's role cloudformation:DescribeStacks")
	default:
		status := string(boot.Stacks[0].StackStatus)
		add("CDK bootstrap", strings.HasSuffix(status, "_COMPLETE") && !strings.Contains(status, "ROLLBACK") && !strings.Contains(status, "DELETE"),
			"CDKToolkit "+status, "npx cdk bootstrap aws://<account>/"+c.region)
	}

	for _, r := range serviceLinkedRoles {
		if need.Facilitator && !r.facilitator {
			continue
		}
		_, err := c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.role)})
		var missing *iamtypes.NoSuchEntityException
		switch {
		case errors.As(err, &missing):
			add("service-linked role "+r.role, false, "missing: the first "+r.service+" call creates it, and a deploy can fail before it exists",
				"aws iam create-service-linked-role --aws-service-name "+r.service)
		case err != nil:
			add("service-linked role "+r.role, false, (&CallError{"iam:GetRole", err}).Error(), "grant the preflight's role iam:GetRole")
		default:
			add("service-linked role "+r.role, true, "present", "")
		}
	}

	if need.VCPUs > 0 {
		if q, err := c.quota(ctx, "ec2", quotaStandardVCPUs); err != nil {
			add("vCPU quota", false, err.Error(), "check Service Quotas > Amazon EC2 > Running On-Demand Standard instances")
		} else {
			add("vCPU quota", q >= float64(need.VCPUs), fmt.Sprintf("%.0f vCPUs of on-demand standard instances; the game needs up to %d", q, need.VCPUs),
				fmt.Sprintf("aws service-quotas request-service-quota-increase --service-code ec2 --quota-code %s --desired-value %d", quotaStandardVCPUs, need.VCPUs))
		}
	}
	if need.FargateVCPUs > 0 {
		if q, err := c.quota(ctx, "fargate", quotaFargateVCPUs); err != nil {
			add("Fargate vCPU quota", false, err.Error(), "check Service Quotas > AWS Fargate > Fargate On-Demand vCPU resource count")
		} else {
			add("Fargate vCPU quota", q >= need.FargateVCPUs, fmt.Sprintf("%g Fargate on-demand vCPUs; the scoreboard's tasks take %g", q, need.FargateVCPUs),
				fmt.Sprintf("aws service-quotas request-service-quota-increase --service-code fargate --quota-code %s --desired-value %g", quotaFargateVCPUs, math.Ceil(need.FargateVCPUs)))
		}
	}
	// Once the game stack is deployed, it holds its addresses and its VPC,
	// and its guardrail must bind the players.
	var guardrail string
	var stackErr error
	if need.Stack != "" {
		if guardrail, stackErr = c.stackOutput(ctx, need.Stack, contract.GuardrailOutput); stackErr == nil {
			need.ElasticIPs, need.VPCs = 0, 0
			add("Elastic IP and VPC quotas", true, "held by the deployed stack "+need.Stack, "")
		}
	}
	if need.ElasticIPs > 0 {
		c.checkElasticIPs(ctx, need, add)
	}
	if need.VPCs > 0 {
		c.checkVPCs(ctx, need, add)
	}
	if need.Stack != "" {
		c.checkGuardrail(ctx, need, guardrail, stackErr, add)
	}

	// No read-only call can tell whether AWS lets a new account create a
	// distribution: it may ask for account verification at the first
	// CreateDistribution. Reaching the API is what can be checked.
	if _, err := c.CloudFront.ListDistributions(ctx, nil); err != nil {
		add("CloudFront", false, (&CallError{"cloudfront:ListDistributions", err}).Error(), "grant cloudfront:ListDistributions; a new account may also need AWS Support to verify it before its first distribution")
	} else {
		add("CloudFront", true, "reachable; a new account may still be asked for verification at its first distribution (not checkable read-only): deploy fixes=cache to one team a day ahead", "")
	}
	return out
}

// checkGuardrail checks that the game stack's players' guardrail, its
// output arn as read with err, is attached to a role, user or group: the
// rules the runbook states bind nobody until the facilitator attaches it.
func (c *Clients) checkGuardrail(ctx context.Context, need Needs, arn string, err error, add func(name string, ok bool, detail, fix string)) {
	const name = "players' guardrail"
	if need.SCP {
		add(name, true, "held by the organization's Service Control Policy (docs/guardrail-scp.json), which a member account cannot read: check it is attached to the teams' organizational unit", "")
		return
	}
	switch {
	case stackMissing(err):
		add(name, true, "comes with the game stack "+need.Stack+": run preflight again after accounts deploy to check it binds the players", "")
		return
	case err != nil:
		add(name, false, err.Error(), "grant the preflight's role cloudformation:DescribeStacks")
		return
	case arn == "":
		add(name, false, "stack "+need.Stack+" has no "+contract.GuardrailOutput+" output", "update the game stack: gameday accounts deploy")
		return
	}
	fix := "aws iam attach-role-policy --role-name <the role the team signs in with> --policy-arn " + arn + " (or attach docs/guardrail-scp.json as an SCP and give preflight --scp)"
	var bound []string
	pages := iam.NewListEntitiesForPolicyPaginator(c.IAM, &iam.ListEntitiesForPolicyInput{PolicyArn: aws.String(arn)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			add(name, false, (&CallError{"iam:ListEntitiesForPolicy", err}).Error(), "grant the preflight's role iam:ListEntitiesForPolicy")
			return
		}
		for _, r := range page.PolicyRoles {
			bound = append(bound, "role "+aws.ToString(r.RoleName))
		}
		for _, u := range page.PolicyUsers {
			bound = append(bound, "user "+aws.ToString(u.UserName))
		}
		for _, g := range page.PolicyGroups {
			bound = append(bound, "group "+aws.ToString(g.GroupName))
		}
	}
	if len(bound) == 0 {
		add(name, false, "attached to nobody: the rules the runbook states bind no player", fix)
		return
	}
	add(name, true, "attached to "+strings.Join(bound, ", "), "")
}

func (c *Clients) checkElasticIPs(ctx context.Context, need Needs, add func(name string, ok bool, detail, fix string)) {
	attrs, err := c.EC2.DescribeAccountAttributes(ctx, &ec2.DescribeAccountAttributesInput{AttributeNames: []ec2types.AccountAttributeName{"vpc-max-elastic-ips"}})
	addrs, err2 := c.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err = errors.Join(err, err2); err != nil {
		add("Elastic IP quota", false, (&CallError{"ec2:DescribeAccountAttributes/DescribeAddresses", err}).Error(), "grant the preflight's role those two calls")
	} else {
		limit := 0
		for _, a := range attrs.AccountAttributes {
			for _, v := range a.AttributeValues {
				fmt.Sscan(aws.ToString(v.AttributeValue), &limit)
			}
		}
		free := limit - len(addrs.Addresses)
		add("Elastic IP quota", free >= need.ElasticIPs, fmt.Sprintf("%d of %d free; the baseline allocates %d", free, limit, need.ElasticIPs),
			"release unused Elastic IPs, or request more: Service Quotas > Amazon EC2 > EC2-VPC Elastic IPs")
	}
}

func (c *Clients) checkVPCs(ctx context.Context, need Needs, add func(name string, ok bool, detail, fix string)) {
	vpcs, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	q, qerr := c.quota(ctx, "vpc", quotaVPCs)
	if err = errors.Join(err, qerr); err != nil {
		add("VPC quota", false, err.Error(), "grant the preflight's role ec2:DescribeVpcs and servicequotas:GetServiceQuota")
	} else {
		free := int(q) - len(vpcs.Vpcs)
		add("VPC quota", free >= need.VPCs, fmt.Sprintf("%d of %.0f free; the stack creates %d", free, q, need.VPCs),
			fmt.Sprintf("delete an unused VPC, or: aws service-quotas request-service-quota-increase --service-code vpc --quota-code %s --desired-value %.0f", quotaVPCs, q+1))
	}
}

func (c *Clients) quota(ctx context.Context, service, code string) (float64, error) {
	out, err := c.Quotas.GetServiceQuota(ctx, &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(service), QuotaCode: aws.String(code)})
	if err != nil {
		return 0, &CallError{"servicequotas:GetServiceQuota (" + service + " " + code + ")", err}
	}
	return aws.ToFloat64(out.Quota.Value), nil
}

// Leftovers is what still bills in an account after its stacks are gone:
// the live bill's items.
func (c *Clients) Leftovers(ctx context.Context, prices game.Prices) ([]string, error) {
	inv, err := c.Inventory(ctx, time.Now())
	if err != nil {
		return nil, err
	}
	est := Price(inv, prices)
	var out []string
	for _, l := range est.Lines {
		if l.PerHour > 0 || strings.HasPrefix(l.Resource, "EC2 stopped") {
			out = append(out, fmt.Sprintf("%s: $%.4f/h (%s)", l.Resource, l.PerHour, l.Detail))
		}
	}
	for _, u := range est.Unpriced {
		out = append(out, "not priced: "+u)
	}
	return out, nil
}
