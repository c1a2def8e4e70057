package accounts

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/fis"
	fistypes "github.com/aws/aws-sdk-go-v2/service/fis/types"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// Targets are what an experiment hits, found in the stack's VPC at the
// moment of the event, whatever made them.
type Targets struct {
	VPC          string
	ResourceType string   // FIS's: aws:ec2:instance, aws:ecs:task, aws:ec2:subnet
	ARNs         []string // instances or subnets, sorted
	// Services whose tasks run in the VPC: FIS finds their running tasks
	// itself when the experiment starts (the aws:ecs:task target's cluster
	// and service parameters).
	Services []Service
	// Zone is the Availability Zone an outage cuts off.
	Zone string
}

// stackTag is the tag CloudFormation puts on every resource of a stack:
// the VPC of a team's game stack carries its stack's name.
const stackTag = "aws:cloudformation:stack-name"

// FindTargets finds what experiment would hit now in the VPC of stack: a
// running instance (FIS picks one of them), half the running tasks of
// every ECS service whose tasks run in the VPC, or every subnet of one
// Availability Zone (the one with the most running instances and tasks'
// subnets, ties by name). Teams sharing an account are hit separately:
// only their own stack's VPC counts.
func (c *Clients) FindTargets(ctx context.Context, stack, experiment string) (Targets, error) {
	vpcs, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:" + stackTag), Values: []string{stack}}}})
	if err != nil {
		return Targets{}, &CallError{"ec2:DescribeVpcs", err}
	}
	if len(vpcs.Vpcs) != 1 {
		return Targets{}, fmt.Errorf("stack %s: %d VPCs carry its tag, want 1: is the game stack deployed under that name?", stack, len(vpcs.Vpcs))
	}
	t := Targets{VPC: aws.ToString(vpcs.Vpcs[0].VpcId)}
	subnets, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{t.VPC}}}})
	if err != nil {
		return Targets{}, &CallError{"ec2:DescribeSubnets", err}
	}
	inVPC := map[string]string{} // subnet ID -> its AZ
	for _, s := range subnets.Subnets {
		inVPC[aws.ToString(s.SubnetId)] = aws.ToString(s.AvailabilityZone)
	}
	switch experiment {
	case game.TerminateInstance:
		t.ResourceType = "aws:ec2:instance"
		p := ec2.NewDescribeInstancesPaginator(c.EC2, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
			{Name: aws.String("vpc-id"), Values: []string{t.VPC}}, {Name: aws.String("instance-state-name"), Values: []string{"running"}},
		}})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return Targets{}, &CallError{"ec2:DescribeInstances", err}
			}
			for _, r := range out.Reservations {
				for _, i := range r.Instances {
					t.ARNs = append(t.ARNs, fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", c.region, aws.ToString(r.OwnerId), aws.ToString(i.InstanceId)))
				}
			}
		}
	case game.StopTasks:
		t.ResourceType = "aws:ecs:task"
		if t.Services, err = c.services(ctx, inVPC); err != nil {
			return Targets{}, err
		}
	case game.AZOutage:
		t.ResourceType = "aws:ec2:subnet"
		zones := map[string][]string{}
		for _, s := range subnets.Subnets {
			zones[aws.ToString(s.AvailabilityZone)] = append(zones[aws.ToString(s.AvailabilityZone)], aws.ToString(s.SubnetArn))
		}
		names := make([]string, 0, len(zones))
		for z := range zones {
			names = append(names, z)
		}
		sort.Strings(names)
		for _, z := range names {
			if len(zones[z]) > len(zones[t.Zone]) {
				t.Zone = z
			}
		}
		t.ARNs = zones[t.Zone]
	default:
		return Targets{}, fmt.Errorf("experiment %q: want one of %v", experiment, game.Experiments)
	}
	slices.Sort(t.ARNs)
	return t, nil
}

// Service is an ECS service, by its cluster's and its own name.
type Service struct{ Cluster, Name string }

