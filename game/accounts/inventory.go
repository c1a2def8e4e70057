package accounts

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// Inventory is what an account runs that bills by the hour, read through
// Describe and List calls, whatever made it: the stack, the console or
// the CLI.
type Inventory struct {
	Instances     []Instance
	Volumes       []Volume
	PublicIPv4    []string // every public IPv4 address: Elastic IPs, attached or not, and addresses AWS assigned
	NatGateways   []string
	ClassicLBs    []string
	LoadBalancers []LoadBalancer // Application and Network Load Balancers
	Tasks         []Task         // running ECS tasks
	Distributions []Distribution
	// InterfaceEndpointAZs counts, over every interface VPC endpoint, the
	// Availability Zones it has a network interface in: each bills by the
	// hour.
	InterfaceEndpointAZs int
	// Alarms and Dashboards of CloudWatch in the account's region.
	Alarms, Dashboards int
	// FunctionTargets are the load balancers' target groups that send
	// requests to a Lambda function: answers from outside the service.
	FunctionTargets []string
}

// Instance is an EC2 instance.
type Instance struct {
	ID, Type string
	// Running: billed for compute (pending or running). A stopped
	// instance bills only for its volumes.
	Running bool
}

// Volume is an EBS volume, attached or not.
type Volume struct {
	ID, Type string
	SizeGiB  int32
}

// LoadBalancer is an Application or Network Load Balancer.
type LoadBalancer struct {
	Name, Type string  // application or network
	LCUs       float64 // consumed per hour, from CloudWatch's last five minutes
}

// Task is a running ECS task.
type Task struct {
	ARN          string
	Fargate      bool
	VCPU, GB     float64
	Architecture string // ARM64 or X86_64
	// Zone and Subnet are where the task runs: the quests ask whether
	// the service spans two zones and has room to grow.
	Zone, Subnet string
}

// Distribution is a CloudFront distribution and what it served lately.
type Distribution struct {
	ID string
	// Requests a second, hits among them, and bytes out a second, from
	// CloudFront's own metrics over the minutes published in the last
	// five: never from what the team's endpoint says.
	RPS, HitRatio, BytesPerSecond float64
	// EdgeFunctions are the CloudFront Functions and Lambda@Edge
	// functions its cache behaviors run: code answering at the edge, which
	// the rules forbid.
	EdgeFunctions int
}

// window is how far back metrics are read: CloudFront and ELB publish a
// point a minute, a few minutes late.
const window = 5 * time.Minute

// Inventory reads what the account runs now, its kinds of resource at
// once (an account full of empty resources of one kind delays only that
// kind's reads). The first call that fails ends it: a partial inventory
// would be billed as less than it is.
func (c *Clients) Inventory(ctx context.Context, now time.Time) (Inventory, error) {
	steps := []func(context.Context, *Inventory, time.Time) error{
		c.instances, c.volumes, c.addresses, c.natGateways, c.classicLBs, c.loadBalancers, c.tasks, c.distributions,
		c.endpoints, c.monitoring, c.functionTargets,
	}
	parts, errs := make([]Inventory, len(steps)), make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = step(ctx, &parts[i], now)
		}()
	}
	wg.Wait()
	// The first failure in the steps' order, whichever failed first in
	// time, so the same denial is always the one reported.
	for _, err := range errs {
		if err != nil {
			return Inventory{}, err
		}
	}
	var inv Inventory
	for _, part := range parts {
		inv = inv.merge(part)
	}
	return inv, nil
}

// merge adds what b holds to a: each list appended, each count added.
func (a Inventory) merge(b Inventory) Inventory {
	av, bv := reflect.ValueOf(&a).Elem(), reflect.ValueOf(b)
	for i := range av.NumField() {
		f := av.Field(i)
		switch f.Kind() {
		case reflect.Slice:
			f.Set(reflect.AppendSlice(f, bv.Field(i)))
		case reflect.Int:
			f.SetInt(f.Int() + bv.Field(i).Int())
		default:
			panic("Inventory.merge: a field of kind " + f.Kind().String() + " needs a rule") // a test merges every field
		}
	}
	return a
}

