package test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/service/api"
)

func TestCacheFix(t *testing.T) {
	tpl := synth(t, "cache", synthOptions{})
	policy := tpl.one(t, "AWS::CloudFront::CachePolicy")
	dist := tpl.one(t, "AWS::CloudFront::Distribution")
	cfg := func(path ...any) any { return dist.prop(append([]any{"DistributionConfig"}, path...)...) }

	t.Run("the cache key is the input parameter and nothing else", func(t *testing.T) {
		key := policy.prop("CachePolicyConfig", "ParametersInCacheKeyAndForwardedToOrigin")
		want := fmt.Sprintf(`{"CookiesConfig":{"CookieBehavior":"none"},"EnableAcceptEncodingBrotli":false,"EnableAcceptEncodingGzip":false,"HeadersConfig":{"HeaderBehavior":"none"},"QueryStringsConfig":{"QueryStringBehavior":"whitelist","QueryStrings":[%q]}}`, api.Param)
		if text(key) != want {
			t.Errorf("cache key %s\nwant %s", text(key), want)
		}
		if cfg("DefaultCacheBehavior", "OriginRequestPolicyId") != nil {
			t.Error("an origin request policy would forward more than the key")
		}
	})

	t.Run("TTLs follow the service's Cache-Control", func(t *testing.T) {
		c := policy.prop("CachePolicyConfig").(map[string]any)
		if c["MinTTL"] != float64(0) || c["DefaultTTL"] != float64(0) {
			t.Errorf("MinTTL %v DefaultTTL %v: both must be 0 so no-store and unmarked answers are not cached", c["MinTTL"], c["DefaultTTL"])
		}
		if maxTTL, _ := c["MaxTTL"].(float64); maxTTL < maxAge(t) {
			t.Errorf("MaxTTL %v caps the service's max-age %v", c["MaxTTL"], maxAge(t))
		}
	})

	t.Run("5xx errors are not cached", func(t *testing.T) {
		var cached []string
		seen := map[float64]bool{}
		for _, r := range cfg("CustomErrorResponses").([]any) {
			e := r.(map[string]any)
			seen[e["ErrorCode"].(float64)] = true
			if e["ErrorCachingMinTTL"] != float64(0) {
				cached = append(cached, text(e))
			}
		}
		for _, code := range []float64{500, 502, 503, 504} {
			if !seen[code] {
				cached = append(cached, fmt.Sprintf("%v (CloudFront's default: 10 s)", code))
			}
		}
		if len(cached) > 0 {
			t.Errorf("errors cached: %v", cached)
		}
	})

	t.Run("cheapest price class, HTTP/2 and HTTP/3, HTTPS for viewers", func(t *testing.T) {
		for path, want := range map[string]any{
			"PriceClass": "PriceClass_100", "HttpVersion": "http2and3",
			"DefaultCacheBehavior.ViewerProtocolPolicy": "redirect-to-https",
			"DefaultCacheBehavior.AllowedMethods":       []any{"GET", "HEAD"},
		} {
			var keys []any
			for _, k := range strings.Split(path, ".") {
				keys = append(keys, k)
			}
			if got := cfg(keys...); text(got) != text(want) {
				t.Errorf("%s = %s, want %s", path, text(got), text(want))
			}
		}
	})

	t.Run("misses go to the Classic Load Balancer over HTTP", func(t *testing.T) {
		origin := cfg("Origins", 0)
		clb := tpl.one(t, "AWS::ElasticLoadBalancing::LoadBalancer")
		if !slices.Contains(refs(origin), clb.id) || dist.prop("DistributionConfig", "Origins", 0, "CustomOriginConfig", "OriginProtocolPolicy") != "http-only" {
			t.Errorf("origin %s", text(origin))
		}
		// A request may queue maxWait, then work: CloudFront must wait that long.
		timeout, _ := dist.prop("DistributionConfig", "Origins", 0, "CustomOriginConfig", "OriginReadTimeout").(float64)
		if need := api.MinDrainTimeout(api.DefaultWork, api.DefaultMaxWait).Seconds(); timeout < need {
			t.Errorf("origin read timeout %v s, below the %v s a request may take", timeout, need)
		}
	})

	t.Run("the Endpoint is the CloudFront URL", func(t *testing.T) {
		if got := endpoint(t, tpl); !strings.Contains(got, `"https://",{"Fn::GetAtt":["`+dist.id+`","DomainName"]}`) {
			t.Errorf("Endpoint %s", got)
		}
	})
}

// maxAge is the max-age the service sends with every answer.
func maxAge(t *testing.T) float64 {
	m := regexp.MustCompile(`max-age=(\d+)`).FindStringSubmatch(api.CacheControlOK)
	if m == nil {
		t.Fatalf("no max-age in %q", api.CacheControlOK)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	return n
}
