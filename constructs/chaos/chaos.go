// Package chaos is the Chaos Monkey for one team's account: AWS FIS
// experiment templates that find the hash service by its tags, whatever
// runs it (EC2 instances or ECS tasks), and stop when an alarm fires, with
// an optional EventBridge Scheduler monkey that starts them on the clock.
package chaos

import (
	"cmp"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsfis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/contract"
)

// Construct IDs of the experiment templates, also their Name tags.
const (
	TerminateInstance = "TerminateInstance"
	StopTask          = "StopTask"
	StopHalfTheTasks  = "StopHalfTheTasks"
	ZoneOutage        = "ZoneOutage"
)

// Props configures the monkey.
type Props struct {
	// StopAlarmArn is the CloudWatch alarm that stops every experiment.
	// Required.
	StopAlarmArn *string
	// ServiceTags find the service's instances and tasks (all must match)
	// for the stack's own experiment templates. Required.
	ServiceTags map[string]string
	// SubnetTags find the subnets the zone outage cuts. Required.
	SubnetTags map[string]string
	// Outage is how long the zone outage cuts the network. Default 5m.
	Outage time.Duration
	// Schedule starts the instance and the task experiment on the clock;
	// nil (the default) schedules nothing.
	Schedule *Schedule
	// VpcID is the game stack's VPC: the zone outage may cut its subnets'
	// network and no other's. Required.
	VpcID *string
	// StarterTrustedBy may assume the starter role, which finds targets
	// and starts experiments for the scoreboard. Default nil: no starter
	// role, the stack's own templates and schedule only.
	StarterTrustedBy awsiam.IPrincipal
	// StarterTags go on the starter role. Default none.
	StarterTags map[string]string
}

// Schedule is the monkey's wall-clock timetable: the instance and the task
// experiment each run every Interval from their first run until End.
type Schedule struct {
	// Interval between two runs of one experiment. Required.
	Interval time.Duration
	// FirstInstanceRun and FirstTaskRun are each experiment's first run.
	// Required, and not in the past when the stack is deployed:
	// EventBridge Scheduler rejects a StartDate more than five minutes old.
	FirstInstanceRun, FirstTaskRun time.Time
	// End is when both stop. Required.
	End time.Time
}

// Chaos holds the experiment templates, keyed by construct ID, their role,
// the starter role (nil without Props.StarterTrustedBy) and the schedules
// (empty without Props.Schedule).
type Chaos struct {
	constructs.Construct
	Role        awsiam.Role
	StarterRole awsiam.Role
	Experiments map[string]awsfis.CfnExperimentTemplate
	Schedules   []awsscheduler.CfnSchedule
}

type (
	targets = map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetProperty
	actions = map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateActionProperty
)

