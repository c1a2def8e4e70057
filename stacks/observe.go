package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/alb"
	"github.com/unicorn-rentals/gameday/constructs/cdn"
	"github.com/unicorn-rentals/gameday/constructs/monitor"
	"github.com/unicorn-rentals/gameday/constructs/tasks"
	"github.com/unicorn-rentals/gameday/contract"
)

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
	s.Monitor = observe(s.Stack, s.loadBalancerMetrics(), s.capacityWidget(), s.Cdn, s.Network.Vpc)
}

// observe adds a stack's dashboard and its error-rate alarm, with the
// outputs the chaos stack reads: the front load balancer's metrics, the
// capacity in service, and the distribution's when there is one.
func observe(stack awscdk.Stack, lb lbMetrics, capacity cw.IWidget, dist *cdn.CDN, vpc awsec2.IVpc) *monitor.Monitor {
	requests := lb.metric("RequestCount", "Sum", lb.lb, "requests")
	elb5xx := lb.metric(lb.elb5xx, "Sum", lb.lb, "5xx from the load balancer")
	target5xx := lb.metric(lb.target5xx, "Sum", lb.lb, "5xx from the service")
	errors := cw.NewMathExpression(&cw.MathExpressionProps{Expression: jsii.String("FILL(e, 0) + FILL(" + lb.target5xxKey + ", 0)"),
		UsingMetrics: &map[string]cw.IMetric{"e": elb5xx, lb.target5xxKey: target5xx}, Label: jsii.String("5xx"), Period: awscdk.Duration_Minutes(jsii.Number(1))})
	rows := [][]cw.IWidget{
		{
			graph("Requests", 8, requests),
			graph("Errors", 8, elb5xx, target5xx, lb.metric(lb.target4xx, "Sum", lb.lb, "4xx")),
			graph("Latency", 8, lb.metric(lb.latency, "p50", lb.latencyDims, "p50"), lb.metric(lb.latency, "p99", lb.latencyDims, "p99")),
		},
		{
			lb.queueWidget,
			graph(lb.healthy, 8, lb.metric("HealthyHostCount", "Minimum", lb.latencyDims, "healthy"), lb.metric("UnHealthyHostCount", "Maximum", lb.latencyDims, "unhealthy")),
			capacity,
		},
	}
	if dist != nil {
		// CloudFront publishes its metrics in us-east-1 only.
		d := map[string]*string{"DistributionId": dist.Distribution.DistributionId(), "Region": jsii.String("Global")}
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
	m := monitor.New(stack, "Monitor", monitor.Props{Requests: requests, Errors: errors, Rows: rows})
	awscdk.NewCfnOutput(stack, jsii.String("ErrorRateAlarmArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("The service's error-rate alarm"),
		Value:       m.ErrorRate.AlarmArn(),
		ExportName:  jsii.String(contract.ErrorRateAlarmExport(*stack.StackName())),
	})
	awscdk.NewCfnOutput(stack, jsii.String("VpcId"), &awscdk.CfnOutputProps{
		Description: jsii.String("The service's VPC"),
		Value:       vpc.VpcId(),
		ExportName:  jsii.String(contract.VpcIDExport(*stack.StackName())),
	})
	return m
}

// lbMetrics are the names one kind of load balancer publishes its
// metrics under, in AWS/ApplicationELB or AWS/ELB.
type lbMetrics struct {
	ns                                    string
	elb5xx, target5xx, target4xx, latency string
	target5xxKey                          string // its name in the error expression
	lb, latencyDims                       map[string]*string
	healthy                               string
	queueWidget                           cw.IWidget
}

func (l lbMetrics) metric(name, statistic string, dims map[string]*string, label string) cw.Metric {
	return metric(l.ns, name, statistic, dims, label)
}

// loadBalancerMetrics are the front load balancer's: the ALB's per target
// group, with the scaling metric; the Classic one's with its surge queue.
func (s *GameStack) loadBalancerMetrics() lbMetrics {
	if a := s.servingAlb(); a != nil {
		return albMetrics(a)
	}
	dims := map[string]*string{"LoadBalancerName": s.Clb.LoadBalancer.LoadBalancerName()}
	l := lbMetrics{ns: "AWS/ELB", elb5xx: "HTTPCode_ELB_5XX", target5xx: "HTTPCode_Backend_5XX", target4xx: "HTTPCode_Backend_4XX", target5xxKey: "b",
		latency: "Latency", healthy: "Healthy instances", lb: dims, latencyDims: dims}
	l.queueWidget = graph("Surge queue and spillover (503s)", 8, l.metric("SurgeQueueLength", "Maximum", dims, "surge queue"), l.metric("SpilloverCount", "Sum", dims, "spilled over"))
	return l
}

// albMetrics are an ALB's, per target group, with the scaling metric.
func albMetrics(a *alb.ALB) lbMetrics {
	l := lbMetrics{ns: "AWS/ApplicationELB", elb5xx: "HTTPCode_ELB_5XX_Count", target5xx: "HTTPCode_Target_5XX_Count", target4xx: "HTTPCode_Target_4XX_Count", target5xxKey: "t",
		latency: "TargetResponseTime", healthy: "Healthy targets",
		lb:          map[string]*string{"LoadBalancer": a.LoadBalancer.LoadBalancerFullName()},
		latencyDims: map[string]*string{"LoadBalancer": a.LoadBalancer.LoadBalancerFullName(), "TargetGroup": a.Serving().TargetGroupFullName()}}
	l.queueWidget = graph("Requests per target (the scaling metric)", 8, l.metric("RequestCountPerTarget", "Sum", l.latencyDims, "requests per target"))
	return l
}

// capacityWidget counts the instances or tasks in service: the
// instances while there are any, as they get the requests.
func (s *GameStack) capacityWidget() cw.IWidget {
	if s.Fleet == nil {
		return tasksRunning(s.Tasks)
	}
	d := map[string]*string{"AutoScalingGroupName": s.Fleet.Group.AutoScalingGroupName()}
	return graph("Instances in service", 8, metric("AWS/AutoScaling", "GroupInServiceInstances", "Average", d, "instances"))
}

// tasksRunning counts a service's tasks.
func tasksRunning(t *tasks.Tasks) cw.IWidget {
	d := map[string]*string{"ClusterName": t.Cluster.ClusterName(), "ServiceName": t.Service.ServiceName()}
	return graph("Tasks running", 8, metric("ECS/ContainerInsights", "RunningTaskCount", "Average", d, "tasks"))
}
