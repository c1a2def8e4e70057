package game

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/unicorn-rentals/gameday/cfn"
)

// Prices are the committed price data, with their source and date.
type Prices struct {
	Region  string             `json:"region"`
	Source  string             `json:"source"`
	Date    string             `json:"date"`
	Note    string             `json:"note"`
	Hourly  map[string]float64 `json:"hourly"`
	Monthly map[string]float64 `json:"monthly"`
	Usage   map[string]float64 `json:"usage"`
}

//go:embed prices.json
var pricesJSON []byte

// DefaultPrices are the committed us-east-1 prices.
func DefaultPrices() Prices {
	var p Prices
	if err := json.Unmarshal(pricesJSON, &p); err != nil {
		panic(err) // a test keeps the committed file valid
	}
	return p
}

const hoursPerMonth = 730

// Traffic is what the endpoint is asked, for the usage-based prices.
type Traffic struct {
	RPS      float64 // requests per second reaching the front door
	HitRatio float64 // share answered by CloudFront, when there is one
	// BytesPerAnswer is an answer with its headers. Default 500.
	BytesPerAnswer float64
	// LogBytesPerRequest is the service's log line. Default 200.
	LogBytesPerRequest float64
}

// Line is one priced resource.
type Line struct {
	Resource string  // logical ID
	Type     string  // CloudFormation type
	PerHour  float64 // USD
	Detail   string
}

// Estimate is a template's cost an hour at some traffic.
type Estimate struct {
	Lines    []Line
	Unpriced []string // "LogicalID (Type)": resources the model cannot price
	Total    float64
	// Breaks are what the account runs against the rules (an instance
	// type the game does not allow), still billed: the board shows them
	// to the facilitator.
	Breaks []string
}

// free are resource types that cost nothing by themselves.
var free = map[string]bool{
	"AWS::EC2::VPC": true, "AWS::EC2::Subnet": true, "AWS::EC2::RouteTable": true, "AWS::EC2::Route": true,
	"AWS::EC2::SubnetRouteTableAssociation": true, "AWS::EC2::InternetGateway": true, "AWS::EC2::VPCGatewayAttachment": true,
	"AWS::EC2::SecurityGroup": true, "AWS::EC2::SecurityGroupIngress": true, "AWS::EC2::SecurityGroupEgress": true,
	"AWS::EC2::LaunchTemplate": true, "AWS::IAM::Role": true, "AWS::IAM::Policy": true, "AWS::IAM::ManagedPolicy": true, "AWS::IAM::InstanceProfile": true,
	"AWS::ElasticLoadBalancingV2::Listener": true, "AWS::ElasticLoadBalancingV2::TargetGroup": true,
	"AWS::ECS::Cluster": true, "AWS::ECS::TaskDefinition": true, "AWS::CloudFront::CachePolicy": true,
	"AWS::CloudFront::VpcOrigin": true, "AWS::AutoScaling::ScalingPolicy": true,
	"AWS::ApplicationAutoScaling::ScalableTarget": true, "AWS::ApplicationAutoScaling::ScalingPolicy": true,
	"AWS::CDK::Metadata": true, "AWS::SNS::Topic": true, "AWS::SNS::TopicPolicy": true,
	// Billed per invocation; the CDK's provider that restricts the VPC's
	// default security group runs once per deploy.
	"AWS::Lambda::Function": true, "Custom::VpcRestrictDefaultSG": true,
}

// LoadTemplate reads a synthesized template.
func LoadTemplate(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("template: %w; synthesize one with make synth", err)
	}
	return b, nil
}

// EstimateFile prices the template in path at some traffic.
func EstimateFile(path string, prices Prices, traffic Traffic) (Estimate, error) {
	if traffic.RPS < 0 || traffic.HitRatio < 0 || traffic.HitRatio > 1 {
		return Estimate{}, fmt.Errorf("traffic of %v requests/s with a hit ratio of %v: want 0 or more requests and a hit ratio from 0 to 1", traffic.RPS, traffic.HitRatio)
	}
	raw, err := LoadTemplate(path)
	if err != nil {
		return Estimate{}, err
	}
	return EstimateCost(raw, prices, traffic)
}

// EstimateCost prices a template at some traffic. Counts that scale (an
// Auto Scaling group, an ECS service) follow the traffic reaching the
// origin, within their bounds, at the scaling policy's requests per target.
func EstimateCost(raw []byte, prices Prices, traffic Traffic) (Estimate, error) {
	tpl, err := cfn.Parse(raw)
	if err != nil {
		return Estimate{}, err
	}
	if traffic.BytesPerAnswer == 0 {
		traffic.BytesPerAnswer = 500
	}
	if traffic.LogBytesPerRequest == 0 {
		traffic.LogBytesPerRequest = 200
	}
	m := model{resources: cfn.Resources(tpl), p: prices, t: traffic}
	m.originRPS = traffic.RPS
	if m.ofType("AWS::CloudFront::Distribution") > 0 {
		m.originRPS = traffic.RPS * (1 - traffic.HitRatio)
	}
	var est Estimate
	for _, id := range cfn.IDs(m.resources) {
		r := m.resources[id]
		typ := cfn.Type(r)
		line, ok := m.price(id, typ, cfn.Properties(r))
		switch {
		case ok:
			line.Resource, line.Type = id, typ
			est.Lines = append(est.Lines, line)
			est.Total += line.PerHour
		case !free[typ]:
			est.Unpriced = append(est.Unpriced, id+" ("+typ+")")
		}
	}
	return est, nil
}