// New creates the four experiments and, if asked, their schedule.
func New(scope constructs.Construct, id string, props Props) *Chaos {
	c := &Chaos{Construct: constructs.NewConstruct(scope, &id), Experiments: map[string]awsfis.CfnExperimentTemplate{}}
	c.Role = c.fisRole(props.VpcID)
	service, subnets := strings(props.ServiceTags), strings(props.SubnetTags)
	c.experiment(props, TerminateInstance, "Terminate one instance of the hash service fleet",
		targets{"Instance": {
			ResourceType: jsii.String("aws:ec2:instance"), ResourceTags: &service, SelectionMode: jsii.String("COUNT(1)"),
			Filters: &[]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetFilterProperty{{Path: jsii.String("State.Name"), Values: jsii.Strings("running")}},
		}},
		actions{"Terminate": {ActionId: jsii.String("aws:ec2:terminate-instances"), Targets: &map[string]*string{"Instances": jsii.String("Instance")}}})
	for _, e := range []struct{ id, description, selection string }{
		{StopTask, "Stop one task of the hash service", "COUNT(1)"},
		{StopHalfTheTasks, "Stop half the tasks of the hash service", "PERCENT(50)"},
	} {
		c.experiment(props, e.id, e.description,
			targets{"Tasks": {ResourceType: jsii.String("aws:ecs:task"), ResourceTags: &service, SelectionMode: jsii.String(e.selection)}},
			actions{"Stop": {ActionId: jsii.String("aws:ecs:stop-task"), Targets: &map[string]*string{"Tasks": jsii.String("Tasks")}}})
	}
	// Every tagged subnet in the first AZ loses its network, as in FIS's
	// AZ availability scenario.
	outage := cmp.Or(props.Outage, 5*time.Minute)
	c.experiment(props, ZoneOutage, fmt.Sprintf("Cut the network of the game's subnets in one Availability Zone for %d minutes", int(outage.Minutes())),
		targets{"Subnets": {
			ResourceType: jsii.String("aws:ec2:subnet"), ResourceTags: &subnets, SelectionMode: jsii.String("ALL"),
			Filters: &[]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetFilterProperty{{
				Path: jsii.String("AvailabilityZone"), Values: &[]*string{awscdk.Fn_Select(jsii.Number(0), awscdk.Fn_GetAzs(nil))},
			}},
		}},
		actions{"DisruptConnectivity": {
			ActionId:   jsii.String("aws:network:disrupt-connectivity"),
			Parameters: &map[string]*string{"duration": jsii.String(fmt.Sprintf("PT%dM", int(outage.Minutes()))), "scope": jsii.String("all")},
			Targets:    &map[string]*string{"Subnets": jsii.String("Subnets")},
		}})
	if props.Schedule != nil {
		c.schedule(*props.Schedule)
	}
	if props.StarterTrustedBy != nil {
		c.starterRole(props)
	}
	return c
}

func strings(m map[string]string) map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range maps.All(m) {
		out[k] = jsii.String(v)
	}
	return out
}

func (c *Chaos) experiment(props Props, id, description string, t targets, a actions) {
	c.Experiments[id] = awsfis.NewCfnExperimentTemplate(c.Construct, jsii.String(id), &awsfis.CfnExperimentTemplateProps{
		Description:    jsii.String(description),
		RoleArn:        c.Role.RoleArn(),
		StopConditions: &[]*awsfis.CfnExperimentTemplate_ExperimentTemplateStopConditionProperty{{Source: jsii.String("aws:cloudwatch:alarm"), Value: props.StopAlarmArn}},
		Targets:        &t,
		Actions:        &a,
		Tags:           &map[string]*string{"Name": jsii.String("unicorn-rentals-" + id)},
	})
}

// arn is a resource of this account and region.
func arn(service, resource string) *string {
	return awscdk.Fn_Sub(jsii.String(fmt.Sprintf("arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s", service, resource)), nil)
}