// pager is an AWS SDK for Go v2 paginator: each service's has this
// shape, with its own output and options types.
type pager[O, P any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*P)) (O, error)
}

// eachPage calls page with every page of p; a failed call is a CallError
// naming the action, so that a denied or throttled read says which.
func eachPage[O, P any](ctx context.Context, p pager[O, P], action string, page func(O) error) error {
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return &CallError{action, err}
		}
		if err := page(out); err != nil {
			return err
		}
	}
	return nil
}

func (c *Clients) instances(ctx context.Context, inv *Inventory, _ time.Time) error {
	return eachPage(ctx, ec2.NewDescribeInstancesPaginator(c.EC2, &ec2.DescribeInstancesInput{}), "ec2:DescribeInstances", func(out *ec2.DescribeInstancesOutput) error {
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				state := ec2types.InstanceStateNameRunning
				if i.State != nil {
					state = i.State.Name
				}
				if state == ec2types.InstanceStateNameTerminated || state == ec2types.InstanceStateNameShuttingDown {
					continue
				}
				inv.Instances = append(inv.Instances, Instance{
					ID: aws.ToString(i.InstanceId), Type: string(i.InstanceType),
					Running: state == ec2types.InstanceStateNameRunning || state == ec2types.InstanceStateNamePending,
				})
			}
		}
		return nil
	})
}

func (c *Clients) volumes(ctx context.Context, inv *Inventory, _ time.Time) error {
	return eachPage(ctx, ec2.NewDescribeVolumesPaginator(c.EC2, &ec2.DescribeVolumesInput{}), "ec2:DescribeVolumes", func(out *ec2.DescribeVolumesOutput) error {
		for _, v := range out.Volumes {
			if v.State == ec2types.VolumeStateDeleted || v.State == ec2types.VolumeStateDeleting {
				continue
			}
			inv.Volumes = append(inv.Volumes, Volume{ID: aws.ToString(v.VolumeId), Type: string(v.VolumeType), SizeGiB: aws.ToInt32(v.Size)})
		}
		return nil
	})
}

// addresses counts public IPv4 addresses, each billed by the hour whether
// in use or not (https://aws.amazon.com/vpc/pricing/, "Public IPv4
// Addresses"): Elastic IPs, and the addresses network interfaces carry
// that are not Elastic IPs (instances', load balancers' nodes).
func (c *Clients) addresses(ctx context.Context, inv *Inventory, _ time.Time) error {
	out, err := c.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		return &CallError{"ec2:DescribeAddresses", err}
	}
	seen := map[string]bool{}
	for _, a := range out.Addresses {
		ip := aws.ToString(a.PublicIp)
		seen[ip] = true
		inv.PublicIPv4 = append(inv.PublicIPv4, ip)
	}
	return eachPage(ctx, ec2.NewDescribeNetworkInterfacesPaginator(c.EC2, &ec2.DescribeNetworkInterfacesInput{}), "ec2:DescribeNetworkInterfaces", func(page *ec2.DescribeNetworkInterfacesOutput) error {
		for _, ni := range page.NetworkInterfaces {
			if ni.Association == nil {
				continue
			}
			if ip := aws.ToString(ni.Association.PublicIp); ip != "" && !seen[ip] {
				seen[ip] = true
				inv.PublicIPv4 = append(inv.PublicIPv4, ip)
			}
		}
		return nil
	})
}

func (c *Clients) natGateways(ctx context.Context, inv *Inventory, _ time.Time) error {
	return eachPage(ctx, ec2.NewDescribeNatGatewaysPaginator(c.EC2, &ec2.DescribeNatGatewaysInput{}), "ec2:DescribeNatGateways", func(out *ec2.DescribeNatGatewaysOutput) error {
		for _, n := range out.NatGateways {
			if n.State == ec2types.NatGatewayStateAvailable || n.State == ec2types.NatGatewayStatePending {
				inv.NatGateways = append(inv.NatGateways, aws.ToString(n.NatGatewayId))
			}
		}
		return nil
	})
}

