package config

import (
	"fmt"
	"sort"
	"strings"

	"github.com/unicorn-rentals/gameday/cfn"
)

// Summary describes a synthesized game stack in one line: the fix set, how
// many resources, and which parts carry the traffic.
func Summary(cfg Config, template map[string]any) string {
	count := cfn.CountByType(template)
	var parts []string
	for _, p := range []struct{ typ, name string }{
		{"AWS::CloudFront::Distribution", "CloudFront"},
		{"AWS::ElasticLoadBalancing::LoadBalancer", "Classic LB"},
		{"AWS::ElasticLoadBalancingV2::LoadBalancer", "ALB"},
		{"AWS::AutoScaling::AutoScalingGroup", "EC2 Auto Scaling group"},
		{"AWS::ECS::Service", "ECS service"},
		{"AWS::EC2::NatGateway", "NAT gateway"},
	} {
		if n := count[p.typ]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, p.name))
		}
	}
	sort.Strings(parts)
	return fmt.Sprintf("%s (fixes: %s): %d resources; %s; waste $%.3f/h",
		cfg.StackName, cfg.Fixes, len(cfn.Resources(template)), strings.Join(parts, ", "), cfg.Fixes.WasteCostPerHour())
}