// fisRole may do what the four experiments do, and nothing else: the
// network actions only in the game's VPC.
func (c *Chaos) fisRole(vpcID *string) awsiam.Role {
	fisTagged := &map[string]any{"StringEquals": map[string]any{"ec2:ResourceTag/managedByFIS": "true"}}
	vpc := awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${Vpc}"), &map[string]*string{"Vpc": vpcID})
	inTheVpc := &map[string]any{"ArnEquals": map[string]any{"ec2:Vpc": vpc}}
	statements := []*awsiam.PolicyStatementProps{
		// Any instance or task: neither resource takes a VPC condition
		// key (ec2:Vpc belongs to subnets, network ACLs and interfaces;
		// ecs:StopTask takes ecs:cluster and tags only: Service
		// Authorization Reference, Amazon EC2 and Amazon ECS), and a
		// condition on tags would spare a console-made group, which
		// carries none of the kit's. The experiments fix their targets at
		// start instead: the scoreboard's name the instances, or the
		// cluster and service, it found in the game's VPC; the stack's own
		// templates select by the kit's tags.
		{Sid: jsii.String("TerminateTheServiceInstances"), Actions: jsii.Strings("ec2:TerminateInstances"), Resources: &[]*string{arn("ec2", "instance/*")}},
		{Sid: jsii.String("StopTheServiceTasks"), Actions: jsii.Strings("ecs:StopTask"), Resources: &[]*string{arn("ecs", "task/*")}},
		// aws:ecs:task targets are resolved through their clusters, as in
		// AWS's AWSFaultInjectionSimulatorECSAccess policy.
		{Sid: jsii.String("FindTheServiceTasks"), Actions: jsii.Strings("ecs:DescribeClusters", "ecs:DescribeTasks"), Resources: &[]*string{arn("ecs", "cluster/*"), arn("ecs", "task/*")}},
		{Sid: jsii.String("TagTheFISNetworkAcl"), Actions: jsii.Strings("ec2:CreateTags"), Resources: &[]*string{arn("ec2", "network-acl/*")},
			Conditions: &map[string]any{"StringEquals": map[string]any{"ec2:CreateAction": "CreateNetworkAcl", "aws:RequestTag/managedByFIS": "true"}}},
		{Sid: jsii.String("CreateTheFISNetworkAcl"), Actions: jsii.Strings("ec2:CreateNetworkAcl"), Resources: &[]*string{arn("ec2", "network-acl/*")},
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:RequestTag/managedByFIS": "true"}}},
		{Sid: jsii.String("CreateItInTheVpc"), Actions: jsii.Strings("ec2:CreateNetworkAcl"), Resources: &[]*string{vpc}},
		{Sid: jsii.String("FillAndDeleteTheFISNetworkAcl"), Actions: jsii.Strings("ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"),
			Resources: &[]*string{arn("ec2", "network-acl/*"), vpc}, Conditions: fisTagged},
		{Sid: jsii.String("SwapSubnetNetworkAclsInTheVpc"), Actions: jsii.Strings("ec2:ReplaceNetworkAclAssociation"),
			Resources: &[]*string{arn("ec2", "subnet/*"), arn("ec2", "network-acl/*")}, Conditions: inTheVpc},
		// Target resolution and the network action's reads; none of these
		// supports resource-level permissions.
		{Sid: jsii.String("FindTargets"), Actions: jsii.Strings("tag:GetResources", "ec2:DescribeInstances", "ecs:ListTasks",
			"ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeNetworkAcls", "ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"),
			Resources: jsii.Strings("*")},
	}
	doc := awsiam.NewPolicyDocument(nil)
	for _, s := range statements {
		doc.AddStatements(awsiam.NewPolicyStatement(s))
	}
	return awsiam.NewRole(c.Construct, jsii.String("FisRole"), &awsiam.RoleProps{
		AssumedBy:      awsiam.NewServicePrincipal(jsii.String("fis.amazonaws.com"), nil),
		Description:    jsii.String("AWS FIS runs the Unicorn.Rentals chaos experiments with this role"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"Experiments": doc},
	})
}

// starterRole finds the targets and starts, follows, stops and tidies the
// scoreboard's experiments, as the FIS role only, and only experiments and
// templates that carry the game's tag (contract.GameTag)
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsfaultinjectionservice.html:
// CreateExperimentTemplate and StartExperiment take aws:RequestTag, the
// others aws:ResourceTag).
func (c *Chaos) starterRole(props Props) {
	key, value := contract.GameTag, contract.GameTagValue
	requested := &map[string]any{"StringEquals": map[string]any{"aws:RequestTag/" + key: value}}
	tagged := &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + key: value}}
	templates, experiments := arn("fis", "experiment-template/*"), arn("fis", "experiment/*")
	statements := []*awsiam.PolicyStatementProps{
		{Sid: jsii.String("FindTargets"), Actions: jsii.Strings(contract.MonkeyReadActions...), Resources: jsii.Strings("*")},
		{Sid: jsii.String("FindTheFISRole"), Actions: jsii.Strings(contract.ChaosLookupActions...), Resources: &[]*string{
			awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*"), nil)}},
		{Sid: jsii.String("WriteGameTemplates"), Actions: jsii.Strings("fis:CreateExperimentTemplate", "fis:TagResource"), Resources: &[]*string{templates, experiments}, Conditions: requested},
		// A template names FIS actions, a resource with no tag.
		{Sid: jsii.String("UseTheirActions"), Actions: jsii.Strings("fis:CreateExperimentTemplate"), Resources: &[]*string{arn("fis", "action/*")}},
		{Sid: jsii.String("StartGameTemplates"), Actions: jsii.Strings("fis:StartExperiment"), Resources: &[]*string{templates}, Conditions: tagged},
		{Sid: jsii.String("AsGameExperiments"), Actions: jsii.Strings("fis:StartExperiment"), Resources: &[]*string{experiments}, Conditions: requested},
		{Sid: jsii.String("FollowAndStopGameExperiments"), Actions: jsii.Strings("fis:GetExperiment", "fis:StopExperiment"), Resources: &[]*string{experiments}, Conditions: tagged},
		{Sid: jsii.String("DeleteGameTemplates"), Actions: jsii.Strings("fis:DeleteExperimentTemplate"), Resources: &[]*string{templates}, Conditions: tagged},
		{Sid: jsii.String("AsTheFISRole"), Actions: jsii.Strings("iam:PassRole"), Resources: &[]*string{c.Role.RoleArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "fis.amazonaws.com"}}},
	}
	doc := awsiam.NewPolicyDocument(nil)
	for _, s := range statements {
		doc.AddStatements(awsiam.NewPolicyStatement(s))
	}
	c.StarterRole = awsiam.NewRole(c.Construct, jsii.String("StarterRole"), &awsiam.RoleProps{
		AssumedBy:      props.StarterTrustedBy,
		Description:    jsii.String("The GameDay scoreboard starts the script's chaos experiments with this role"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"StartExperiments": doc},
	})
	for k, v := range props.StarterTags {
		awscdk.Tags_Of(c.StarterRole).Add(jsii.String(k), jsii.String(v), nil)
	}
}