func (c *Clients) classicLBs(ctx context.Context, inv *Inventory, _ time.Time) error {
	return eachPage(ctx, elb.NewDescribeLoadBalancersPaginator(c.ELB, &elb.DescribeLoadBalancersInput{}), "elasticloadbalancing:DescribeLoadBalancers (Classic)", func(out *elb.DescribeLoadBalancersOutput) error {
		for _, lb := range out.LoadBalancerDescriptions {
			inv.ClassicLBs = append(inv.ClassicLBs, aws.ToString(lb.LoadBalancerName))
		}
		return nil
	})
}

func (c *Clients) loadBalancers(ctx context.Context, inv *Inventory, now time.Time) error {
	return eachPage(ctx, elbv2.NewDescribeLoadBalancersPaginator(c.ELBv2, &elbv2.DescribeLoadBalancersInput{}), "elasticloadbalancing:DescribeLoadBalancers", func(out *elbv2.DescribeLoadBalancersOutput) error {
		for _, lb := range out.LoadBalancers {
			l := LoadBalancer{Name: aws.ToString(lb.LoadBalancerName), Type: string(lb.Type)}
			if lb.Type == "application" {
				// The metric's dimension is the ARN's suffix: app/name/id.
				_, suffix, _ := strings.Cut(aws.ToString(lb.LoadBalancerArn), ":loadbalancer/")
				lcus, err := c.average(ctx, c.regional, "AWS/ApplicationELB", "ConsumedLCUs", map[string]string{"LoadBalancer": suffix}, now)
				if err != nil {
					return err
				}
				l.LCUs = lcus
			}
			inv.LoadBalancers = append(inv.LoadBalancers, l)
		}
		return nil
	})
}

func (c *Clients) functionTargets(ctx context.Context, inv *Inventory, _ time.Time) error {
	return eachPage(ctx, elbv2.NewDescribeTargetGroupsPaginator(c.ELBv2, &elbv2.DescribeTargetGroupsInput{}), "elasticloadbalancing:DescribeTargetGroups", func(out *elbv2.DescribeTargetGroupsOutput) error {
		for _, g := range out.TargetGroups {
			if g.TargetType == elbv2types.TargetTypeEnumLambda {
				inv.FunctionTargets = append(inv.FunctionTargets, aws.ToString(g.TargetGroupName))
			}
		}
		return nil
	})
}

// clusterReads is how many clusters' tasks are read at once: an account
// with thousands of empty clusters is read in seconds, within the API's
// rates.
const clusterReads = 16

