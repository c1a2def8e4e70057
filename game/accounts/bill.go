package accounts

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/unicorn-rentals/gameday/game"
)

// hoursPerMonth turns monthly prices into hourly ones, as AWS bills EBS.
const hoursPerMonth = 730

// freeDashboards are the CloudWatch dashboards an account has at no charge.
const freeDashboards = 3

// Price turns an inventory into an hourly bill with the game's price
// table: one line a kind of resource, and, listed apart, whatever bills
// but the table has no price for, never counted as zero without saying so.
func Price(inv Inventory, p game.Prices) game.Estimate {
	var est game.Estimate
	add := func(what, detail string, perHour float64) {
		est.Lines = append(est.Lines, game.Line{Resource: what, Detail: detail, PerHour: perHour})
		est.Total += perHour
	}

	running, unlisted := map[string]int{}, map[string]int{}
	for _, i := range inv.Instances {
		if !i.Running {
			continue
		}
		if _, ok := p.Hourly["ec2:"+i.Type]; !ok {
			unlisted[i.Type]++
			continue
		}
		running[i.Type]++
	}
	for _, typ := range slices.Sorted(maps.Keys(running)) {
		n := running[typ]
		add("EC2 "+typ, fmt.Sprintf("%d running", n), float64(n)*p.Hourly["ec2:"+typ])
	}
	// A type the game does not allow is billed at the game's high rate,
	// never at zero: no team gains by one the table does not know.
	for _, typ := range slices.Sorted(maps.Keys(unlisted)) {
		n := unlisted[typ]
		add("EC2 "+typ, fmt.Sprintf("%d running: not an allowed type, billed at the game's rate for one", n), float64(n)*p.Hourly["ec2:unlisted"])
		est.Breaks = append(est.Breaks, fmt.Sprintf("%d %s instances running: the game allows only its instance type", n, typ))
	}
	if stopped := len(inv.Instances) - countRunning(inv.Instances); stopped > 0 {
		add("EC2 stopped", fmt.Sprintf("%d stopped: their volumes bill, their compute does not", stopped), 0)
	}

	gib := map[string]int32{}
	for _, v := range inv.Volumes {
		if _, ok := p.Monthly["ebs-gb:"+v.Type]; !ok {
			est.Unpriced = append(est.Unpriced, fmt.Sprintf("%s (EBS %s, %d GiB: not in the price table)", v.ID, v.Type, v.SizeGiB))
			continue
		}
		gib[v.Type] += v.SizeGiB
	}
	for _, typ := range slices.Sorted(maps.Keys(gib)) {
		add("EBS "+typ, fmt.Sprintf("%d GiB", gib[typ]), float64(gib[typ])*p.Monthly["ebs-gb:"+typ]/hoursPerMonth)
	}

	if n := len(inv.PublicIPv4); n > 0 {
		add("public IPv4", fmt.Sprintf("%d addresses", n), float64(n)*p.Hourly["public-ipv4"])
	}
	if n := len(inv.NatGateways); n > 0 {
		add("NAT gateway", fmt.Sprintf("%d, hours (data processed not read)", n), float64(n)*p.Hourly["nat-gateway"])
	}
	if n := len(inv.ClassicLBs); n > 0 {
		add("Classic Load Balancer", fmt.Sprintf("%d, hours", n), float64(n)*p.Hourly["classic-lb"])
	}
	for _, lb := range inv.LoadBalancers {
		switch lb.Type {
		case "application":
			add("ALB "+lb.Name, fmt.Sprintf("hours and %.2f LCU", lb.LCUs), p.Hourly["alb"]+lb.LCUs*p.Hourly["alb-lcu"])
		case "network":
			add("NLB "+lb.Name, "hours (capacity units not read)", p.Hourly["nlb"])
		case "gateway":
			add("GWLB "+lb.Name, "hours (capacity units not read)", p.Hourly["gwlb"])
		default:
			est.Unpriced = append(est.Unpriced, fmt.Sprintf("%s (%s load balancer: not in the price table)", lb.Name, lb.Type))
		}
	}

	type size struct {
		vcpu, gb float64
		arch     string
	}
	tasks := map[size]int{}
	for _, t := range inv.Tasks {
		if !t.Fargate {
			continue // on EC2 instances, billed as the instances
		}
		if _, ok := p.Hourly["fargate-vcpu:"+t.Architecture]; !ok {
			est.Unpriced = append(est.Unpriced, fmt.Sprintf("%s (Fargate %s: not in the price table)", t.ARN, t.Architecture))
			continue
		}
		tasks[size{t.VCPU, t.GB, t.Architecture}]++
	}
	sizes := make([]size, 0, len(tasks))
	for s := range tasks {
		sizes = append(sizes, s)
	}
	sort.Slice(sizes, func(i, j int) bool { return fmt.Sprint(sizes[i]) < fmt.Sprint(sizes[j]) })
	for _, s := range sizes {
		n := float64(tasks[s])
		per := s.vcpu*p.Hourly["fargate-vcpu:"+s.arch] + s.gb*p.Hourly["fargate-gb:"+s.arch]
		add(fmt.Sprintf("Fargate %.2g vCPU %.2g GB %s", s.vcpu, s.gb, s.arch), fmt.Sprintf("%.0f tasks", n), n*per)
	}

	if inv.InterfaceEndpointAZs > 0 {
		add("VPC interface endpoints", fmt.Sprintf("%d endpoint-AZs (data processed not read)", inv.InterfaceEndpointAZs), float64(inv.InterfaceEndpointAZs)*p.Hourly["interface-endpoint-az"])
	}
	if inv.Alarms > 0 {
		add("CloudWatch alarms", fmt.Sprintf("%d, at the standard alarm's price", inv.Alarms), float64(inv.Alarms)*p.Monthly["cloudwatch-alarm"]/hoursPerMonth)
	}
	// AWS gives every account 3 dashboards free (https://aws.amazon.com/cloudwatch/pricing/).
	if n := inv.Dashboards - freeDashboards; n > 0 {
		add("CloudWatch dashboards", fmt.Sprintf("%d beyond the %d free", n, freeDashboards), float64(n)*p.Monthly["cloudwatch-dashboard"]/hoursPerMonth)
	}

	for _, g := range inv.FunctionTargets {
		est.Breaks = append(est.Breaks, fmt.Sprintf("target group %s sends requests to a Lambda function: answers come from the service", g))
	}
	for _, d := range inv.Distributions {
		requests := d.RPS * 3600 / 10000 * p.Usage["cloudfront-10k-https"]
		out := d.BytesPerSecond * 3600 / 1e9 * p.Usage["cloudfront-gb-out"]
		add("CloudFront "+d.ID, fmt.Sprintf("%.1f requests/s, %.0f%% hits (CloudFront's metrics); origin fetches free", d.RPS, d.HitRatio*100), requests+out)
		if d.EdgeFunctions > 0 {
			est.Breaks = append(est.Breaks, fmt.Sprintf("CloudFront %s runs %d edge functions: answers come from the service", d.ID, d.EdgeFunctions))
		}
	}
	return est
}

func countRunning(is []Instance) int {
	n := 0
	for _, i := range is {
		if i.Running {
			n++
		}
	}
	return n
}