type model struct {
	resources map[string]cfn.Resource
	p         Prices
	t         Traffic
	originRPS float64
}

func (m model) ofType(typ string) int {
	n := 0
	for _, r := range m.resources {
		if cfn.Type(r) == typ {
			n++
		}
	}
	return n
}

// gbPerHour is the answers' bytes an hour at rps.
func (m model) gbPerHour(rps float64) float64 { return rps * 3600 * m.t.BytesPerAnswer / 1e9 }

func (m model) price(id, typ string, props map[string]any) (Line, bool) {
	p := m.p
	switch typ {
	case "AWS::EC2::Instance":
		itype := str(props["InstanceType"])
		h, ok := p.Hourly["ec2:"+itype]
		if !ok {
			return Line{}, false
		}
		root := 8 * p.Monthly["ebs-gb:gp3"] / hoursPerMonth // the image's default root volume
		return Line{PerHour: h + root, Detail: itype + " with an 8 GiB root volume"}, true
	case "AWS::EC2::Volume":
		size := num(props["Size"])
		return Line{PerHour: size * p.Monthly["ebs-gb:"+str(props["VolumeType"])] / hoursPerMonth, Detail: fmt.Sprintf("%.0f GiB %s", size, str(props["VolumeType"]))}, true
	case "AWS::EC2::EIP":
		return Line{PerHour: p.Hourly["public-ipv4"], Detail: "public IPv4 address"}, true
	case "AWS::EC2::NatGateway":
		bytes := m.gbPerHour(m.originRPS) * 0.1 // logs and image pulls: a small share of the answers' bytes
		return Line{PerHour: p.Hourly["nat-gateway"] + bytes*p.Usage["nat-gb"], Detail: "hours and data processed (its address is the EIP)"}, true
	case "AWS::ElasticLoadBalancing::LoadBalancer":
		gb := m.gbPerHour(m.originRPS)
		return Line{PerHour: p.Hourly["classic-lb"] + gb*p.Usage["classic-lb-gb"], Detail: fmt.Sprintf("hours and %.3f GB/h", gb)}, true
	case "AWS::ElasticLoadBalancingV2::LoadBalancer":
		// LCUs: the highest of new connections (25/s), processed bytes
		// (1 GB/h) and rule evaluations (1,000/s); every request counted as a
		// new connection, the worst case.
		lcu := max(m.originRPS/25, m.gbPerHour(m.originRPS), m.originRPS/1000)
		h := p.Hourly["alb"] + lcu*p.Hourly["alb-lcu"]
		detail := fmt.Sprintf("hours and %.2f LCU", lcu)
		if str(props["Scheme"]) != "internal" {
			h += 2 * p.Hourly["public-ipv4"]
			detail += ", 2 public IPv4 addresses"
		}
		return Line{PerHour: h, Detail: detail}, true
	case "AWS::AutoScaling::AutoScalingGroup":
		return m.fleet(props)
	case "AWS::ECS::Service":
		return m.tasks(id, props)
	case "AWS::CloudFront::Distribution":
		requests := m.t.RPS * 3600 / 10000 * p.Usage["cloudfront-10k-https"]
		bytes := m.gbPerHour(m.t.RPS) * p.Usage["cloudfront-gb-out"]
		return Line{PerHour: requests + bytes, Detail: fmt.Sprintf("%.0f requests/s, %.0f%% hits; origin fetches free", m.t.RPS, m.t.HitRatio*100)}, true
	case "AWS::CloudFront::MonitoringSubscription":
		return Line{PerHour: 8 * p.Monthly["cloudwatch-metric"] / hoursPerMonth, Detail: "8 additional distribution metrics"}, true
	case "AWS::CloudWatch::Alarm":
		return Line{PerHour: p.Monthly["cloudwatch-alarm"] * 3 / hoursPerMonth, Detail: "a metric-math alarm over 3 metrics"}, true
	case "AWS::SecretsManager::Secret":
		return Line{PerHour: p.Monthly["secret"] / hoursPerMonth, Detail: "a secret; its reads at start are a few of the 10,000 calls that cost $0.05"}, true
	case "AWS::CloudWatch::Dashboard":
		return Line{PerHour: p.Monthly["cloudwatch-dashboard"] / hoursPerMonth, Detail: "a dashboard (the first 3 an account has are free)"}, true
	case "AWS::Logs::LogGroup":
		gb := m.originRPS * 3600 * m.t.LogBytesPerRequest / 1e9
		return Line{PerHour: gb * p.Usage["logs-ingest-gb"], Detail: fmt.Sprintf("%.3f GB/h ingested", gb)}, true
	case "AWS::EC2::VPCEndpoint":
		if str(props["VpcEndpointType"]) != "Interface" {
			return Line{Detail: "gateway endpoint"}, true
		}
		azs := float64(len(list(props["SubnetIds"])))
		return Line{PerHour: azs * p.Hourly["interface-endpoint-az"], Detail: fmt.Sprintf("%0.f AZs", azs)}, true
	}
	return Line{}, false
}

