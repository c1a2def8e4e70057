package cdn_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/constructs/cdn"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func synth(t *testing.T, props cdn.Props) assertions.Template {
	return cdktest.Assert(func(stack awscdk.Stack) {
		props.Origin = awscloudfrontorigins.NewHttpOrigin(jsii.String("origin.example.com"), nil)
		cdn.New(stack, "Cdn", props)
	})
}

func TestDefaults(t *testing.T) {
	tpl := synth(t, cdn.Props{})
	cdktest.MustPass(t, "key on the path only, a year at most, nothing without Cache-Control, no compression", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::CachePolicy"), map[string]any{
			"CachePolicyConfig": map[string]any{
				"MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 31536000,
				"ParametersInCacheKeyAndForwardedToOrigin": map[string]any{
					"EnableAcceptEncodingGzip": false, "EnableAcceptEncodingBrotli": false,
					"QueryStringsConfig": map[string]any{"QueryStringBehavior": "none"},
					"HeadersConfig":      map[string]any{"HeaderBehavior": "none"},
					"CookiesConfig":      map[string]any{"CookieBehavior": "none"},
				},
			},
		})
	})
	var errors []any
	for _, code := range cdn.UncachedErrors {
		errors = append(errors, map[string]any{"ErrorCode": code, "ErrorCachingMinTTL": 0})
	}
	cdktest.MustPass(t, "cheapest price class, errors not cached", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": map[string]any{
				"PriceClass":           "PriceClass_100",
				"HttpVersion":          "http2and3",
				"CustomErrorResponses": errors,
			},
		})
	})
}

func TestParamAndPriceClassCanChange(t *testing.T) {
	tpl := synth(t, cdn.Props{Param: "q", PriceClass: awscloudfront.PriceClass_PRICE_CLASS_ALL})
	cdktest.MustPass(t, "key on q", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::CachePolicy"), map[string]any{
			"CachePolicyConfig": map[string]any{
				"ParametersInCacheKeyAndForwardedToOrigin": map[string]any{
					"QueryStringsConfig": map[string]any{"QueryStrings": []any{"q"}},
				},
			},
		})
	})
	cdktest.MustPass(t, "all edge locations", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": map[string]any{"PriceClass": "PriceClass_All"},
		})
	})
}

// What a production copy adds, each off by default: its own name with an
// ACM certificate, a WAF web ACL, and access logs.
func TestProductionOptions(t *testing.T) {
	tpl := cdktest.Assert(func(stack awscdk.Stack) {
		logs := awss3.NewBucket(stack, jsii.String("Logs"), &awss3.BucketProps{ObjectOwnership: awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED})
		cdn.New(stack, "Cdn", cdn.Props{
			Origin:      awscloudfrontorigins.NewHttpOrigin(jsii.String("origin.example.com"), nil),
			DomainNames: []string{"api.example.com"},
			Certificate: awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"), jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/abc")),
			WebAclArn:   "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/abc",
			LogBucket:   logs,
		})
	})
	cdktest.MustPass(t, "the name, its certificate, the web ACL and the logs", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
				"Aliases":           []any{"api.example.com"},
				"ViewerCertificate": assertions.Match_ObjectLike(&map[string]any{"AcmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}),
				"WebACLId":          "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/abc",
				"Logging":           assertions.Match_ObjectLike(&map[string]any{"Bucket": assertions.Match_AnyValue()}),
			}),
		})
	})
	defaults := synth(t, cdn.Props{})
	cdktest.MustPass(t, "none of them by default", func() {
		defaults.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
				"Aliases": assertions.Match_Absent(), "WebACLId": assertions.Match_Absent(), "Logging": assertions.Match_Absent(),
			}),
		})
	})
}

// Live, nothing is cached and every request passes on, over HTTPS only;
// the escape hatch changes what the construct filled.
func TestLiveCachesNothingAndTakesHTTPSOnly(t *testing.T) {
	tpl := synth(t, cdn.Props{Live: true, Param: "q", DistributionProps: func(p *awscloudfront.DistributionProps) {
		p.PriceClass = awscloudfront.PriceClass_PRICE_CLASS_200
	}})
	cdktest.MustPass(t, "no cache policy of its own", func() {
		tpl.ResourceCountIs(jsii.String("AWS::CloudFront::CachePolicy"), jsii.Number(0))
	})
	cdktest.MustPass(t, "CachingDisabled, AllViewerExceptHostHeader, every method, HTTPS only, the hatch's price class", func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudFront::Distribution"), map[string]any{
			"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
				"PriceClass": "PriceClass_200",
				"DefaultCacheBehavior": assertions.Match_ObjectLike(&map[string]any{
					// CloudFront's managed policies' IDs
					// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html).
					"CachePolicyId":         "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
					"OriginRequestPolicyId": "b689b0a8-53d0-40ab-baf2-68738e2966ac",
					"AllowedMethods":        []any{"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"},
					"ViewerProtocolPolicy":  "https-only",
				}),
			}),
		})
	})
}
