package accounts

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// Hosts are the host names the account can serve the game from: its
// CloudFront distributions' domain names and aliases, and its load
// balancers' DNS names, lower-case and sorted. The calls are the bill's
// own (contract.BillReaderActions).
func (c *Clients) Hosts(ctx context.Context) ([]string, error) {
	var hosts []string
	err := eachPage(ctx, cloudfront.NewListDistributionsPaginator(c.CloudFront, &cloudfront.ListDistributionsInput{}), "cloudfront:ListDistributions", func(out *cloudfront.ListDistributionsOutput) error {
		if out.DistributionList == nil {
			return nil
		}
		for _, d := range out.DistributionList.Items {
			hosts = append(hosts, aws.ToString(d.DomainName))
			if d.Aliases != nil {
				hosts = append(hosts, d.Aliases.Items...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachPage(ctx, elbv2.NewDescribeLoadBalancersPaginator(c.ELBv2, &elbv2.DescribeLoadBalancersInput{}), "elasticloadbalancing:DescribeLoadBalancers", func(out *elbv2.DescribeLoadBalancersOutput) error {
		for _, lb := range out.LoadBalancers {
			hosts = append(hosts, aws.ToString(lb.DNSName))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = eachPage(ctx, elb.NewDescribeLoadBalancersPaginator(c.ELB, &elb.DescribeLoadBalancersInput{}), "elasticloadbalancing:DescribeLoadBalancers (Classic)", func(out *elb.DescribeLoadBalancersOutput) error {
		for _, lb := range out.LoadBalancerDescriptions {
			hosts = append(hosts, aws.ToString(lb.DNSName))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range hosts {
		hosts[i] = strings.ToLower(strings.TrimSuffix(hosts[i], "."))
	}
	slices.Sort(hosts)
	return slices.Compact(hosts), nil
}

// Hosts are the host names of the account reached through role (see
// Clients.Hosts): the board checks a team's proposed endpoint against
// them.
func (b *Biller) Hosts(ctx context.Context, role string) ([]string, error) {
	c, err := b.Connect(ctx, role)
	if err != nil {
		return nil, err
	}
	return c.Hosts(ctx)
}
