// Package cdn is the winners' first move: a CloudFront distribution that
// answers a repeated question from its cache. The cache key is the one
// query-string parameter the service reads; everything else is left out,
// so extra parameters, headers or cookies cannot split the cache. Live,
// the same distribution fronts a live application instead: nothing
// cached, every request passed on, over HTTPS only.
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
	// Live fronts an application whose answers must not be cached (a
	// page, an API with credentials): no cache policy of its own but
	// CloudFront's CachingDisabled, every method, the viewer's headers,
	// cookies and query strings passed on (but Host, which the origin's
	// name answers), and viewers on HTTPS only, since a redirect would
	// answer a request that already sent its credential in clear. Param,
	// Compress and MaxTTL are then ignored. Default false.
	Live bool
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

	// DistributionProps is an escape hatch: it is called with the props
	// the construct has filled, just before the distribution is made, and
	// may change any of them. Default none.
	DistributionProps func(*awscloudfront.DistributionProps)
}

// CDN is the distribution and its cache policy.
type CDN struct {
	constructs.Construct
	CachePolicy  awscloudfront.CachePolicy // nil when Live
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

	behavior := &awscloudfront.BehaviorOptions{
		Origin:               props.Origin,
		CachePolicy:          awscloudfront.CachePolicy_CACHING_DISABLED(),
		OriginRequestPolicy:  awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
		AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
		ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
	}
	if !props.Live {
		c.CachePolicy = newCachePolicy(c.Construct, queries, keyed, maxTTL, props.Compress)
		behavior = &awscloudfront.BehaviorOptions{
			Origin:               props.Origin,
			CachePolicy:          c.CachePolicy,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachedMethods:        awscloudfront.CachedMethods_CACHE_GET_HEAD(),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			Compress:             jsii.Bool(props.Compress),
		}
	}

	var errors []*awscloudfront.ErrorResponse
	for _, code := range UncachedErrors {
		errors = append(errors, &awscloudfront.ErrorResponse{
			HttpStatus: jsii.Number(float64(code)),
			Ttl:        awscdk.Duration_Seconds(jsii.Number(0)),
		})
	}
	distribution := &awscloudfront.DistributionProps{
		Comment:         optional(props.Comment),
		DefaultBehavior: behavior,
		ErrorResponses:  &errors,
		HttpVersion:     awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:      priceClass,
		EnableIpv6:      jsii.Bool(true),
		// The cache hit rate is one of the additional metrics: 8 metrics
		// at CloudWatch's $0.30 a metric-month, about $0.0033 an hour.
		// Live, there is no hit rate to watch.
		PublishAdditionalMetrics: jsii.Bool(!props.Live),
		DomainNames:              optionalList(props.DomainNames),
		Certificate:              props.Certificate,
		WebAclId:                 optional(props.WebAclArn),
		EnableLogging:            jsii.Bool(props.LogBucket != nil),
		LogBucket:                props.LogBucket,
	}
	if props.DistributionProps != nil {
		props.DistributionProps(distribution)
	}
	c.Distribution = awscloudfront.NewDistribution(c.Construct, jsii.String("Distribution"), distribution)
	return c
}

// newCachePolicy keys the cache on queries alone and lets the origin's
// Cache-Control decide the TTL.
func newCachePolicy(scope constructs.Construct, queries awscloudfront.CacheQueryStringBehavior, keyed string, maxTTL time.Duration, compress bool) awscloudfront.CachePolicy {
	return awscloudfront.NewCachePolicy(scope, jsii.String("CachePolicy"), &awscloudfront.CachePolicyProps{
		Comment:             jsii.String("Key on " + keyed + "; the origin's Cache-Control decides the TTL"),
		QueryStringBehavior: queries,
		HeaderBehavior:      awscloudfront.CacheHeaderBehavior_None(),
		CookieBehavior:      awscloudfront.CacheCookieBehavior_None(),
		// MinTTL 0 lets no-store mean no-store; DefaultTTL 0 caches nothing
		// the origin did not mark cacheable; MaxTTL admits a year's max-age.
		MinTtl:                     awscdk.Duration_Seconds(jsii.Number(0)),
		DefaultTtl:                 awscdk.Duration_Seconds(jsii.Number(0)),
		MaxTtl:                     awscdk.Duration_Seconds(jsii.Number(maxTTL.Seconds())),
		EnableAcceptEncodingGzip:   jsii.Bool(compress),
		EnableAcceptEncodingBrotli: jsii.Bool(compress),
	})
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
