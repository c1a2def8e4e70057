// Package monitor is what a team plays by: a CloudWatch dashboard of the
// parts the fix set has, and an alarm on the service's error rate that
// tells an SNS topic and stops a runaway chaos experiment.
package monitor

import (
	"cmp"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures the monitor.
type Props struct {
	// Requests counts the requests the load balancer received. Required.
	Requests awscloudwatch.IMetric
	// Errors counts the 5xx answers the load balancer sent, its own and the
	// targets'. Required.
	Errors awscloudwatch.IMetric
	// Rows of widgets for the dashboard, top to bottom. Default: none.
	Rows [][]awscloudwatch.IWidget
	// ErrorRatePercent above which, in 2 of 3 minutes, the alarm fires.
	// Default 50.
	ErrorRatePercent float64
}

// Monitor is the dashboard, the alarm and its topic.
type Monitor struct {
	constructs.Construct
	Topic     awssns.Topic
	ErrorRate awscloudwatch.Alarm
	Dashboard awscloudwatch.Dashboard
}

// New creates the monitor.
func New(scope constructs.Construct, id string, props Props) *Monitor {
	m := &Monitor{Construct: constructs.NewConstruct(scope, &id)}
	threshold := cmp.Or(props.ErrorRatePercent, 50)
	m.Topic = awssns.NewTopic(m.Construct, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("Unicorn.Rentals alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	rate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("IF(requests > 0, 100 * errors / requests, 0)"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"requests": props.Requests, "errors": props.Errors},
		Label:        jsii.String("5xx error rate (%)"),
		Period:       awscdk.Duration_Minutes(jsii.Number(1)),
	})
	m.ErrorRate = rate.CreateAlarm(m.Construct, jsii.String("ErrorRate"), &awscloudwatch.CreateAlarmOptions{
		AlarmDescription:   jsii.String(fmt.Sprintf("More than %.0f%% of requests answered 5xx in 2 of 3 minutes", threshold)),
		Threshold:          jsii.Number(threshold),
		EvaluationPeriods:  jsii.Number(3),
		DatapointsToAlarm:  jsii.Number(2),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	m.ErrorRate.AddAlarmAction(awscloudwatchactions.NewSnsAction(m.Topic))

	widgets := []*[]awscloudwatch.IWidget{{awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
		Alarm: m.ErrorRate, Title: jsii.String("5xx error rate (%)"), Width: jsii.Number(24), Height: jsii.Number(5),
	})}}
	for _, row := range props.Rows {
		widgets = append(widgets, &row)
	}
	m.Dashboard = awscloudwatch.NewDashboard(m.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		Widgets:         &widgets,
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(1)),
	})
	return m
}
