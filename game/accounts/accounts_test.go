package accounts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbv2types "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

// account is a team's account as moto holds it: a VPC with two subnets,
// and whatever each test builds in it through the API.
type account struct {
	*Clients
	calls   *recorder
	subnets []string
	vpc     string
	image   string
}

func newAccount(t *testing.T) *account {
	t.Helper()
	rec := newRecorder(t, testkit.Moto(t))
	c, err := Connect(context.Background(), Account{Endpoint: rec.url})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := &account{Clients: c, calls: rec}
	vpc, err := c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	a.vpc = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String([]string{"10.0.0.0/24", "10.0.1.0/24"}[i]), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		a.subnets = append(a.subnets, aws.ToString(s.Subnet.SubnetId))
	}
	images, err := c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(images.Images) == 0 {
		t.Fatalf("moto lists no image: %v", err)
	}
	a.image = aws.ToString(images.Images[0].ImageId)
	return a
}

// runInstances starts n instances, as a team might in the console.
func (a *account) runInstances(t *testing.T, typ ec2types.InstanceType, n int32) []string {
	t.Helper()
	return a.run(t, &ec2.RunInstancesInput{InstanceType: typ, MinCount: aws.Int32(n), MaxCount: aws.Int32(n), SubnetId: aws.String(a.subnets[0])})
}

// run launches the instances in, of the account's image, and lists them.
func (a *account) run(t *testing.T, in *ec2.RunInstancesInput) []string {
	t.Helper()
	in.ImageId = aws.String(a.image)
	out, err := a.EC2.RunInstances(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, i := range out.Instances {
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	return ids
}

func (a *account) bill(t *testing.T) game.Estimate {
	t.Helper()
	a.calls.start()
	inv, err := a.Inventory(context.Background(), time.Now())
	a.calls.stop()
	if err != nil {
		t.Fatal(err)
	}
	return Price(inv, game.DefaultPrices())
}

func line(est game.Estimate, prefix string) (game.Line, bool) {
	for _, l := range est.Lines {
		if strings.HasPrefix(l.Resource, prefix) {
			return l, true
		}
	}
	return game.Line{}, false
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// What the API built is billed as the price table says, line by line.
func TestTheLiveBillPricesWhatTheAccountRuns(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	a.runInstances(t, ec2types.InstanceTypeM5Large, 2)
	if _, err := a.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(100), VolumeType: ec2types.VolumeTypeGp2}); err != nil {
		t.Fatal(err)
	}
	eip, err := a.EC2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	natEIP, err := a.EC2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.EC2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(a.subnets[0]), AllocationId: natEIP.AllocationId}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ELB.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{LoadBalancerName: aws.String("clb"), AvailabilityZones: []string{"us-east-1a"},
		Listeners: []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ELBv2.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: a.subnets}); err != nil {
		t.Fatal(err)
	}
	a.runTasks(t, 3)
	if _, err := a.EC2.CreateVpcEndpoint(ctx, &ec2.CreateVpcEndpointInput{VpcId: aws.String(a.vpc), ServiceName: aws.String("com.amazonaws.us-east-1.ecr.api"),
		VpcEndpointType: ec2types.VpcEndpointTypeInterface, SubnetIds: a.subnets}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"errors", "latency"} {
		if _, err := a.regional.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String(name), MetricName: aws.String("Errors"), Namespace: aws.String("Game"),
			Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1), ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		if _, err := a.regional.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String(fmt.Sprint("board-", i)), DashboardBody: aws.String(`{"widgets":[]}`)}); err != nil {
			t.Fatal(err)
		}
	}
	dist := a.distribution(t)
	// CloudFront's metrics: 3,000 requests and 1.5 MB in the one minute
	// published of the last five: priced as that minute's rate.
	a.metric(t, "Requests", dist, 3000)
	a.metric(t, "BytesDownloaded", dist, 1.5e6)
	a.metric(t, "CacheHitRate", dist, 80)

	est := a.bill(t)
	p := game.DefaultPrices()
	rootGiB := 0.0 // moto gives each instance a root volume: billed as EBS like any volume
	inv, _ := a.Inventory(ctx, time.Now())
	for _, v := range inv.Volumes {
		if v.Type == "gp2" {
			rootGiB += float64(v.SizeGiB)
		}
	}
	if rootGiB < 100 {
		t.Fatalf("volumes %+v: the 100 GiB one is missing", inv.Volumes)
	}
	want := map[string]float64{
		"EC2 m5.large":                   2 * 0.096,
		"EBS gp2":                        rootGiB * 0.10 / 730,
		"NAT gateway":                    0.045,
		"Classic Load Balancer":          0.025,
		"ALB alb":                        0.0225,
		"Fargate 0.25 vCPU 0.5 GB ARM64": 3 * (0.25*0.03238 + 0.5*0.00356),
		"CloudFront " + dist:             3000.0/60*3600/10000*0.01 + 1.5e6/60*3600/1e9*0.085,
		"VPC interface endpoints":        2 * 0.01,
		"CloudWatch alarms":              2 * 0.10 / 730,
		"CloudWatch dashboards":          2 * 3.0 / 730, // 5, of which 3 are free
	}
	for what, perHour := range want {
		l, ok := line(est, what)
		if !ok || !near(l.PerHour, perHour) {
			t.Errorf("%s: $%v/h (%v), want $%v/h", what, l.PerHour, ok, perHour)
		}
	}
	// Two Elastic IPs, and whatever public addresses moto gave the
	// instances and load balancers: each $0.005 an hour.
	ips, ok := line(est, "public IPv4")
	if !ok || ips.PerHour < 2*p.Hourly["public-ipv4"] || !strings.Contains(ips.Detail, "addresses") {
		t.Errorf("public IPv4: %+v (EIP %s)", ips, aws.ToString(eip.PublicIp))
	}
	if !near(est.Total, sum(est)) {
		t.Errorf("total $%v/h, lines add to $%v/h", est.Total, sum(est))
	}
	if l, _ := line(est, "CloudFront"); !strings.Contains(l.Detail, "80% hits") {
		t.Errorf("CloudFront line %q: the hit ratio comes from CloudFront's CacheHitRate", l.Detail)
	}
}

