// Package cdn is the winners' first move: a CloudFront distribution that
// answers a repeated question from its cache. The cache key is the one
// query-string parameter the service reads; everything else is left out,
// so extra parameters, headers or cookies cannot split the cache.
package cdn

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// UncachedErrors are the status codes CloudFront must not remember: a
// moment of overload at the origin should not be replayed to every player
// for the 10 s CloudFront keeps errors by default.
var UncachedErrors = []int{500, 502, 503, 504}

// Props configures the distribution.
type Props struct {
	// Origin is where misses go: a load balancer. Required.
	Origin awscloudfront.IOrigin
	// Param is the one query-string parameter in the cache key, and the
	// only one the origin sees. Default none: the path alone keys the
	// cache.
	Param string
	// Comment describes the distribution in the console. Default none.
	Comment string
	// Compress compresses answers at the edge and keys the cache on the
	// encodings. Default false: small answers gain nothing, and each
	// encoding would be a miss of its own.
	Compress bool
	// MaxTTL caps how long an answer may stay cached, whatever the origin's
	// max-age. Default 365 days: the service's answers never change.
	MaxTTL time.Duration
	// PriceClass limits the edge locations. Default PRICE_CLASS_100 (North
	// America and Europe), the cheapest, where the players are.
	PriceClass awscloudfront.PriceClass

	// What a production copy adds; each is off by default, the game's
	// reasons in docs/security-review.md.

	// DomainNames are the distribution's own names, served with
	// Certificate, an ACM certificate in us-east-1 that covers them
	// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html).
	// Default none: the *.cloudfront.net name and certificate.
	DomainNames []string
	Certificate awscertificatemanager.ICertificate
	// WebAclArn is a WAF web ACL of the CLOUDFRONT scope to filter viewers
	// with. Default none.
	WebAclArn string
	// LogBucket receives CloudFront's standard access logs. Default none:
	// CloudFront's metrics only.
	LogBucket awss3.IBucket
}

// CDN is the distribution and its cache policy.
type CDN struct {
	constructs.Construct
	CachePolicy  awscloudfront.CachePolicy
	Distribution awscloudfront.Distribution
}

// New creates the distribution.
func New(scope constructs.Construct, id string, props Props) *CDN {
	c := &CDN{Construct: constructs.NewConstruct(scope, &id)}
	queries, keyed := awscloudfront.CacheQueryStringBehavior_None(), "the path only"
	if props.Param != "" {
		queries, keyed = awscloudfront.CacheQueryStringBehavior_AllowList(jsii.String(props.Param)), "the "+props.Param+" parameter only"
	}
	maxTTL := cmp.Or(props.MaxTTL, 365*24*time.Hour)
	priceClass := cmp.Or(props.PriceClass, awscloudfront.PriceClass_PRICE_CLASS_100)

	c.CachePolicy = awscloudfront.NewCachePolicy(c.Construct, jsii.String("CachePolicy"), &awscloudfront.CachePolicyProps{
		Comment:             jsii.String("Key on " + keyed + "; the origin's Cache-Control decides the TTL"),
		QueryStringBehavior: queries,
		HeaderBehavior:      awscloudfront.CacheHeaderBehavior_None(),
		CookieBehavior:      awscloudfront.CacheCookieBehavior_None(),
		// MinTTL 0 lets no-store mean no-store; DefaultTTL 0 caches nothing
		// the origin did not mark cacheable; MaxTTL admits a year's max-age.
		MinTtl:                     awscdk.Duration_Seconds(jsii.Number(0)),
		DefaultTtl:                 awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:                     awscdk.Duration_Seconds(jsii.Number(maxTTL.Seconds())),
		EnableAcceptEncodingGzip:   jsii.Bool(props.Compress),
		EnableAcceptEncodingBrotli: jsii.Bool(props.Compress),
	})

	var errors []*awscloudfront.ErrorResponse
	for _, code := range UncachedErrors {
		errors = append(errors, &awscloudfront.ErrorResponse{
			HttpStatus: jsii.Number(float64(code)),
			Ttl:        awscdk.Duration_Seconds(jsii.Number(0)),
		})
	}
	c.Distribution = awscloudfront.NewDistribution(c.Construct, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment: optional(props.Comment),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:               props.Origin,
			CachePolicy:          c.CachePolicy,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachedMethods:        awscloudfront.CachedMethods_CACHE_GET_HEAD(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			Compress:             jsii.Bool(props.Compress),
		},
		ErrorResponses: &errors,
		HttpVersion:    awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:     priceClass,
		EnableIpv6:     jsii.Bool(true),
		// The cache hit rate is one of the additional metrics: 8 metrics
		// at CloudWatch's $0.30 a metric-month, about $0.0033 an hour.
		PublishAdditionalMetrics: jsii.Bool(true),
		DomainNames:              optionalList(props.DomainNames),
		Certificate:              props.Certificate,
		WebAclId:                 optional(props.WebAclArn),
		EnableLogging:            jsii.Bool(props.LogBucket != nil),
		LogBucket:                props.LogBucket,
	})
	return c
}

// optionalList is names, or nothing when there are none.
func optionalList(names []string) *[]*string {
	if len(names) == 0 {
		return nil
	}
	return jsii.Strings(names...)
}

// URL is the address players send traffic to.
func (c *CDN) URL() *string {
	return awscdk.Fn_Join(jsii.String(""), jsii.Strings("https://", *c.Distribution.DistributionDomainName(), "/"))
}

// optional is s, or nothing when it is empty.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
