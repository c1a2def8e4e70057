package local

import (
	"fmt"
	"os"
	"strings"

	"github.com/unicorn-rentals/gameday/service/api"
)

// HAProxyConfig stands in for the Classic or Application Load Balancer:
// round robin over the services, health checked the way the stack checks
// them, and like both, no retry of a failed request on another target.
func HAProxyConfig(listen string, services []string, httpCheck bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, `global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    # The load balancers' idle timeout.
    timeout client 60s
    timeout server 60s
    timeout queue 60s
    retries 0

frontend front
    bind %s
    default_backend fleet

backend fleet
    balance roundrobin
`, listen)
	if httpCheck {
		// The deploy fix: GET /healthz every 10 s, 2 failures, 2 successes.
		fmt.Fprintf(&b, "    option httpchk GET %s\n    http-check expect status 200\n    default-server inter 10s fall 2 rise 2\n", api.HealthPath)
	} else {
		// The CTO's check: a TCP connection every 30 s, 5 failures.
		b.WriteString("    default-server inter 30s fall 5 rise 5\n")
	}
	for i, s := range services {
		fmt.Fprintf(&b, "    server s%d %s check\n", i+1, s)
	}
	return b.String()
}

// NginxConfig stands in for CloudFront with the cache fix's rules: the key
// is the path and the input parameter only, and only the input goes to the
// origin; TTLs come from the origin's Cache-Control (no proxy_cache_valid,
// so an answer without one, or marked no-store, is not kept: error caching
// minimum TTL 0); concurrent misses for one key wait for one origin
// request. X-Cache says HIT or MISS, as CloudFront's header does.
func NginxConfig(listen, origin, prefix string) string {
	user := ""
	if os.Geteuid() == 0 {
		// Started as root, nginx would run its worker as nobody, which
		// cannot read a private temporary folder.
		user = "user root;\n"
	}
	return fmt.Sprintf(`daemon off;
`+user+`worker_processes 1;
pid %[3]s/nginx.pid;
error_log %[3]s/logs/error.log warn;

events {
    worker_connections 8192;
}

http {
    access_log off;
    client_body_temp_path %[3]s/client_body;
    proxy_temp_path %[3]s/proxy;
    proxy_cache_path %[3]s/cache keys_zone=answers:10m max_size=200m inactive=1d use_temp_path=off;

    upstream origin {
        server %[2]s;
        keepalive 64;
    }

    server {
        listen %[1]s;
        location / {
            proxy_cache answers;
            proxy_cache_key "$uri?%[4]s=$arg_%[4]s";
            proxy_cache_methods GET HEAD;
            proxy_cache_lock on;
            proxy_cache_lock_timeout 30s;
            proxy_cache_lock_age 30s;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # CloudFront's origin response timeout.
            proxy_read_timeout 30s;
            proxy_pass http://origin$uri?%[4]s=$arg_%[4]s;
            add_header X-Cache $upstream_cache_status always;
        }
    }
}
`, listen, origin, prefix, api.Param)
}