func sum(est game.Estimate) float64 {
	total := 0.0
	for _, l := range est.Lines {
		total += l.PerHour
	}
	return total
}

// An instance started outside the stack is in the next bill; a stopped
// one stops billing compute and keeps billing its volume.
func TestTheLiveBillFollowsTheConsole(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	ids := a.runInstances(t, ec2types.InstanceTypeM5Large, 1)
	first := a.bill(t)
	a.runInstances(t, ec2types.InstanceTypeM5Large, 1) // "in the console"
	second := a.bill(t)
	if l, _ := line(second, "EC2 m5.large"); !near(l.PerHour, 2*0.096) || !strings.Contains(l.Detail, "2 running") {
		t.Errorf("after a second instance: %+v", l)
	}
	if _, err := a.EC2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids}); err != nil {
		t.Fatal(err)
	}
	third := a.bill(t)
	if l, _ := line(third, "EC2 m5.large"); !near(l.PerHour, 0.096) {
		t.Errorf("after stopping one: compute %+v, want one instance's $0.096/h", l)
	}
	v2, _ := line(second, "EBS")
	v3, _ := line(third, "EBS")
	if v3.PerHour == 0 || !near(v2.PerHour, v3.PerHour) {
		t.Errorf("volumes: $%v/h before the stop, $%v/h after: a stopped instance's volume still bills", v2.PerHour, v3.PerHour)
	}
	if !near(second.Total-third.Total, 0.096) || !near(second.Total-first.Total, 0.096+v2.PerHour-firstEBS(first)) {
		t.Errorf("totals $%v, $%v, $%v an hour", first.Total, second.Total, third.Total)
	}
}

func firstEBS(est game.Estimate) float64 {
	l, _ := line(est, "EBS")
	return l.PerHour
}

