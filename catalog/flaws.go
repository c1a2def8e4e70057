package catalog

import (
	"fmt"
	"strings"
)

// FlawID names one of the CTO's mistakes that the baseline carries.
type FlawID string

// Flaw is one thing wrong with the baseline: what it is, the clue a team
// can find in AWS, the fix that removes it and what it costs while it lasts.
type Flaw struct {
	ID       FlawID
	Category string
	What     string
	Clue     string // what a team sees in the console, CLI, CloudWatch or CloudTrail
	FixedBy  Fix
	// CostPerHour is what the flaw itself costs in us-east-1 on demand, in
	// USD per hour, with the default fleet of 4; 0 where it costs nothing
	// directly. The figures come from the price table in docs/flaws.md.
	CostPerHour float64
}

const (
	FlawNoCache            FlawID = "no-cache"
	FlawSpareNatGateway    FlawID = "spare-nat-gateway"
	FlawIdleElasticIP      FlawID = "idle-elastic-ip"
	FlawUnattachedVolume   FlawID = "unattached-volume"
	FlawForgottenInstance  FlawID = "forgotten-instance"
	FlawDetailedMonitoring FlawID = "detailed-monitoring"
	FlawOversizedRoot      FlawID = "oversized-root-volumes"
	FlawSmallSubnets       FlawID = "small-subnets"
	FlawBootUpgrade        FlawID = "upgrade-on-boot"
	FlawNoSupervisor       FlawID = "no-supervisor"
	FlawEC2HealthCheck     FlawID = "ec2-health-check"
	FlawTCPHealthCheck     FlawID = "tcp-lb-health-check"
	FlawNoRollingUpdate    FlawID = "no-rolling-update"
	FlawClassicLB          FlawID = "classic-load-balancer"
	FlawFixedFleet         FlawID = "fixed-fleet"
	FlawUnderusedInstance  FlawID = "underused-instance-type"
	FlawSingleAZ           FlawID = "single-az"
	FlawPublicLoadBalancer FlawID = "public-load-balancer"
	FlawOpenSecurityGroup  FlawID = "open-security-group"
	FlawIMDSv1             FlawID = "imdsv1"
	FlawUnencryptedVolumes FlawID = "unencrypted-volumes"
)

// Hourly prices, us-east-1 on demand (see docs/flaws.md for sources).
const (
	priceM5Large      = 0.096
	priceNATGateway   = 0.045
	pricePublicIPv4   = 0.005
	priceGp2GBMonth   = 0.10
	priceGp3GBMonth   = 0.08
	hoursPerMonth     = 730
	priceCWMetricMo   = 0.30 // per custom or detailed metric-month, first 10,000
	detailedMetricsEC = 7    // metrics EC2 detailed monitoring sends per instance
)