// services lists the ECS services whose tasks run in the VPC's subnets.
func (c *Clients) services(ctx context.Context, inVPC map[string]string) ([]Service, error) {
	var out []Service
	clusters := ecs.NewListClustersPaginator(c.ECS, &ecs.ListClustersInput{})
	for clusters.HasMorePages() {
		page, err := clusters.NextPage(ctx)
		if err != nil {
			return nil, &CallError{"ecs:ListClusters", err}
		}
		for _, cluster := range page.ClusterArns {
			services := ecs.NewListServicesPaginator(c.ECS, &ecs.ListServicesInput{Cluster: aws.String(cluster)})
			for services.HasMorePages() {
				list, err := services.NextPage(ctx)
				if err != nil {
					return nil, &CallError{"ecs:ListServices", err}
				}
				if len(list.ServiceArns) == 0 {
					continue
				}
				desc, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: list.ServiceArns})
				if err != nil {
					return nil, &CallError{"ecs:DescribeServices", err}
				}
				for _, s := range desc.Services {
					nc := s.NetworkConfiguration
					if nc == nil || nc.AwsvpcConfiguration == nil || !slices.ContainsFunc(nc.AwsvpcConfiguration.Subnets, func(id string) bool { _, ok := inVPC[id]; return ok }) {
						continue
					}
					_, name, _ := strings.Cut(cluster, ":cluster/")
					out = append(out, Service{Cluster: name, Name: aws.ToString(s.ServiceName)})
				}
			}
		}
	}
	return out, nil
}

// Monkey starts the script's chaos experiments in teams' accounts with
// AWS FIS (board.Monkey): for each event it finds the targets, writes an
// experiment template for them, starts it, stops it if it outlives its
// time, and deletes the template once the experiment has ended. It reads
// the chaos stack's outputs through the team's bill role and does the rest
// as the chaos stack's starter role, with the same ExternalId.
type Monkey struct {
	*Pool
	// StackName of the teams' game stacks when the teams file gives none.
	// Default UnicornRentals.
	StackName string
	// Now is the clock the experiments' time caps are kept by. Default
	// time.Now.
	Now func() time.Time

	mu          sync.Mutex
	experiments map[string]started // by experiment ID
	starters    map[string]chaosRoles
}

// started is an experiment the monkey started: its template, to delete,
// and when it must have ended.
type started struct {
	template string
	deadline time.Time
}

// chaosRoles are a chaos stack's outputs: the role the board starts
// experiments as (its access, with the team's ExternalId), and the one
// FIS runs them as.
type chaosRoles struct{ starter, fis string }

// Overrun is how long an experiment may run past its actions' time before
// the monkey stops it: FIS's own start-up and the last action's clean-up.
const Overrun = 2 * time.Minute

func (m *Monkey) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Monkey) stack(stack string) string {
	return cmp.Or(stack, m.StackName, contract.DefaultStackName)
}

// starter connects to the chaos stack's starter role of the team reached
// through access, found once through the bill's role.
func (m *Monkey) starter(ctx context.Context, access, stack string) (*Clients, chaosRoles, error) {
	key := access + " " + stack
	m.mu.Lock()
	roles, ok := m.starters[key]
	m.mu.Unlock()
	if !ok {
		bill, err := m.Connect(ctx, access)
		if err != nil {
			return nil, roles, err
		}
		if roles, err = bill.chaosRoles(ctx, stack); err != nil {
			return nil, roles, err
		}
		_, externalID := teamsfile.SplitAccess(access)
		if externalID != "" {
			roles.starter += "#" + externalID
		}
		m.mu.Lock()
		if m.starters == nil {
			m.starters = map[string]chaosRoles{}
		}
		m.starters[key] = roles
		m.mu.Unlock()
	}
	cl, err := m.Connect(ctx, roles.starter)
	return cl, roles, err
}