// An instance type the game does not allow is billed at the game's high
// rate and a Network Load Balancer by the hour: neither is ever $0.
func TestTheLiveBillListsWhatItCannotPrice(t *testing.T) {
	a := newAccount(t)
	a.runInstances(t, ec2types.InstanceTypeC5Xlarge, 1)
	a.runInstances(t, ec2types.InstanceTypeT3Micro, 2)
	if _, err := a.ELBv2.CreateLoadBalancer(context.Background(), &elbv2.CreateLoadBalancerInput{Name: aws.String("nlb"), Subnets: a.subnets, Type: elbv2types.LoadBalancerTypeEnumNetwork}); err != nil {
		t.Fatal(err)
	}
	est := a.bill(t)
	rate := game.DefaultPrices().Hourly["ec2:unlisted"]
	if l, ok := line(est, "EC2 c5.xlarge"); !ok || l.PerHour != rate || !strings.Contains(l.Detail, "not an allowed type") {
		t.Errorf("the c5.xlarge: %+v, want $%v/h and why", l, rate)
	}
	if l, ok := line(est, "EC2 t3.micro"); !ok || l.PerHour != 2*rate {
		t.Errorf("two t3.micro: %+v, want $%v/h: the game allows only %s", l, 2*rate, "m5.large")
	}
	if l, ok := line(est, "NLB nlb"); !ok || l.PerHour <= 0 {
		t.Errorf("the NLB: %+v, want it billed", l)
	}
	if len(est.Unpriced) != 0 {
		t.Errorf("unpriced %v: want everything billed", est.Unpriced)
	}
	if want := []string{"1 c5.xlarge instances running: the game allows only its instance type", "2 t3.micro instances running: the game allows only its instance type"}; !slices.Equal(est.Breaks, want) {
		t.Errorf("rule breaks %q, want %q", est.Breaks, want)
	}
}

// A load balancer sending requests to a Lambda function is a rule break
// the facilitator sees, read from the account's target groups.
func TestAFunctionBehindALoadBalancerIsARuleBreak(t *testing.T) {
	a := newAccount(t)
	if _, err := a.ELBv2.CreateTargetGroup(context.Background(), &elbv2.CreateTargetGroupInput{Name: aws.String("answers"), TargetType: elbv2types.TargetTypeEnumLambda}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ELBv2.CreateTargetGroup(context.Background(), &elbv2.CreateTargetGroupInput{Name: aws.String("tasks"), TargetType: elbv2types.TargetTypeEnumIp,
		Protocol: elbv2types.ProtocolEnumHttp, Port: aws.Int32(8080), VpcId: aws.String(a.vpc)}); err != nil {
		t.Fatal(err)
	}
	est := a.bill(t)
	if want := []string{"target group answers sends requests to a Lambda function: answers come from the service"}; !slices.Equal(est.Breaks, want) {
		t.Errorf("rule breaks %q, want %q", est.Breaks, want)
	}
}

// Code answering at the edge is a rule break the facilitator sees: a
// CloudFront Function or a Lambda@Edge function on any cache behavior of
// a distribution, as ListDistributions' summary lists them. moto keeps no
// function association (its summaries always say 0), so the summary is
// built as the API reference documents it
// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionSummary.html).
func TestAnEdgeFunctionIsARuleBreak(t *testing.T) {
	summary := cftypes.DistributionSummary{
		Id: aws.String("E1EDGE"),
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			FunctionAssociations:       &cftypes.FunctionAssociations{Quantity: aws.Int32(1)},
			LambdaFunctionAssociations: &cftypes.LambdaFunctionAssociations{Quantity: aws.Int32(0)},
		},
		CacheBehaviors: &cftypes.CacheBehaviors{Quantity: aws.Int32(1), Items: []cftypes.CacheBehavior{
			{PathPattern: aws.String("/api/*"), LambdaFunctionAssociations: &cftypes.LambdaFunctionAssociations{Quantity: aws.Int32(1)}},
		}},
	}
	if n := edgeFunctions(summary); n != 2 {
		t.Errorf("%d edge functions, want the default behavior's CloudFront Function and the other's Lambda@Edge", n)
	}
	if n := edgeFunctions(cftypes.DistributionSummary{Id: aws.String("E1PLAIN")}); n != 0 {
		t.Errorf("a distribution with no behaviors listed: %d edge functions", n)
	}
	est := Price(Inventory{Distributions: []Distribution{{ID: "E1EDGE", EdgeFunctions: 2}, {ID: "E1PLAIN"}}}, game.DefaultPrices())
	if want := []string{"CloudFront E1EDGE runs 2 edge functions: answers come from the service"}; !slices.Equal(est.Breaks, want) {
		t.Errorf("rule breaks %q, want %q", est.Breaks, want)
	}
}

