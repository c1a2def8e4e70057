package main

import (
	"strings"
	"testing"
)

func TestContextIsCheckedOnce(t *testing.T) {
	ctx := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	for want, kv := range map[string]map[string]string{
		"context image is required":                     {},
		`context port "http"`:                           {"image": "nginx", "port": "http"},
		"context domain and certificateArn go together": {"image": "nginx", "domain": "www.example.com"},
	} {
		if _, err := fromContext(ctx(kv)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want %q", kv, err, want)
		}
	}
	p, err := fromContext(ctx(map[string]string{"image": "nginx", "port": "80"}))
	if err != nil || p.Port != 80 || p.Image != "nginx" {
		t.Errorf("%+v, %v", p, err)
	}
}