// scaled is how many targets serve the origin's traffic at a policy's
// requests per target per minute, within bounds.
func scaled(originRPS, perTargetPerMinute, lo, hi float64) float64 {
	if perTargetPerMinute <= 0 {
		return lo
	}
	return math.Min(hi, math.Max(lo, math.Ceil(originRPS*60/perTargetPerMinute)))
}

func (m model) fleet(props map[string]any) (Line, bool) {
	lt, ok := m.resource(cfn.Reference(props["LaunchTemplate"]))
	if !ok {
		return Line{}, false
	}
	data, _ := lt["LaunchTemplateData"].(map[string]any)
	itype := str(data["InstanceType"])
	h, ok := m.p.Hourly["ec2:"+itype]
	if !ok {
		return Line{}, false
	}
	lo, hi := num(props["MinSize"]), num(props["MaxSize"])
	n := lo
	if d, ok := props["DesiredCapacity"]; ok {
		n = num(d)
	} else if target := m.policyTarget("AWS::AutoScaling::ScalingPolicy", "TargetTrackingConfiguration"); target > 0 {
		n = scaled(m.originRPS, target, lo, hi)
	}
	per := h
	if bdm := list(data["BlockDeviceMappings"]); len(bdm) > 0 {
		ebs, _ := bdm[0].(map[string]any)["Ebs"].(map[string]any)
		per += num(ebs["VolumeSize"]) * m.p.Monthly["ebs-gb:"+str(ebs["VolumeType"])] / hoursPerMonth
	}
	if mon, _ := data["Monitoring"].(map[string]any); mon["Enabled"] == true {
		per += 7 * m.p.Monthly["cloudwatch-metric"] / hoursPerMonth
	}
	return Line{PerHour: n * per, Detail: fmt.Sprintf("%.0f x %s with root volume", n, itype)}, true
}

func (m model) tasks(id string, props map[string]any) (Line, bool) {
	td, ok := m.resource(cfn.Reference(props["TaskDefinition"]))
	if !ok {
		return Line{}, false
	}
	arch := "X86_64"
	if rp, _ := td["RuntimePlatform"].(map[string]any); str(rp["CpuArchitecture"]) == "ARM64" {
		arch = "ARM64"
	}
	vcpu, _ := strconv.ParseFloat(str(td["Cpu"]), 64)
	mem, _ := strconv.ParseFloat(str(td["Memory"]), 64)
	vcpu, gb := vcpu/1024, mem/1024
	per := vcpu*m.p.Hourly["fargate-vcpu:"+arch] + gb*m.p.Hourly["fargate-gb:"+arch]
	n := num(props["DesiredCount"])
	if _, fixed := props["DesiredCount"]; !fixed {
		n = 1
		for _, r := range m.resources {
			if p := cfn.Properties(r); cfn.Type(r) == "AWS::ApplicationAutoScaling::ScalableTarget" && strings.Contains(fmt.Sprint(p["ResourceId"]), id) {
				n = scaled(m.originRPS, m.policyTarget("AWS::ApplicationAutoScaling::ScalingPolicy", "TargetTrackingScalingPolicyConfiguration"),
					num(p["MinCapacity"]), num(p["MaxCapacity"]))
			}
		}
	}
	return Line{PerHour: n * per, Detail: fmt.Sprintf("%.0f x %.2g vCPU %.2g GB %s tasks", n, vcpu, gb, arch)}, true
}

// policyTarget is the target value of the first target-tracking policy,
// by logical ID.
func (m model) policyTarget(typ, config string) float64 {
	for _, id := range cfn.IDs(m.resources) {
		if r := m.resources[id]; cfn.Type(r) == typ {
			if c, ok := cfn.Properties(r)[config].(map[string]any); ok {
				return num(c["TargetValue"])
			}
		}
	}
	return 0
}

func (m model) resource(id string) (map[string]any, bool) {
	r, ok := m.resources[id]
	return cfn.Properties(r), ok
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

func num(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case string:
		f, _ := strconv.ParseFloat(x, 64)
		return f
	}
	return 0
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}