// The AccessDenied an account answers when the role lacks a permission,
// as the EC2 API reference documents its errors (moto grants everything,
// so a test server answers in its place).
func TestADeniedCallNamesThePermission(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>1</RequestID></Response>`))
	}))
	defer srv.Close()
	staticCredentials(t)
	c, err := Connect(context.Background(), Account{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Inventory(context.Background(), time.Now())
	if err == nil || !strings.Contains(err.Error(), "ec2:DescribeInstances denied (UnauthorizedOperation)") || !strings.Contains(err.Error(), "facilitatorAccount") {
		t.Errorf("error %v: want the denied call and how to grant it", err)
	}
}

func TestARoleMustBeARoleARN(t *testing.T) {
	_, err := Connect(context.Background(), Account{RoleARN: "team-7"})
	if err == nil || !strings.Contains(err.Error(), "BillReaderRoleArn") {
		t.Errorf("error %v", err)
	}
}

// runTasks gives the account n running Fargate tasks of 0.25 vCPU and
// 512 MiB on ARM64. moto 5.2 cannot run a Fargate task (its RunTask fails
// on the awsvpc network interface it creates), so a test server answers
// the four ECS calls the inventory makes, with the JSON the ECS API
// reference documents for ListClusters, ListTasks, DescribeTasks and
// DescribeTaskDefinition.
func (a *account) runTasks(t *testing.T, n int) {
	t.Helper()
	const cluster, def = "arn:aws:ecs:us-east-1:123456789012:cluster/console", "arn:aws:ecs:us-east-1:123456789012:task-definition/hash:1"
	var arns []string
	var tasks []map[string]any
	for i := range n {
		arn := fmt.Sprintf("arn:aws:ecs:us-east-1:123456789012:task/console/%032d", i)
		arns = append(arns, arn)
		tasks = append(tasks, map[string]any{"taskArn": arn, "clusterArn": cluster, "taskDefinitionArn": def, "launchType": "FARGATE", "cpu": "256", "memory": "512", "lastStatus": "RUNNING", "desiredStatus": "RUNNING",
			"availabilityZone": []string{"us-east-1a", "us-east-1b"}[i%2],
			"attachments":      []map[string]any{{"type": "ElasticNetworkInterface", "details": []map[string]string{{"name": "subnetId", "value": a.subnets[i%2]}}}}})
	}
	answers := map[string]any{
		"ListClusters":           map[string]any{"clusterArns": []string{cluster}},
		"ListTasks":              map[string]any{"taskArns": arns},
		"DescribeTasks":          map[string]any{"tasks": tasks, "failures": []any{}},
		"DescribeTaskDefinition": map[string]any{"taskDefinition": map[string]any{"taskDefinitionArn": def, "runtimePlatform": map[string]any{"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}}},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		body, ok := answers[op]
		if !ok {
			http.Error(w, `{"__type":"InvalidParameterException","message":"not in the stand-in"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(srv.URL)
	a.ECS = ecs.NewFromConfig(cfg)
}

func (a *account) distribution(t *testing.T) string {
	t.Helper()
	out, err := a.CloudFront.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference: aws.String("team"), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{Id: aws.String("lb"), DomainName: aws.String("lb.example.com"),
			CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly}}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("lb"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Distribution.Id)
}