// Start starts experiment c in the account reached through role, in the
// VPC of stack (empty: StackName).
func (m *Monkey) Start(ctx context.Context, role, stack string, c game.Chaos) (string, error) {
	stack = m.stack(stack)
	targets, err := m.Aim(ctx, role, stack, c.Experiment)
	if err != nil {
		return "", err
	}
	cl, roles, err := m.starter(ctx, role, stack)
	if err != nil {
		return "", err
	}
	tpl := experimentTemplate(targets, c, roles.fis)
	created, err := cl.FIS.CreateExperimentTemplate(ctx, tpl)
	if err != nil {
		return "", &CallError{"fis:CreateExperimentTemplate", err}
	}
	out, err := cl.FIS.StartExperiment(ctx, &fis.StartExperimentInput{
		ExperimentTemplateId: created.ExperimentTemplate.Id,
		ClientToken:          aws.String(fmt.Sprintf("%s-%d", aws.ToString(created.ExperimentTemplate.Id), time.Now().UnixNano())),
		Tags:                 map[string]string{contract.GameTag: contract.GameTagValue},
	})
	if err != nil {
		_, _ = cl.FIS.DeleteExperimentTemplate(ctx, &fis.DeleteExperimentTemplateInput{Id: created.ExperimentTemplate.Id})
		return "", &CallError{"fis:StartExperiment", err}
	}
	id := aws.ToString(out.Experiment.Id)
	m.mu.Lock()
	if m.experiments == nil {
		m.experiments = map[string]started{}
	}
	// Every action ends by itself: terminating and stopping at once, the
	// network cut after its duration. The cap is the board's stop
	// condition beside them.
	m.experiments[id] = started{template: aws.ToString(created.ExperimentTemplate.Id), deadline: m.now().Add(c.Time() + Overrun)}
	m.mu.Unlock()
	return id, nil
}

// Aim finds what experiment would hit in the account reached through
// role, in the VPC of stack, without starting anything: the rehearsal's
// check that the chaos stack's roles work and the script has targets.
func (m *Monkey) Aim(ctx context.Context, role, stack, experiment string) (Targets, error) {
	stack = m.stack(stack)
	cl, _, err := m.starter(ctx, role, stack)
	if err != nil {
		return Targets{}, err
	}
	targets, err := cl.FindTargets(ctx, stack, experiment)
	if err != nil {
		return targets, err
	}
	if len(targets.ARNs) == 0 && len(targets.Services) == 0 {
		return targets, fmt.Errorf("nothing to hit: no %s in the VPC of stack %s", strings.TrimPrefix(targets.ResourceType, "aws:"), stack)
	}
	return targets, nil
}

// State reads an experiment; one past its time is stopped, and once it has
// ended its template is deleted.
func (m *Monkey) State(ctx context.Context, role, stack, id string) (string, bool, error) {
	cl, _, err := m.starter(ctx, role, m.stack(stack))
	if err != nil {
		return "", false, err
	}
	out, err := cl.FIS.GetExperiment(ctx, &fis.GetExperimentInput{Id: aws.String(id)})
	if err != nil {
		return "", false, &CallError{"fis:GetExperiment", err}
	}
	state := fistypes.ExperimentStatusPending
	reason := ""
	if out.Experiment != nil && out.Experiment.State != nil {
		state, reason = out.Experiment.State.Status, aws.ToString(out.Experiment.State.Reason)
	}
	m.mu.Lock()
	e := m.experiments[id]
	m.mu.Unlock()
	switch state {
	case fistypes.ExperimentStatusCompleted, fistypes.ExperimentStatusStopped, fistypes.ExperimentStatusFailed, fistypes.ExperimentStatusCancelled:
		m.mu.Lock()
		delete(m.experiments, id)
		m.mu.Unlock()
		tpl := e.template
		if tpl != "" {
			if _, err := cl.FIS.DeleteExperimentTemplate(ctx, &fis.DeleteExperimentTemplateInput{Id: aws.String(tpl)}); err != nil {
				return string(state), true, &CallError{"fis:DeleteExperimentTemplate", err}
			}
		}
		if reason != "" {
			return string(state) + ": " + reason, true, nil
		}
		return string(state), true, nil
	}
	if !e.deadline.IsZero() && m.now().After(e.deadline) && state != fistypes.ExperimentStatusStopping {
		if _, err := cl.FIS.StopExperiment(ctx, &fis.StopExperimentInput{Id: aws.String(id)}); err != nil {
			return string(state), false, &CallError{"fis:StopExperiment", err}
		}
		return "stopping: past its time", false, nil
	}
	return string(state), false, nil
}

