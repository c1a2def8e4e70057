package accounts

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/fis"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
)

// stackVPC makes a VPC as a stack's: tagged with the stack's name, with a
// subnet in each of two AZs (two in the first), an instance and an ECS
// service, all made through the API, not by the stack.
func (a *account) stackVPC(t *testing.T, stack string, cidr int) (vpc string, instances []string, subnets []string) {
	t.Helper()
	ctx := context.Background()
	out, err := a.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10." + itoa(cidr) + ".0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc = aws.ToString(out.Vpc.VpcId)
	if _, err := a.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: []ec2types.Tag{{Key: aws.String(stackTag), Value: aws.String(stack)}}}); err != nil {
		t.Fatal(err)
	}
	for i, az := range []string{"us-east-1a", "us-east-1a", "us-east-1b"} {
		s, err := a.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10." + itoa(cidr) + "." + itoa(i) + ".0/24"), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	run, err := a.EC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(a.image), InstanceType: ec2types.InstanceTypeM5Large, MinCount: aws.Int32(2), MaxCount: aws.Int32(2), SubnetId: aws.String(subnets[0])})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range run.Instances {
		instances = append(instances, "arn:aws:ec2:us-east-1:"+aws.ToString(run.OwnerId)+":instance/"+aws.ToString(i.InstanceId))
	}
	sg, err := a.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(stack), Description: aws.String("tasks"), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ECS.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(stack)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String(stack), ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("hash"), Image: aws.String("hash"), Memory: aws.Int32(512)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ECS.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String(stack), ServiceName: aws.String("console-made"), TaskDefinition: aws.String(stack), DesiredCount: aws.Int32(2),
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: subnets[:1], SecurityGroups: []string{aws.ToString(sg.GroupId)}}}}); err != nil {
		t.Fatal(err)
	}
	return vpc, instances, subnets
}

func itoa(n int) string { return strconv.Itoa(n) }

// The monkey hits what the team runs in its own stack's VPC, whatever
// made it, and nothing in another team's.
func TestTheMonkeyFindsItsTargetsInTheStacksVPC(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	vpc, mine, subnets := a.stackVPC(t, "UnicornRentals", 101)
	a.stackVPC(t, "Team07", 102) // another team's stack in the same account
	a.calls.start()
	defer func() {
		// Every call is one the starter role allows.
		for call := range a.calls.calls {
			if !slices.Contains(contract.MonkeyReadActions, call) {
				t.Errorf("finding targets calls %s, which the starter role does not allow", call)
			}
		}
		if len(a.calls.calls) < 5 {
			t.Errorf("recorded %v: the recorder is broken", a.calls.calls)
		}
	}()
	got, err := a.FindTargets(ctx, "UnicornRentals", game.TerminateInstance)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(mine)
	if got.VPC != vpc || !slices.Equal(got.ARNs, mine) {
		t.Errorf("instances %v in %s, want %v in %s", got.ARNs, got.VPC, mine, vpc)
	}
	got, err = a.FindTargets(ctx, "UnicornRentals", game.StopTasks)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Services) != 1 || got.Services[0] != (Service{Cluster: "UnicornRentals", Name: "console-made"}) {
		t.Errorf("services %+v, want only this stack's console-made one", got.Services)
	}
	got, err = a.FindTargets(ctx, "UnicornRentals", game.AZOutage)
	if err != nil {
		t.Fatal(err)
	}
	if got.Zone != "us-east-1a" || len(got.ARNs) != 2 || !strings.HasSuffix(got.ARNs[0], "subnet/"+min(subnets[0], subnets[1])) {
		t.Errorf("zone %s subnets %v, want us-east-1a's two (%v)", got.Zone, got.ARNs, subnets[:2])
	}
	if _, err := a.FindTargets(ctx, "NoSuchStack", game.TerminateInstance); err == nil || !strings.Contains(err.Error(), "0 VPCs carry its tag") {
		t.Errorf("a stack with no VPC: %v", err)
	}
}

// fisStandIn answers the FIS calls the monkey makes, as the FIS API
// reference documents them (moto 5.2 has no StartExperiment or
// GetExperiment), and keeps what it was asked.
type fisStandIn struct {
	mu       sync.Mutex
	template map[string]any
	started  []string
	deleted  []string
	running  bool // GetExperiment answers running until stopped
	stopped  []string
}

func (f *fisStandIn) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/experimentTemplates":
		json.Unmarshal(body, &f.template)
		w.Write([]byte(`{"experimentTemplate": {"id": "EXT1a2b3c4d5e6f7"}}`))
	case r.Method == http.MethodPost && r.URL.Path == "/experiments":
		var in map[string]any
		json.Unmarshal(body, &in)
		f.started = append(f.started, in["experimentTemplateId"].(string))
		w.Write([]byte(`{"experiment": {"id": "EXP1a2b3c4d5e6f7", "state": {"status": "initiating"}}}`))
	case r.Method == http.MethodGet && r.URL.Path == "/experiments/EXP1a2b3c4d5e6f7" && f.running:
		w.Write([]byte(`{"experiment": {"id": "EXP1a2b3c4d5e6f7", "state": {"status": "running"}}}`))
	case r.Method == http.MethodGet && r.URL.Path == "/experiments/EXP1a2b3c4d5e6f7":
		w.Write([]byte(`{"experiment": {"id": "EXP1a2b3c4d5e6f7", "state": {"status": "completed", "reason": "Experiment completed."}}}`))
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/experiments/"):
		// StopExperiment: DELETE /experiments/{id}
		f.stopped = append(f.stopped, strings.TrimPrefix(r.URL.Path, "/experiments/"))
		w.Write([]byte(`{"experiment": {"id": "EXP1a2b3c4d5e6f7", "state": {"status": "stopping"}}}`))
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/experimentTemplates/"):
		f.deleted = append(f.deleted, strings.TrimPrefix(r.URL.Path, "/experimentTemplates/"))
		w.Write([]byte(`{"experimentTemplate": {"id": "EXT1a2b3c4d5e6f7"}}`))
	default:
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message": "not in the stand-in"}`))
	}
}