// metric puts one CloudFront data point, as CloudFront publishes them.
func (a *account) metric(t *testing.T, name, dist string, v float64) {
	t.Helper()
	if _, err := a.CloudWatch.PutMetricData(context.Background(), &cloudwatch.PutMetricDataInput{Namespace: aws.String("AWS/CloudFront"), MetricData: []cwtypes.MetricDatum{{
		MetricName: aws.String(name), Value: aws.Float64(v), Timestamp: aws.Time(time.Now().Add(-time.Minute)),
		Dimensions: []cwtypes.Dimension{{Name: aws.String("DistributionId"), Value: aws.String(dist)}, {Name: aws.String("Region"), Value: aws.String("Global")}},
	}}}); err != nil {
		t.Fatal(err)
	}
}

// recorder stands between the SDK and moto and notes, while on, the IAM
// action of every call: the signing name of the request's credential
// scope, and its operation (the query protocols' Action, the JSON
// protocols' X-Amz-Target, CloudFront's REST path).
type recorder struct {
	url   string
	mu    sync.Mutex
	on    bool
	calls map[string]bool
}

func newRecorder(t *testing.T, target string) *recorder {
	r := &recorder{calls: map[string]bool{}}
	to, _ := url.Parse(target)
	proxy := httputil.NewSingleHostReverseProxy(to)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		_, scope, _ := strings.Cut(req.Header.Get("Authorization"), "Credential=")
		parts := strings.Split(scope, "/")
		service := ""
		if len(parts) > 3 {
			service = map[string]string{"monitoring": "cloudwatch"}[parts[3]]
			if service == "" {
				service = parts[3]
			}
		}
		op := ""
		if form, err := url.ParseQuery(string(body)); err == nil && form.Get("Action") != "" {
			op = form.Get("Action")
		} else if target := req.Header.Get("X-Amz-Target"); target != "" {
			_, op, _ = strings.Cut(target, ".")
		} else if service == "cloudfront" && req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/distribution") {
			op = "ListDistributions"
		} else {
			op = req.Method + " " + req.URL.Path
		}
		r.mu.Lock()
		if r.on {
			r.calls[service+":"+op] = true
		}
		r.mu.Unlock()
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.url = srv.URL
	return r
}

func (r *recorder) start() { r.mu.Lock(); r.on = true; r.mu.Unlock() }
func (r *recorder) stop()  { r.mu.Lock(); r.on = false; r.mu.Unlock() }

