package cdn_test

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/cdn"
)

// Two distributions: one caching an API's answers on its one parameter,
// one in front of a live page that must cache nothing.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Edge"), nil)
	origin := awscloudfrontorigins.NewHttpOrigin(jsii.String("origin.example.com"), nil)
	cdn.New(stack, "Api", cdn.Props{Origin: origin, Param: "input"})
	cdn.New(stack, "Page", cdn.Props{Origin: origin, Live: true})

	tpl := assertions.Template_FromStack(stack, nil)
	raw, _ := json.Marshal(tpl.FindResources(jsii.String("AWS::CloudFront::Distribution"), nil))
	var found map[string]struct {
		Properties struct {
			DistributionConfig struct {
				DefaultCacheBehavior struct {
					ViewerProtocolPolicy string
					AllowedMethods       []string
				}
			}
		}
	}
	json.Unmarshal(raw, &found)
	for _, d := range found {
		b := d.Properties.DistributionConfig.DefaultCacheBehavior
		fmt.Println(b.ViewerProtocolPolicy, len(b.AllowedMethods), "methods")
	}
	fmt.Println("cache policies:", len(*tpl.FindResources(jsii.String("AWS::CloudFront::CachePolicy"), nil)))
	// Unordered output:
	// redirect-to-https 2 methods
	// https-only 7 methods
	// cache policies: 1
}