func (c *Clients) tasks(ctx context.Context, inv *Inventory, _ time.Time) error {
	var clusters []string
	err := eachPage(ctx, ecs.NewListClustersPaginator(c.ECS, &ecs.ListClustersInput{}), "ecs:ListClusters", func(page *ecs.ListClustersOutput) error {
		clusters = append(clusters, page.ClusterArns...)
		return nil
	})
	if err != nil {
		return err
	}
	var (
		mu   sync.Mutex
		arch = map[string]string{} // by task definition
		errs = make([]error, len(clusters))
		per  = make([][]Task, len(clusters))
		slot = make(chan struct{}, clusterReads)
		wg   sync.WaitGroup
	)
	for i, cluster := range clusters {
		wg.Add(1)
		slot <- struct{}{}
		go func() {
			defer func() { <-slot; wg.Done() }()
			per[i], errs[i] = c.clusterTasks(ctx, cluster, &mu, arch)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for _, tasks := range per {
		inv.Tasks = append(inv.Tasks, tasks...)
	}
	return nil
}

// clusterTasks reads one cluster's running tasks, a page of up to 100 at a
// time, each page described in one call; arch caches the task
// definitions' architectures, under mu.
func (c *Clients) clusterTasks(ctx context.Context, cluster string, mu *sync.Mutex, arch map[string]string) ([]Task, error) {
	var out []Task
	tasks := ecs.NewListTasksPaginator(c.ECS, &ecs.ListTasksInput{Cluster: aws.String(cluster), DesiredStatus: "RUNNING"})
	for tasks.HasMorePages() {
		list, err := tasks.NextPage(ctx)
		if err != nil {
			return nil, &CallError{"ecs:ListTasks", err}
		}
		if len(list.TaskArns) == 0 {
			continue
		}
		described, err := c.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: list.TaskArns})
		if err != nil {
			return nil, &CallError{"ecs:DescribeTasks", err}
		}
		for _, t := range described.Tasks {
			task := Task{ARN: aws.ToString(t.TaskArn), Fargate: t.LaunchType == "FARGATE", VCPU: units(t.Cpu) / 1024, GB: units(t.Memory) / 1024, Zone: aws.ToString(t.AvailabilityZone)}
			for _, a := range t.Attachments {
				for _, d := range a.Details {
					if aws.ToString(d.Name) == "subnetId" {
						task.Subnet = aws.ToString(d.Value)
					}
				}
			}
			def := aws.ToString(t.TaskDefinitionArn)
			mu.Lock()
			a, known := arch[def]
			mu.Unlock()
			if !known && task.Fargate {
				d, err := c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(def)})
				if err != nil {
					return nil, &CallError{"ecs:DescribeTaskDefinition", err}
				}
				a = "X86_64"
				if rp := d.TaskDefinition.RuntimePlatform; rp != nil && rp.CpuArchitecture != "" {
					a = string(rp.CpuArchitecture)
				}
				mu.Lock()
				arch[def] = a
				mu.Unlock()
			}
			task.Architecture = a
			out = append(out, task)
		}
	}
	return out, nil
}

func (c *Clients) distributions(ctx context.Context, inv *Inventory, now time.Time) error {
	return eachPage(ctx, cloudfront.NewListDistributionsPaginator(c.CloudFront, &cloudfront.ListDistributionsInput{}), "cloudfront:ListDistributions", func(out *cloudfront.ListDistributionsOutput) error {
		if out.DistributionList == nil {
			return nil
		}
		for _, d := range out.DistributionList.Items {
			id := aws.ToString(d.Id)
			dims := map[string]string{"DistributionId": id, "Region": "Global"}
			rps, err := c.perSecond(ctx, "AWS/CloudFront", "Requests", dims, now)
			if err != nil {
				return err
			}
			bps, err := c.perSecond(ctx, "AWS/CloudFront", "BytesDownloaded", dims, now)
			if err != nil {
				return err
			}
			hits, err := c.average(ctx, c.CloudWatch, "AWS/CloudFront", "CacheHitRate", dims, now)
			if err != nil {
				return err
			}
			inv.Distributions = append(inv.Distributions, Distribution{
				ID: id, RPS: rps, BytesPerSecond: bps, HitRatio: hits / 100, EdgeFunctions: edgeFunctions(d),
			})
		}
		return nil
	})
}

// edgeFunctions counts the functions a distribution's cache behaviors
// run, as its summary lists them.
func edgeFunctions(d cftypes.DistributionSummary) int {
	n := 0
	count := func(f *cftypes.FunctionAssociations, l *cftypes.LambdaFunctionAssociations) {
		if f != nil {
			n += int(aws.ToInt32(f.Quantity))
		}
		if l != nil {
			n += int(aws.ToInt32(l.Quantity))
		}
	}
	if b := d.DefaultCacheBehavior; b != nil {
		count(b.FunctionAssociations, b.LambdaFunctionAssociations)
	}
	if d.CacheBehaviors != nil {
		for _, b := range d.CacheBehaviors.Items {
			count(b.FunctionAssociations, b.LambdaFunctionAssociations)
		}
	}
	return n
}

