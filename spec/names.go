package spec

import (
	"fmt"
	"time"
)

// InstanceType is the one EC2 instance type the game allows.
const InstanceType = "m5.large"

// Tags every fix set puts on the service's instances or tasks, so chaos
// experiments find them before and after the move to Fargate.
const (
	GameTag        = "unicorn-rentals:game"
	GameTagValue   = "gameday"
	ComponentTag   = "unicorn-rentals:component"
	ComponentValue = "hash-service"
)

// ChaosStackName is the chaos stack's name beside a game stack.
func ChaosStackName(gameStack string) string { return gameStack + "-Chaos" }

// ErrorRateAlarmExport is the export name of the game stack's error-rate
// alarm, which stops the chaos experiments.
func ErrorRateAlarmExport(gameStack string) string { return gameStack + "-ErrorRateAlarmArn" }

// ChaosSchedule starts the monkey's experiments at intervals during the
// game window. Off by default.
type ChaosSchedule struct {
	Enabled  bool          // context "chaosSchedule" (on/off)
	Interval time.Duration // context "chaosInterval", default 20m, at least 5m
	Start    time.Time     // context "chaosStart", RFC 3339; required when enabled
	Duration time.Duration // context "chaosDuration", default 4h
}

// Runs are the start times of one experiment on the monkey's clock: every
// Interval from Start plus offset, until Start plus Duration.
//
// FirstRun is the first of them not before now, so that a schedule
// created during the game starts in the future: EventBridge Scheduler
// rejects a StartDate more than five minutes in the past (CreateSchedule,
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html).
// ok is false when the window has ended.
func (c ChaosSchedule) FirstRun(offset time.Duration, now time.Time) (first time.Time, ok bool) {
	first = c.Start.Add(offset)
	if now.After(first) {
		steps := (now.Sub(first) + c.Interval - 1) / c.Interval
		first = first.Add(steps * c.Interval)
	}
	return first, first.Before(c.End())
}

// End is when the monkey stops.
func (c ChaosSchedule) End() time.Time { return c.Start.Add(c.Duration) }

// CheckAt says whether a schedule deployed at now can still run: an
// enabled schedule whose window has ended is an error naming the fix.
func (c ChaosSchedule) CheckAt(now time.Time) error {
	if !c.Enabled || now.Before(c.End()) {
		return nil
	}
	return fmt.Errorf("context chaosStart %s with chaosDuration %s: the monkey's window ended at %s; give this game's start, or chaosSchedule=off",
		c.Start.UTC().Format(time.RFC3339), c.Duration, c.End().UTC().Format(time.RFC3339))
}

// DefaultStackName is the game stack's name unless context stackName
// (or a teams or accounts file) says otherwise.
const DefaultStackName = "UnicornRentals"

// BillReaderActions are the calls the live bill makes in a team's account
// (game/accounts), and all the game stack's bill-reading role allows.
var BillReaderActions = []string{
	"ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeAddresses", "ec2:DescribeNetworkInterfaces", "ec2:DescribeNatGateways",
	"ec2:DescribeVpcEndpoints", "cloudwatch:DescribeAlarms", "cloudwatch:ListDashboards",
	"elasticloadbalancing:DescribeLoadBalancers",
	"ecs:ListClusters", "ecs:ListTasks", "ecs:DescribeTasks", "ecs:DescribeTaskDefinition",
	"cloudfront:ListDistributions",
	"cloudwatch:GetMetricStatistics",
}

// ExperimentRoleOutput is the chaos stack's output naming the role AWS FIS
// runs the experiments as: the board passes it to the experiments it
// starts.
const ExperimentRoleOutput = "ExperimentRoleArn"

// MonkeyActions are the calls the board makes to start and follow the
// script's experiments (game/accounts' Monkey), beside the bill's: find
// the targets, write a template, start it, read it, delete the template.
var MonkeyActions = []string{
	"ec2:DescribeVpcs", "ec2:DescribeSubnets", "ecs:ListServices", "ecs:DescribeServices",
	"cloudformation:DescribeStacks",
	"fis:CreateExperimentTemplate", "fis:StartExperiment", "fis:GetExperiment", "fis:DeleteExperimentTemplate", "fis:TagResource",
}

// BillReaderRoleOutput is the game stack's output naming that role: the
// teams file's "live:<role ARN>".
const BillReaderRoleOutput = "BillReaderRoleArn"
