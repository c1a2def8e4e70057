package stacks

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsfis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ChaosSchedule starts the monkey's experiments at intervals during the
// game window. Off by default.
type ChaosSchedule struct {
	Enabled  bool          // context "chaosSchedule" (on/off)
	Interval time.Duration // context "chaosInterval", default 20m, at least 5m
	Start    time.Time     // context "chaosStart", RFC 3339; required when enabled
	Duration time.Duration // context "chaosDuration", default 4h
}

// Experiment names, the chaos stack's experiment templates.
const (
	ExperimentTerminateInstance = "TerminateInstance"
	ExperimentStopTask          = "StopTask"
	ExperimentStopHalfTheTasks  = "StopHalfTheTasks"
	ExperimentZoneOutage        = "ZoneOutage"
)

// ChaosStackProps configures the chaos stack.
type ChaosStackProps struct {
	awscdk.StackProps
	Config Config
}

// ChaosStack is the facilitator's Chaos Monkey for one team's account:
// FIS experiment templates that find the game stack's service by its tags,
// whatever the fix set, and stop when the game stack's error-rate alarm
// fires.
type ChaosStack struct {
	awscdk.Stack
	Role        awsiam.Role
	Experiments map[string]awsfis.CfnExperimentTemplate
	Schedules   []awsscheduler.CfnSchedule // empty unless the schedule is on
}

// ChaosStackName is the chaos stack's name beside a game stack.
func ChaosStackName(gameStack string) string { return gameStack + "-Chaos" }

// NewChaosStack builds the chaos stack.
func NewChaosStack(scope constructs.Construct, props ChaosStackProps) *ChaosStack {
	cfg := props.Config
	stackProps := props.StackProps
	stackProps.Description = jsii.String("Unicorn.Rentals GameDay: the Chaos Monkey (AWS FIS)")
	c := &ChaosStack{
		Stack:       awscdk.NewStack(scope, jsii.String(ChaosStackName(cfg.StackName)), &stackProps),
		Experiments: map[string]awsfis.CfnExperimentTemplate{},
	}
	awscdk.Tags_Of(c.Stack).Add(jsii.String(GameTag), jsii.String(GameTagValue), nil)
	alarm := awscdk.Fn_ImportValue(jsii.String(ErrorRateAlarmExport(cfg.StackName)))
	c.Role = c.fisRole()

	service := map[string]*string{ComponentTag: jsii.String(ComponentValue), GameTag: jsii.String(GameTagValue)}
	experiment := func(name, description string, targets map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetProperty, actions map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateActionProperty) {
		c.Experiments[name] = awsfis.NewCfnExperimentTemplate(c.Stack, jsii.String(name), &awsfis.CfnExperimentTemplateProps{
			Description:    jsii.String(description),
			RoleArn:        c.Role.RoleArn(),
			StopConditions: &[]*awsfis.CfnExperimentTemplate_ExperimentTemplateStopConditionProperty{{Source: jsii.String("aws:cloudwatch:alarm"), Value: alarm}},
			Targets:        &targets,
			Actions:        &actions,
			Tags:           &map[string]*string{"Name": jsii.String("unicorn-rentals-" + name)},
		})
	}
	experiment(ExperimentTerminateInstance, "Terminate one instance of the hash service fleet",
		map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetProperty{"Instance": {
			ResourceType: jsii.String("aws:ec2:instance"), ResourceTags: &service, SelectionMode: jsii.String("COUNT(1)"),
			Filters: &[]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetFilterProperty{{Path: jsii.String("State.Name"), Values: jsii.Strings("running")}},
		}},
		map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateActionProperty{"Terminate": {
			ActionId: jsii.String("aws:ec2:terminate-instances"), Targets: &map[string]*string{"Instances": jsii.String("Instance")},
		}})
	for _, e := range []struct{ name, description, selection string }{
		{ExperimentStopTask, "Stop one task of the hash service", "COUNT(1)"},
		{ExperimentStopHalfTheTasks, "Stop half the tasks of the hash service", "PERCENT(50)"},
	} {
		experiment(e.name, e.description,
			map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetProperty{"Tasks": {
				ResourceType: jsii.String("aws:ecs:task"), ResourceTags: &service, SelectionMode: jsii.String(e.selection),
			}},
			map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateActionProperty{"Stop": {
				ActionId: jsii.String("aws:ecs:stop-task"), Targets: &map[string]*string{"Tasks": jsii.String("Tasks")},
			}})
	}
	// The zone event: every subnet of the game in the first AZ loses its
	// network for five minutes, as in FIS's AZ availability scenario.
	experiment(ExperimentZoneOutage, "Cut the network of the game's subnets in one Availability Zone for 5 minutes",
		map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetProperty{"Subnets": {
			ResourceType: jsii.String("aws:ec2:subnet"), ResourceTags: &map[string]*string{GameTag: jsii.String(GameTagValue)}, SelectionMode: jsii.String("ALL"),
			Filters: &[]*awsfis.CfnExperimentTemplate_ExperimentTemplateTargetFilterProperty{{
				Path: jsii.String("AvailabilityZone"), Values: &[]*string{awscdk.Fn_Select(jsii.Number(0), awscdk.Fn_GetAzs(nil))},
			}},
		}},
		map[string]*awsfis.CfnExperimentTemplate_ExperimentTemplateActionProperty{"DisruptConnectivity": {
			ActionId:   jsii.String("aws:network:disrupt-connectivity"),
			Parameters: &map[string]*string{"duration": jsii.String("PT5M"), "scope": jsii.String("all")},
			Targets:    &map[string]*string{"Subnets": jsii.String("Subnets")},
		}})

	if cfg.Chaos.Enabled {
		c.schedule(cfg.Chaos)
	}
	return c
}