// The role the stack gives the facilitator allows every call the live
// bill, the quests' checks and the history make (contract.BillReaderActions,
// and on the stacks StackReadActions), and they make no other.
func TestTheBillMakesOnlyTheCallsItsRoleAllows(t *testing.T) {
	a := newAccount(t)
	if _, err := a.CloudFormation.CreateStack(context.Background(), &cloudformation.CreateStackInput{StackName: aws.String("UnicornRentals"),
		TemplateBody: aws.String(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`)}); err != nil {
		t.Fatal(err)
	}
	a.runInstances(t, ec2types.InstanceTypeM5Large, 1)
	if _, err := a.ELBv2.CreateLoadBalancer(context.Background(), &elbv2.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: a.subnets}); err != nil {
		t.Fatal(err)
	}
	a.runTasks(t, 1) // the ECS stand-in is not behind the recorder: its calls are added below
	a.distribution(t)
	a.bill(t)
	a.calls.start()
	if _, err := a.Quests(context.Background(), "UnicornRentals"); err != nil {
		t.Fatal(err)
	}
	a.calls.stop()
	// The ECS stand-in and CloudTrail's (TestTheHistoryListsTheWritesAndMarksTheMonkeys)
	// are not behind the recorder.
	for _, call := range []string{"ecs:ListClusters", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:DescribeTaskDefinition", "cloudtrail:LookupEvents"} {
		a.calls.calls[call] = true
	}
	var made []string
	for call := range a.calls.calls {
		made = append(made, call)
		if !slices.Contains(contract.BillReaderActions, call) && !slices.Contains(contract.StackReadActions, call) {
			t.Errorf("the bill or the quests call %s, which the role does not allow", call)
		}
	}
	for _, allowed := range contract.BillReaderActions {
		if !a.calls.calls[allowed] {
			t.Errorf("the role allows %s, which the bill never calls (made: %v)", allowed, made)
		}
	}
}

// Against AWS, CloudWatch speaks the SDK's default protocol; against an
// overridden endpoint (moto), the query protocol.
func TestCloudWatchSpeaksQueryOnlyToAnOverriddenEndpoint(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH", "")
	staticCredentials(t)
	for endpoint, want := range map[string]string{"": "rpcv2Cbor", "http://127.0.0.1:5000": "awsQuery"} {
		c, err := Connect(context.Background(), Account{Endpoint: endpoint})
		if err != nil {
			t.Fatal(err)
		}
		for _, cw := range []*cloudwatch.Client{c.CloudWatch, c.regional} {
			if got := cw.Options().Protocol.ID().Name; got != want {
				t.Errorf("endpoint %q: CloudWatch speaks %s, want %s", endpoint, got, want)
			}
		}
	}
}

// One moto server serves the package's tests, reset before each.
func TestMain(m *testing.M) { os.Exit(testkit.MotoMain(m)) }

// The board assumes a team's role with the team's ExternalId, which the
// role's trust requires. moto's STS takes the parameter but shows no one
// what it got, so a stand-in answers AssumeRole as the STS API reference
// documents (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)
// and records the request.
func TestTheRoleIsAssumedWithTheTeamsExternalID(t *testing.T) {
	staticCredentials(t)
	got := make(chan url.Values, 1)
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("Action") == "AssumeRole" {
			select {
			case got <- r.Form:
			default:
			}
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>%s</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/R/unicorn-rentals-gameday</Arn><AssumedRoleId>AROAEXAMPLE:unicorn-rentals-gameday</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>`, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	defer sts.Close()
	p := &Pool{Endpoint: sts.URL}
	c, err := p.Connect(context.Background(), "arn:aws:iam::123456789012:role/Team07-BillReader#0123456789abcdef0123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.EC2.Options().Credentials.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case form := <-got:
		if form.Get("RoleArn") != "arn:aws:iam::123456789012:role/Team07-BillReader" || form.Get("ExternalId") != "0123456789abcdef0123" {
			t.Errorf("AssumeRole with role %q, ExternalId %q; want the role's ARN and the team's ExternalId", form.Get("RoleArn"), form.Get("ExternalId"))
		}
	default:
		t.Fatal("no AssumeRole call")
	}
}

// staticCredentials gives the SDK the test's credentials and no file of
// the machine's.
func staticCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
}

// The account's host names are its distributions' and load balancers',
// read with the bill's own calls.
func TestTheHostsAreTheAccountsDistributionsAndLoadBalancers(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	a.distribution(t)
	if _, err := a.ELBv2.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("alb"), Subnets: a.subnets}); err != nil {
		t.Fatal(err)
	}
	a.calls.start()
	hosts, err := a.Hosts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var cdn, alb bool
	for _, h := range hosts {
		cdn = cdn || strings.HasSuffix(h, ".cloudfront.net")
		alb = alb || strings.HasPrefix(h, "alb-")
	}
	if !cdn || !alb {
		t.Errorf("hosts %v: want the distribution's and the load balancer's", hosts)
	}
	for call := range a.calls.calls {
		if !slices.Contains(contract.BillReaderActions, call) {
			t.Errorf("reading the hosts calls %s, which the bill's role does not allow", call)
		}
	}
}

// The inventory's parts, read at once, are merged whole: every field of
// Inventory, lists and counts alike (a new field of another kind would
// panic here first).
func TestAnInventorysPartsMergeWhole(t *testing.T) {
	var part Inventory
	v := reflect.ValueOf(&part).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Int:
			f.SetInt(1)
		}
	}
	merged := Inventory{}.merge(part).merge(part)
	m := reflect.ValueOf(merged)
	for i := range m.NumField() {
		f := m.Field(i)
		if (f.Kind() == reflect.Slice && f.Len() != 2) || (f.Kind() == reflect.Int && f.Int() != 2) {
			t.Errorf("field %s: %v after merging two parts of one each", m.Type().Field(i).Name, f)
		}
	}
}
