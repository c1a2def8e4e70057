// Command target is the example's CDK app:
//
//	npx cdk deploy -c image=public.ecr.aws/nginx/nginx:stable -c port=80 \
//	  -c domain=www.example.com -c certificateArn=arn:aws:acm:us-east-1:...:certificate/... \
//	  -c webAclArn=arn:aws:wafv2:us-east-1:...:global/webacl/... WebTarget
//
// run from examples/target, whose cdk.json names it.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/examples/target"
)

func main() {
	app := awscdk.NewApp(nil)
	props, err := fromContext(func(k string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(k)).(string); ok {
			return v
		}
		return ""
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "target:", err)
		os.Exit(2)
	}
	target.NewStack(app, "WebTarget", props)
	app.Synth(nil)
}

// fromContext reads the example's context values once, checked.
func fromContext(get func(string) string) (target.Props, error) {
	p := target.Props{Image: get("image"), HealthPath: get("healthPath"), DomainName: get("domain"), CertificateArn: get("certificateArn"), WebAclArn: get("webAclArn")}
	if p.Image == "" {
		return p, fmt.Errorf("context image is required: the container image to serve, e.g. -c image=public.ecr.aws/nginx/nginx:stable")
	}
	if v := get("port"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return p, fmt.Errorf("context port %q: want the port the container listens on, 1 to 65535", v)
		}
		p.Port = n
	}
	if (p.DomainName == "") != (p.CertificateArn == "") {
		return p, fmt.Errorf("context domain and certificateArn go together: the name, and an ACM certificate in us-east-1 that covers it")
	}
	return p, nil
}