// fisRole may do what the four experiments do, and nothing else.
func (c *ChaosStack) fisRole() awsiam.Role {
	arn := func(service, resource string) *string {
		return awscdk.Fn_Sub(jsii.String(fmt.Sprintf("arn:${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}:%s", service, resource)), nil)
	}
	fisTagged := &map[string]any{"StringEquals": map[string]any{"ec2:ResourceTag/managedByFIS": "true"}}
	statements := []*awsiam.PolicyStatementProps{
		{Sid: jsii.String("TerminateTheServiceInstances"), Actions: jsii.Strings("ec2:TerminateInstances"), Resources: &[]*string{arn("ec2", "instance/*")},
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + ComponentTag: ComponentValue}}},
		{Sid: jsii.String("StopTheServiceTasks"), Actions: jsii.Strings("ecs:StopTask"), Resources: &[]*string{arn("ecs", "task/*")},
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + ComponentTag: ComponentValue}}},
		{Sid: jsii.String("TagTheFISNetworkAcl"), Actions: jsii.Strings("ec2:CreateTags"), Resources: &[]*string{arn("ec2", "network-acl/*")},
			Conditions: &map[string]any{"StringEquals": map[string]any{"ec2:CreateAction": "CreateNetworkAcl", "aws:RequestTag/managedByFIS": "true"}}},
		{Sid: jsii.String("CreateTheFISNetworkAcl"), Actions: jsii.Strings("ec2:CreateNetworkAcl"), Resources: &[]*string{arn("ec2", "network-acl/*")},
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:RequestTag/managedByFIS": "true"}}},
		{Sid: jsii.String("CreateItInTheVpc"), Actions: jsii.Strings("ec2:CreateNetworkAcl"), Resources: &[]*string{arn("ec2", "vpc/*")}},
		{Sid: jsii.String("FillAndDeleteTheFISNetworkAcl"), Actions: jsii.Strings("ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"),
			Resources: &[]*string{arn("ec2", "network-acl/*"), arn("ec2", "vpc/*")}, Conditions: fisTagged},
		{Sid: jsii.String("SwapSubnetNetworkAcls"), Actions: jsii.Strings("ec2:ReplaceNetworkAclAssociation"),
			Resources: &[]*string{arn("ec2", "subnet/*"), arn("ec2", "network-acl/*")}},
		// Target resolution and the network action's reads; none of these
		// supports resource-level permissions.
		{Sid: jsii.String("FindTargets"), Actions: jsii.Strings("tag:GetResources", "ec2:DescribeInstances", "ecs:DescribeTasks",
			"ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeNetworkAcls", "ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"),
			Resources: jsii.Strings("*")},
	}
	doc := awsiam.NewPolicyDocument(nil)
	for _, s := range statements {
		doc.AddStatements(awsiam.NewPolicyStatement(s))
	}
	return awsiam.NewRole(c.Stack, jsii.String("FisRole"), &awsiam.RoleProps{
		AssumedBy:      awsiam.NewServicePrincipal(jsii.String("fis.amazonaws.com"), nil),
		Description:    jsii.String("AWS FIS runs the Unicorn.Rentals chaos experiments with this role"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"Experiments": doc},
	})
}

// schedule starts the instance and the task experiment every interval of
// the game window: whichever finds the service does the damage, the other
// finds no target and fails without effect.
func (c *ChaosStack) schedule(s ChaosSchedule) {
	var arns []*string
	for _, name := range []string{ExperimentTerminateInstance, ExperimentStopTask} {
		arns = append(arns, awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:fis:${AWS::Region}:${AWS::AccountId}:experiment-template/${Id}"),
			&map[string]*string{"Id": c.Experiments[name].AttrId()}))
	}
	role := awsiam.NewRole(c.Stack, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil),
		Description: jsii.String("EventBridge Scheduler starts the Chaos Monkey's experiments with this role"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"StartExperiments": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
			Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("fis:StartExperiment"), Resources: &arns}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("fis:StartExperiment"),
					Resources: &[]*string{awscdk.Fn_Sub(jsii.String("arn:${AWS::Partition}:fis:${AWS::Region}:${AWS::AccountId}:experiment/*"), nil)}}),
			},
		})},
	})
	for i, name := range []string{ExperimentTerminateInstance, ExperimentStopTask} {
		input := awscdk.Fn_Sub(jsii.String(`{"ExperimentTemplateId": "${Id}", "ClientToken": "<aws.scheduler.execution-id>"}`),
			&map[string]*string{"Id": c.Experiments[name].AttrId()})
		c.Schedules = append(c.Schedules, awsscheduler.NewCfnSchedule(c.Stack, jsii.String("Monkey"+name), &awsscheduler.CfnScheduleProps{
			Description:        jsii.String("The Chaos Monkey: " + name),
			ScheduleExpression: jsii.String(fmt.Sprintf("rate(%d minutes)", int(s.Interval.Minutes()))),
			StartDate:          jsii.String(s.Start.Add(time.Duration(i) * s.Interval / 2).UTC().Format(time.RFC3339)),
			EndDate:            jsii.String(s.Start.Add(s.Duration).UTC().Format(time.RFC3339)),
			FlexibleTimeWindow: &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("FLEXIBLE"), MaximumWindowInMinutes: jsii.Number(5)},
			Target: &awsscheduler.CfnSchedule_TargetProperty{
				Arn:     jsii.String("arn:aws:scheduler:::aws-sdk:fis:startExperiment"),
				RoleArn: role.RoleArn(),
				Input:   input,
			},
		}))
	}
}