// perSecond is a CloudFront metric's rate over the minutes CloudWatch has
// published in the window: each point is one whole minute's sum, and the
// newest minutes, not published yet, count neither as zero nor at all, so
// the delay cannot underprice a distribution. (A minute with no request
// has no point: an idle stretch raises the rate of the busy ones, which
// bills more, never less.)
func (c *Clients) perSecond(ctx context.Context, ns, name string, dims map[string]string, now time.Time) (float64, error) {
	points, err := c.statistics(ctx, c.CloudWatch, ns, name, dims, now, cwtypes.StatisticSum)
	if len(points) == 0 {
		return 0, err
	}
	total := 0.0
	for _, p := range points {
		total += aws.ToFloat64(p.Sum)
	}
	return total / (float64(len(points)) * time.Minute.Seconds()), err
}

// average is a metric's mean over the window, 0 without points.
func (c *Clients) average(ctx context.Context, cw *cloudwatch.Client, ns, name string, dims map[string]string, now time.Time) (float64, error) {
	points, err := c.statistics(ctx, cw, ns, name, dims, now, cwtypes.StatisticAverage)
	if len(points) == 0 {
		return 0, err
	}
	total := 0.0
	for _, p := range points {
		total += aws.ToFloat64(p.Average)
	}
	return total / float64(len(points)), err
}

func (c *Clients) statistics(ctx context.Context, cw *cloudwatch.Client, ns, name string, dims map[string]string, now time.Time, stat cwtypes.Statistic) ([]cwtypes.Datapoint, error) {
	var d []cwtypes.Dimension
	for k, v := range dims {
		d = append(d, cwtypes.Dimension{Name: aws.String(k), Value: aws.String(v)})
	}
	out, err := cw.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{
		Namespace: aws.String(ns), MetricName: aws.String(name), Dimensions: d,
		StartTime: aws.Time(now.Add(-window)), EndTime: aws.Time(now),
		Period: aws.Int32(60), Statistics: []cwtypes.Statistic{stat},
	})
	if err != nil {
		return nil, &CallError{"cloudwatch:GetMetricStatistics (" + ns + " " + name + ")", err}
	}
	return out.Datapoints, nil
}

// units reads an ECS task's CPU units or MiB ("256", "512").
func units(s *string) float64 {
	v, _ := strconv.ParseFloat(aws.ToString(s), 64)
	return v
}

func (c *Clients) endpoints(ctx context.Context, inv *Inventory, _ time.Time) error {
	return eachPage(ctx, ec2.NewDescribeVpcEndpointsPaginator(c.EC2, &ec2.DescribeVpcEndpointsInput{}), "ec2:DescribeVpcEndpoints", func(out *ec2.DescribeVpcEndpointsOutput) error {
		for _, e := range out.VpcEndpoints {
			if e.VpcEndpointType == ec2types.VpcEndpointTypeInterface {
				inv.InterfaceEndpointAZs += len(e.SubnetIds)
			}
		}
		return nil
	})
}

func (c *Clients) monitoring(ctx context.Context, inv *Inventory, _ time.Time) error {
	if err := eachPage(ctx, cloudwatch.NewDescribeAlarmsPaginator(c.regional, &cloudwatch.DescribeAlarmsInput{}), "cloudwatch:DescribeAlarms", func(out *cloudwatch.DescribeAlarmsOutput) error {
		inv.Alarms += len(out.MetricAlarms) + len(out.CompositeAlarms)
		return nil
	}); err != nil {
		return err
	}
	return eachPage(ctx, cloudwatch.NewListDashboardsPaginator(c.regional, &cloudwatch.ListDashboardsInput{}), "cloudwatch:ListDashboards", func(out *cloudwatch.ListDashboardsOutput) error {
		inv.Dashboards += len(out.DashboardEntries)
		return nil
	})
}