// Flaws is the catalog, in the order a team tends to find them.
var Flaws = []Flaw{
	{FlawNoCache, "cache",
		"Nothing caches: every request, even one asked a thousand times, waits 4 s on an instance.",
		"The same input always returns the same hash and says Cache-Control: immutable, yet every request shows up in the load balancer's RequestCount.",
		FixCache, 0},
	{FlawSpareNatGateway, "waste",
		"A NAT gateway in each of two AZs, while the fleet lives in one AZ.",
		"VPC console: two NAT gateways; CloudWatch BytesOutToDestination of the second is zero.",
		FixCleanup, priceNATGateway + pricePublicIPv4},
	{FlawIdleElasticIP, "waste",
		"An Elastic IP allocated and attached to nothing.",
		"EC2 > Elastic IPs: an address with no association; public IPv4 is billed even when idle.",
		FixCleanup, pricePublicIPv4},
	{FlawUnattachedVolume, "waste",
		"A 100 GiB gp2 volume attached to no instance.",
		"EC2 > Volumes: state available, no attachment.",
		FixCleanup, 100 * priceGp2GBMonth / hoursPerMonth},
	{FlawForgottenInstance, "waste",
		"An m5.large \"debug\" instance outside the load balancer, serving nobody.",
		"EC2 > Instances: one instance not in the Auto Scaling group and not registered with the load balancer; CPU near 0 %.",
		FixCleanup, priceM5Large + 8*priceGp3GBMonth/hoursPerMonth},
	{FlawDetailedMonitoring, "waste",
		"Detailed (1-minute) monitoring on every fleet instance; nothing reads those metrics.",
		"Launch template: Monitoring enabled; CloudWatch bill: EC2 detailed metrics.",
		FixCleanup, 4 * detailedMetricsEC * priceCWMetricMo / hoursPerMonth},
	{FlawOversizedRoot, "waste",
		"100 GiB gp2 root volumes for a 7 MB binary.",
		"Launch template block device mapping: 100 GiB gp2; df on an instance shows it nearly empty.",
		FixCleanup, 4 * (100*priceGp2GBMonth - 8*priceGp3GBMonth) / hoursPerMonth},
	{FlawSmallSubnets, "capacity",
		"The application subnets are /27: 27 usable addresses each, and the fleet uses one of them; the fleet (or Fargate tasks, one address each) stops growing at about 20.",
		"VPC > Subnets: App subnets with 27 available IPv4 addresses or fewer; the VPC's /16 has room for more subnets.",
		FixSubnets, 0},
	{FlawBootUpgrade, "deployment",
		"User data upgrades every package and installs tools on every boot: a new instance takes minutes to serve.",
		"Launch template user data: dnf -y upgrade; /var/log/cloud-init-output.log; time from launch to InService.",
		FixDeploy, 0},
	{FlawNoSupervisor, "deployment",
		"The service is started with nohup from user data: when it crashes or is killed, nothing starts it again.",
		"User data: nohup ... &; an instance whose port 8080 is closed stays running.",
		FixDeploy, 0},
	{FlawEC2HealthCheck, "deployment",
		"The Auto Scaling group checks only EC2 status, not the load balancer's view: an instance whose service died is never replaced.",
		"Auto Scaling group: health check type EC2; the load balancer shows it OutOfService while the group says Healthy.",
		FixDeploy, 0},
	{FlawTCPHealthCheck, "deployment",
		"The load balancer's health check only opens a TCP connection every 30 s and needs 5 failures: a hung service stays in service, a dead one takes 2.5 minutes to leave.",
		"Load balancer health check target TCP:8080, interval 30, unhealthy threshold 5.",
		FixDeploy, 0},
	{FlawNoRollingUpdate, "deployment",
		"No update policy: a new binary or launch template reaches no running instance.",
		"CloudFormation template: the Auto Scaling group has no UpdatePolicy; instances keep an old launch template version.",
		FixDeploy, 0},
	{FlawClassicLB, "scaling",
		"A Classic Load Balancer: no RequestCountPerTarget metric to scale on, and a 1,024-request surge queue that spills over into 503s.",
		"EC2 > Load Balancers: type classic; CloudWatch AWS/ELB SurgeQueueLength and SpilloverCount.",
		FixRetireCLB, 0},
	{FlawFixedFleet, "scaling",
		"The fleet is fixed: min = max = desired, no scaling policy. 4 instances serve 60 requests a minute at most.",
		"Auto Scaling group: min, max and desired all 4; no scaling policies.",
		FixAutoscale, 0},
	{FlawUnderusedInstance, "scaling",
		"The one allowed instance type, m5.large (2 vCPU, 8 GiB), runs a service that holds one request at a time and needs a few MB.",
		"CloudWatch CPUUtilization near 0 % while requests queue; the binary's RSS is under 10 MB.",
		FixRetireEC2, 0},
	{FlawSingleAZ, "resilience",
		"Every instance runs in one subnet of one Availability Zone: one zone's trouble takes the whole service down.",
		"Auto Scaling group: one subnet; all instances share one AZ.",
		FixHarden, 0},
	{FlawPublicLoadBalancer, "security",
		"The load balancer faces the internet: even with a cache in front, anyone can go around it and send every request to the slow origin.",
		"EC2 > Load Balancers: scheme internet-facing; its DNS name answers from anywhere, and those answers carry no X-Cache header.",
		FixHarden, 0},
	{FlawOpenSecurityGroup, "security",
		"The instances' security group lets anyone in, on every TCP port, not only the load balancer on 8080.",
		"Security group inbound rule: All TCP from 0.0.0.0/0.",
		FixHarden, 0},
	{FlawIMDSv1, "security",
		"Instances accept IMDSv1: a request forgery on the instance can read its role's credentials.",
		"Launch template metadata options: HttpTokens optional.",
		FixHarden, 0},
	{FlawUnencryptedVolumes, "security",
		"EBS volumes are not encrypted.",
		"EC2 > Volumes: Encryption Not encrypted.",
		FixHarden, 0},
}

// goneWith lists, per flaw, the fix sets that remove the part the flaw
// lives on, so the flaw goes without its own fix: a Classic Load
// Balancer's health check goes with the Classic Load Balancer, an
// instance's settings with the last instance. Any one set is enough.
var goneWith = map[FlawID][][]Fix{
	FlawTCPHealthCheck:     {{FixRetireCLB}},
	FlawBootUpgrade:        {{FixRetireEC2}},
	FlawNoSupervisor:       {{FixRetireEC2}},
	FlawEC2HealthCheck:     {{FixRetireEC2}},
	FlawNoRollingUpdate:    {{FixRetireEC2}},
	FlawDetailedMonitoring: {{FixRetireEC2}},
	FlawOversizedRoot:      {{FixRetireEC2}},
	FlawOpenSecurityGroup:  {{FixRetireEC2}},
	// The forgotten instance and volume carry these too, until cleanup.
	FlawIMDSv1:             {{FixRetireEC2, FixCleanup}},
	FlawUnencryptedVolumes: {{FixRetireEC2, FixCleanup}},
}