// experimentTemplate aims experiment c at the targets found.
func experimentTemplate(t Targets, c game.Chaos, role string) *fis.CreateExperimentTemplateInput {
	targets := map[string]fistypes.CreateExperimentTemplateTargetInput{}
	actions := map[string]fistypes.CreateExperimentTemplateActionInput{}
	switch c.Experiment {
	case game.TerminateInstance:
		targets["Instances"] = fistypes.CreateExperimentTemplateTargetInput{ResourceType: aws.String(t.ResourceType), ResourceArns: t.ARNs, SelectionMode: aws.String("COUNT(1)")}
		actions["Terminate"] = fistypes.CreateExperimentTemplateActionInput{ActionId: aws.String("aws:ec2:terminate-instances"), Targets: map[string]string{"Instances": "Instances"}}
	case game.StopTasks:
		for i, s := range t.Services {
			key := fmt.Sprintf("Tasks%d", i+1)
			targets[key] = fistypes.CreateExperimentTemplateTargetInput{ResourceType: aws.String(t.ResourceType), SelectionMode: aws.String("PERCENT(50)"),
				Parameters: map[string]string{"cluster": s.Cluster, "service": s.Name}}
			actions[fmt.Sprintf("Stop%d", i+1)] = fistypes.CreateExperimentTemplateActionInput{ActionId: aws.String("aws:ecs:stop-task"), Targets: map[string]string{"Tasks": key}}
		}
	case game.AZOutage:
		targets["Subnets"] = fistypes.CreateExperimentTemplateTargetInput{ResourceType: aws.String(t.ResourceType), ResourceArns: t.ARNs, SelectionMode: aws.String("ALL")}
		actions["Disrupt"] = fistypes.CreateExperimentTemplateActionInput{ActionId: aws.String("aws:network:disrupt-connectivity"), Targets: map[string]string{"Subnets": "Subnets"},
			Parameters: map[string]string{"duration": isoDuration(time.Duration(c.DurationOrDefault())), "scope": "all"}}
	}
	return &fis.CreateExperimentTemplateInput{
		ClientToken:    aws.String(fmt.Sprintf("%s-%d", c.Experiment, time.Now().UnixNano())),
		Description:    aws.String(fmt.Sprintf("Unicorn.Rentals GameDay: %s in %s, started by the scoreboard", c.Experiment, t.VPC)),
		RoleArn:        aws.String(role),
		StopConditions: []fistypes.CreateExperimentTemplateStopConditionInput{{Source: aws.String("none")}},
		Targets:        targets,
		Actions:        actions,
		Tags:           map[string]string{contract.GameTag: contract.GameTagValue},
	}
}

// isoDuration writes d as FIS's action parameters want it: PT10M.
func isoDuration(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("PT%dM", max(m, 1))
}

// chaosRoles reads the chaos stack's roles from its outputs.
func (c *Clients) chaosRoles(ctx context.Context, stack string) (chaosRoles, error) {
	name := contract.ChaosStackName(stack)
	out, err := c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
	if stackMissing(err) {
		return chaosRoles{}, fmt.Errorf("no chaos stack %s in the account: deploy the chaos stack (gameday accounts deploy, or make deploy-chaos for one team) for the board to start experiments", name)
	}
	if err != nil {
		return chaosRoles{}, &CallError{"cloudformation:DescribeStacks", err}
	}
	var roles chaosRoles
	for _, s := range out.Stacks {
		for _, o := range s.Outputs {
			switch aws.ToString(o.OutputKey) {
			case contract.ExperimentRoleOutput:
				roles.fis = aws.ToString(o.OutputValue)
			case contract.StarterRoleOutput:
				roles.starter = aws.ToString(o.OutputValue)
			}
		}
	}
	switch {
	case roles.fis == "":
		return roles, fmt.Errorf("stack %s has no %s output: deploy the chaos stack (gameday accounts deploy, or make deploy-chaos for one team) for the board to start experiments", name, contract.ExperimentRoleOutput)
	case roles.starter == "":
		return roles, fmt.Errorf("stack %s has no %s output: deploy the chaos stack with the facilitator's account and the team's ExternalId (gameday accounts deploy -c facilitatorAccount=..., or make deploy-chaos FACILITATOR=... EXTERNAL_ID=... for one team) for the board to start experiments", name, contract.StarterRoleOutput)
	}
	return roles, nil
}