// The board's monkey finds the chaos stack's roles through the bill's,
// writes a template for the targets it found as the starter role, starts
// it as the chaos stack's FIS role, follows it, stops it once past its
// time, and deletes the template.
func TestTheMonkeyStartsFollowsAndTidiesAnExperiment(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	_, mine, _ := a.stackVPC(t, "UnicornRentals", 101)
	const fisRole = "arn:aws:iam::123456789012:role/UnicornRentals-Chaos-MonkeyFisRoleAB12-CD34"
	const starterRole = "arn:aws:iam::123456789012:role/UnicornRentals-Chaos-MonkeyStarterRoleAB12-CD34"
	const bill = "arn:aws:iam::123456789012:role/UnicornRentals-BillReader#team-07-0123456789abcdef"
	if _, err := a.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("UnicornRentals-Chaos"),
		TemplateBody: aws.String(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"ExperimentRoleArn": {"Value": "` + fisRole + `"}, "StarterRoleArn": {"Value": "` + starterRole + `"}}}`)}); err != nil {
		t.Fatal(err)
	}
	stand := &fisStandIn{}
	srv := httptest.NewServer(http.HandlerFunc(stand.serve))
	defer srv.Close()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(srv.URL)
	a.FIS = fis.NewFromConfig(cfg)
	// Each access the monkey connects with is recorded: the bill's role
	// first, then the starter role with the team's ExternalId.
	var connected []string
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	m := &Monkey{Pool: &Pool{clients: map[string]*Clients{}, connect: func(access string) (*Clients, error) {
		connected = append(connected, access)
		return a.Clients, nil
	}}, Now: func() time.Time { return now }}
	a.calls.start()
	defer func() {
		if !a.calls.calls["cloudformation:DescribeStacks"] {
			t.Errorf("recorded %v: the chaos stack's roles are read from its output", a.calls.calls)
		}
		for call := range a.calls.calls {
			if !slices.Contains(contract.MonkeyReadActions, call) && !slices.Contains(contract.MonkeyFISActions, call) && !slices.Contains(contract.ChaosLookupActions, call) {
				t.Errorf("the monkey calls %s, which neither role allows", call)
			}
		}
	}()

	id, err := m.Start(ctx, bill, "", game.Chaos{Experiment: game.TerminateInstance})
	if err != nil {
		t.Fatal(err)
	}
	if id != "EXP1a2b3c4d5e6f7" || !slices.Equal(stand.started, []string{"EXT1a2b3c4d5e6f7"}) {
		t.Errorf("experiment %s, started %v", id, stand.started)
	}
	tpl, _ := json.Marshal(stand.template)
	slices.Sort(mine)
	arns, _ := json.Marshal(mine)
	for _, want := range []string{`"roleArn":"` + fisRole + `"`, `"resourceArns":` + string(arns), `"selectionMode":"COUNT(1)"`, `"actionId":"aws:ec2:terminate-instances"`} {
		if !strings.Contains(string(tpl), want) {
			t.Errorf("template %s lacks %s", tpl, want)
		}
	}
	if want := []string{bill, starterRole + "#team-07-0123456789abcdef"}; !slices.Equal(connected, want) {
		t.Errorf("connected as %v, want %v: the bill's role to read the outputs, the starter with the team's ExternalId", connected, want)
	}
	if tags := stand.template["tags"].(map[string]any); tags[contract.GameTag] != contract.GameTagValue {
		t.Errorf("template tags %v: the starter role may start only templates with the game's tag", tags)
	}

	// Running within its time: left alone; past it: stopped.
	stand.running = true
	if state, done, err := m.State(ctx, bill, "", id); err != nil || done || state != "running" || len(stand.stopped) != 0 {
		t.Errorf("in its time: state %q, done %v, err %v, stopped %v", state, done, err, stand.stopped)
	}
	now = now.Add(Overrun + time.Second)
	if state, done, err := m.State(ctx, bill, "", id); err != nil || done || !strings.Contains(state, "past its time") || !slices.Equal(stand.stopped, []string{id}) {
		t.Errorf("past its time: state %q, done %v, err %v, stopped %v", state, done, err, stand.stopped)
	}
	stand.running = false
	state, done, err := m.State(ctx, bill, "", id)
	if err != nil || !done || state != "completed: Experiment completed." {
		t.Errorf("state %q, done %v, err %v", state, done, err)
	}
	if !slices.Equal(stand.deleted, []string{"EXT1a2b3c4d5e6f7"}) {
		t.Errorf("templates deleted: %v, want the experiment's", stand.deleted)
	}
}
