package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/monitor"
)

// ErrorRateAlarmExport names the export of the error-rate alarm's ARN,
// which the chaos stack's experiments stop on.
func ErrorRateAlarmExport(stackName string) string { return stackName + "-ErrorRateAlarmArn" }

// metric is a one-minute CloudWatch metric.
func metric(namespace, name, statistic string, dims map[string]*string, label string) cw.Metric {
	return cw.NewMetric(&cw.MetricProps{
		Namespace: jsii.String(namespace), MetricName: jsii.String(name), DimensionsMap: &dims,
		Statistic: jsii.String(statistic), Period: awscdk.Duration_Minutes(jsii.Number(1)), Label: jsii.String(label),
	})
}

func graph(title string, width float64, left ...cw.IMetric) cw.IWidget {
	return cw.NewGraphWidget(&cw.GraphWidgetProps{Title: jsii.String(title), Left: &left, Width: jsii.Number(width), Height: jsii.Number(6)})
}

// observe adds the dashboard and the error-rate alarm. Each widget shows
// only metrics the fix set's parts publish.
func (s *GameStack) observe() {
	var requests, errors, elb5xx cw.IMetric
	var rows [][]cw.IWidget
	if s.Alb != nil {
		lb := map[string]*string{"LoadBalancer": s.Alb.LoadBalancer.LoadBalancerFullName()}
		tg := map[string]*string{"LoadBalancer": s.Alb.LoadBalancer.LoadBalancerFullName(), "TargetGroup": s.Alb.TargetGroup.TargetGroupFullName()}
		const ns = "AWS/ApplicationELB"
		requests = metric(ns, "RequestCount", "Sum", lb, "requests")
		elb5xx = metric(ns, "HTTPCode_ELB_5XX_Count", "Sum", lb, "5xx from the load balancer")
		target5xx := metric(ns, "HTTPCode_Target_5XX_Count", "Sum", lb, "5xx from the service")
		errors = cw.NewMathExpression(&cw.MathExpressionProps{Expression: jsii.String("FILL(e, 0) + FILL(t, 0)"), UsingMetrics: &map[string]cw.IMetric{"e": elb5xx, "t": target5xx}, Label: jsii.String("5xx"), Period: awscdk.Duration_Minutes(jsii.Number(1))})
		rows = append(rows,
			[]cw.IWidget{
				graph("Requests", 8, requests),
				graph("Errors", 8, elb5xx, target5xx, metric(ns, "HTTPCode_Target_4XX_Count", "Sum", lb, "4xx")),
				graph("Latency", 8, metric(ns, "TargetResponseTime", "p50", tg, "p50"), metric(ns, "TargetResponseTime", "p99", tg, "p99")),
			},
			[]cw.IWidget{
				graph("Requests per target (the scaling metric)", 8, metric(ns, "RequestCountPerTarget", "Sum", tg, "requests per target")),
				graph("Healthy targets", 8, metric(ns, "HealthyHostCount", "Minimum", tg, "healthy"), metric(ns, "UnHealthyHostCount", "Maximum", tg, "unhealthy")),
				s.capacityWidget(),
			})
	} else {
		lb := map[string]*string{"LoadBalancerName": s.Clb.LoadBalancer.LoadBalancerName()}
		const ns = "AWS/ELB"
		requests = metric(ns, "RequestCount", "Sum", lb, "requests")
		elb5xx = metric(ns, "HTTPCode_ELB_5XX", "Sum", lb, "5xx from the load balancer")
		backend5xx := metric(ns, "HTTPCode_Backend_5XX", "Sum", lb, "5xx from the service")
		errors = cw.NewMathExpression(&cw.MathExpressionProps{Expression: jsii.String("FILL(e, 0) + FILL(b, 0)"), UsingMetrics: &map[string]cw.IMetric{"e": elb5xx, "b": backend5xx}, Label: jsii.String("5xx"), Period: awscdk.Duration_Minutes(jsii.Number(1))})
		rows = append(rows,
			[]cw.IWidget{
				graph("Requests", 8, requests),
				graph("Errors", 8, elb5xx, backend5xx, metric(ns, "HTTPCode_Backend_4XX", "Sum", lb, "4xx")),
				graph("Latency", 8, metric(ns, "Latency", "p50", lb, "p50"), metric(ns, "Latency", "p99", lb, "p99")),
			},
			[]cw.IWidget{
				graph("Surge queue and spillover (503s)", 8, metric(ns, "SurgeQueueLength", "Maximum", lb, "surge queue"), metric(ns, "SpilloverCount", "Sum", lb, "spilled over")),
				graph("Healthy instances", 8, metric(ns, "HealthyHostCount", "Minimum", lb, "healthy"), metric(ns, "UnHealthyHostCount", "Maximum", lb, "unhealthy")),
				s.capacityWidget(),
			})
	}
	if s.Cdn != nil {
		// CloudFront publishes its metrics in us-east-1 only.
		d := map[string]*string{"DistributionId": s.Cdn.Distribution.DistributionId(), "Region": jsii.String("Global")}
		const ns = "AWS/CloudFront"
		cdnGraph := func(title string, m ...cw.IMetric) cw.IWidget {
			return cw.NewGraphWidget(&cw.GraphWidgetProps{Title: jsii.String(title), Left: &m, Width: jsii.Number(8), Height: jsii.Number(6), Region: jsii.String("us-east-1")})
		}
		rows = append(rows, []cw.IWidget{
			cdnGraph("CloudFront requests", metric(ns, "Requests", "Sum", d, "requests")),
			cdnGraph("CloudFront error rate (%)", metric(ns, "5xxErrorRate", "Average", d, "5xx"), metric(ns, "4xxErrorRate", "Average", d, "4xx")),
			cdnGraph("Cache hit rate (%)", metric(ns, "CacheHitRate", "Average", d, "hits")),
		})
	}
	s.Monitor = monitor.New(s.Stack, "Monitor", monitor.Props{Requests: requests, Errors: errors, Rows: rows})
	awscdk.NewCfnOutput(s.Stack, jsii.String("ErrorRateAlarmArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("The alarm chaos experiments stop on"),
		Value:       s.Monitor.ErrorRate.AlarmArn(),
		ExportName:  jsii.String(ErrorRateAlarmExport(*s.Stack.StackName())),
	})
}

// capacityWidget counts the instances or tasks in service.
func (s *GameStack) capacityWidget() cw.IWidget {
	if s.Tasks != nil {
		d := map[string]*string{"ClusterName": s.Tasks.Cluster.ClusterName(), "ServiceName": s.Tasks.Service.ServiceName()}
		return graph("Tasks running", 8, metric("ECS/ContainerInsights", "RunningTaskCount", "Average", d, "tasks"))
	}
	d := map[string]*string{"AutoScalingGroupName": s.Fleet.Group.AutoScalingGroupName()}
	return graph("Instances in service", 8, metric("AWS/AutoScaling", "GroupInServiceInstances", "Average", d, "instances"))
}