// schedule starts the instance and the task experiment every interval of
// the game window: whichever finds the service does the damage, the other
// finds no target and fails without effect.
func (c *Chaos) schedule(s Schedule) {
	monkey := []string{TerminateInstance, StopTask}
	var arns []*string
	for _, id := range monkey {
		arns = append(arns, awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:fis:${AWS::Region}:${AWS::AccountId}:experiment-template/${Id}"),
			&map[string]*string{"Id": c.Experiments[id].AttrId()}))
	}
	arns = append(arns, awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:fis:${AWS::Region}:${AWS::AccountId}:experiment/*"), nil))
	role := awsiam.NewRole(c.Construct, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil),
		Description: jsii.String("EventBridge Scheduler starts the Chaos Monkey's experiments with this role"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"StartExperiments": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
			Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("fis:StartExperiment"), Resources: &arns})},
		})},
	})
	first := []time.Time{s.FirstInstanceRun, s.FirstTaskRun}
	for i, id := range monkey {
		// Universal targets take the target API's own request parameters
		// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html):
		// StartExperiment's are experimentTemplateId and clientToken
		// (https://docs.aws.amazon.com/fis/latest/APIReference/API_StartExperiment.html).
		input := awscdk.Fn_Sub(jsii.String(`{"experimentTemplateId": "${Id}", "clientToken": "<aws.scheduler.execution-id>"}`),
			&map[string]*string{"Id": c.Experiments[id].AttrId()})
		c.Schedules = append(c.Schedules, awsscheduler.NewCfnSchedule(c.Construct, jsii.String("Monkey"+id), &awsscheduler.CfnScheduleProps{
			Description:        jsii.String("The Chaos Monkey: " + id),
			ScheduleExpression: jsii.String(fmt.Sprintf("rate(%d minutes)", int(s.Interval.Minutes()))),
			StartDate:          jsii.String(first[i].UTC().Format(time.RFC3339)),
			EndDate:            jsii.String(s.End.UTC().Format(time.RFC3339)),
			// On the minute, so the room can be told when it strikes.
			FlexibleTimeWindow: &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
			Target: &awsscheduler.CfnSchedule_TargetProperty{
				Arn:     jsii.String("arn:aws:scheduler:::aws-sdk:fis:startExperiment"),
				RoleArn: role.RoleArn(),
				Input:   input,
			},
		}))
	}
}