// GoneWith lists the fix sets that remove the flaw's part, if any.
func (f Flaw) GoneWith() [][]Fix { return goneWith[f.ID] }

// FlawByID returns the catalog entry for id.
func FlawByID(id FlawID) (Flaw, bool) {
	for _, f := range Flaws {
		if f.ID == id {
			return f, true
		}
	}
	return Flaw{}, false
}

// Present reports whether flaw id remains with these fixes: it does until
// the fix that removes it is applied, or the part it lives on is gone. Stacks ask this, so the catalog is
// the one place that says which fix removes which flaw.
func (s FixSet) Present(id FlawID) bool {
	f, ok := FlawByID(id)
	if !ok {
		panic(fmt.Sprintf("catalog: flaw %q is not in the catalog", id))
	}
	if s.Has(f.FixedBy) {
		return false
	}
	for _, fixes := range f.GoneWith() {
		if NewFixSet(fixes...).subsetOf(s) {
			return false
		}
	}
	return true
}

func (s FixSet) subsetOf(other FixSet) bool {
	for _, f := range s.fixes {
		if !other.Has(f) {
			return false
		}
	}
	return true
}

// WasteCostPerHour adds up the hourly cost of the flaws still present.
func (s FixSet) WasteCostPerHour() float64 {
	total := 0.0
	for _, f := range Flaws {
		if s.Present(f.ID) {
			total += f.CostPerHour
		}
	}
	return total
}

// FlawsMarkdown renders the catalog as docs/flaws.md, so the document
// cannot drift from the code (a test compares them).
func FlawsMarkdown() string {
	var b strings.Builder
	b.WriteString(`# The CTO's environment: what is wrong with it

Generated from the flaw catalog in ` + "`catalog/flaws.go`" + ` by
` + "`make docs`" + `; a test fails when this file and the catalog differ.

Every flaw below is in the baseline (` + "`-c fixes=none`" + `) and is removed by
the fix named beside it. Each has a clue a team can find with the AWS
console, the CLI, CloudWatch or CloudTrail. Costs are us-east-1 on-demand
prices per hour with the default fleet of 4 instances.

| # | flaw | category | fixed by | cost per hour |
|---|---|---|---|---|
`)
	total := 0.0
	for i, f := range Flaws {
		cost := "-"
		if f.CostPerHour > 0 {
			cost = fmt.Sprintf("$%.4f", f.CostPerHour)
			total += f.CostPerHour
		}
		fmt.Fprintf(&b, "| %d | [`%s`](#%s) | %s | `%s` | %s |\n", i+1, f.ID, f.ID, f.Category, f.FixedBy, cost)
	}
	fmt.Fprintf(&b, "| | **waste in all** | | | **$%.4f** (about $%.0f a month) |\n", total, total*hoursPerMonth)
	for _, f := range Flaws {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n\n- Clue: %s\n- Fixed by: `%s`\n", f.ID, f.What, f.Clue, f.FixedBy)
		if sets := f.GoneWith(); len(sets) > 0 {
			var alts []string
			for _, fixes := range sets {
				alts = append(alts, "`"+NewFixSet(fixes...).String()+"`")
			}
			fmt.Fprintf(&b, "- Also gone with: %s (the part it lives on is replaced)\n", strings.Join(alts, " or "))
		}
		if f.CostPerHour > 0 {
			fmt.Fprintf(&b, "- Costs: $%.4f per hour\n", f.CostPerHour)
		}
	}
	b.WriteString(`
## Prices used

us-east-1, on demand: m5.large $0.096/h; NAT gateway $0.045/h plus $0.045/GB;
public IPv4 address, in use or idle, $0.005/h; EBS gp2 $0.10 and gp3 $0.08 per
GB-month; CloudWatch metrics $0.30 per metric-month (EC2 detailed monitoring
sends 7 per instance); 730 hours a month. Check them against the AWS price
list before an event.
`)
	return b.String()
}

// GiveawayWords name a flaw rather than a resource: none may appear in a
// baseline template's logical IDs, tag values, descriptions or outputs,
// where players read them in the console (test/names_test.go). The
// catalog is the one place that says which resource carries which flaw.
var GiveawayWords = []string{
	"waste", "wasted", "forgotten", "idle", "unattached", "unused", "spare", "orphan", "leftover", "stale", "debug",
	"chaos", "flaw", "broken", "oversized", "underused", "insecure", "unencrypted", "imdsv1", "fixme", "todo",
}
