package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// cleanupWait bounds the wait for terminated instances to end, which
// frees their volumes and addresses.
var cleanupWait = 10 * time.Minute

// DeleteLeftovers deletes what still bills in a game account once its
// stacks are gone, when the facilitator asks (gameday accounts teardown
// --delete): load balancers, NAT gateways, instances, then the volumes and
// Elastic IPs they held, in that order, as each frees the next. It returns
// what it deleted and what it could not, with the call that failed.
// CloudFront distributions are left for the facilitator: one must be
// disabled and deployed, minutes later, before it can be deleted.
func (c *Clients) DeleteLeftovers(ctx context.Context) ([]string, error) {
	var done []string
	var problems []error
	try := func(what, call string, err error) {
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", what, &CallError{call, err}))
			return
		}
		done = append(done, what)
	}

	err := eachPage(ctx, elbv2.NewDescribeLoadBalancersPaginator(c.ELBv2, &elbv2.DescribeLoadBalancersInput{}), "elasticloadbalancing:DescribeLoadBalancers", func(out *elbv2.DescribeLoadBalancersOutput) error {
		for _, lb := range out.LoadBalancers {
			_, err := c.ELBv2.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
			try("load balancer "+aws.ToString(lb.LoadBalancerName), "elasticloadbalancing:DeleteLoadBalancer", err)
		}
		return nil
	})
	problems = append(problems, err)
	err = eachPage(ctx, elb.NewDescribeLoadBalancersPaginator(c.ELB, &elb.DescribeLoadBalancersInput{}), "elasticloadbalancing:DescribeLoadBalancers (Classic)", func(out *elb.DescribeLoadBalancersOutput) error {
		for _, lb := range out.LoadBalancerDescriptions {
			_, err := c.ELB.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerName: lb.LoadBalancerName})
			try("Classic Load Balancer "+aws.ToString(lb.LoadBalancerName), "elasticloadbalancing:DeleteLoadBalancer", err)
		}
		return nil
	})
	problems = append(problems, err)
	err = eachPage(ctx, ec2.NewDescribeNatGatewaysPaginator(c.EC2, &ec2.DescribeNatGatewaysInput{}), "ec2:DescribeNatGateways", func(out *ec2.DescribeNatGatewaysOutput) error {
		for _, g := range out.NatGateways {
			if g.State == ec2types.NatGatewayStateDeleted || g.State == ec2types.NatGatewayStateDeleting {
				continue
			}
			_, err := c.EC2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: g.NatGatewayId})
			try("NAT gateway "+aws.ToString(g.NatGatewayId), "ec2:DeleteNatGateway", err)
		}
		return nil
	})
	problems = append(problems, err)
	var instances []string
	err = eachPage(ctx, ec2.NewDescribeInstancesPaginator(c.EC2, &ec2.DescribeInstancesInput{}), "ec2:DescribeInstances", func(out *ec2.DescribeInstancesOutput) error {
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				if i.State != nil && i.State.Name != ec2types.InstanceStateNameTerminated && i.State.Name != ec2types.InstanceStateNameShuttingDown {
					instances = append(instances, aws.ToString(i.InstanceId))
				}
			}
		}
		return nil
	})
	problems = append(problems, err)
	if len(instances) > 0 {
		_, err := c.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: instances})
		try(fmt.Sprintf("%d instances", len(instances)), "ec2:TerminateInstances", err)
		if err == nil {
			// Their volumes and addresses are free only once they are gone.
			waiter := ec2.NewInstanceTerminatedWaiter(c.EC2)
			if err := waiter.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: instances}, cleanupWait); err != nil {
				problems = append(problems, fmt.Errorf("the instances did not end within %s: run teardown --delete again for their volumes and addresses: %w", cleanupWait, err))
			}
		}
	}
	err = eachPage(ctx, ec2.NewDescribeVolumesPaginator(c.EC2, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: aws.String("status"), Values: []string{"available"}}}}), "ec2:DescribeVolumes", func(out *ec2.DescribeVolumesOutput) error {
		for _, v := range out.Volumes {
			_, err := c.EC2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: v.VolumeId})
			try("volume "+aws.ToString(v.VolumeId), "ec2:DeleteVolume", err)
		}
		return nil
	})
	problems = append(problems, err)
	addrs, err := c.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		problems = append(problems, &CallError{"ec2:DescribeAddresses", err})
	} else {
		for _, a := range addrs.Addresses {
			if a.AssociationId != nil {
				_, err := c.EC2.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: a.AssociationId})
				if err != nil {
					try("Elastic IP "+aws.ToString(a.PublicIp), "ec2:DisassociateAddress", err)
					continue
				}
			}
			_, err := c.EC2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: a.AllocationId})
			try("Elastic IP "+aws.ToString(a.PublicIp), "ec2:ReleaseAddress", err)
		}
	}
	return done, errors.Join(problems...)
}
