// Package local runs a fix set's data path on one machine, from real
// parts on loopback: hash service processes for the fleet or the tasks,
// HAProxy for the load balancer, and with the cache fix nginx for
// CloudFront. Counts, settings and rules come from the same config.Config
// the CDK stack is built from.
package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/service/api"
)

// Tools are the programs a local game needs, from Debian's packages.
var Tools = map[string]string{"haproxy": "haproxy", "nginx": "nginx-light"}

// Missing lists the tools that are not installed, with their packages.
func Missing() []string {
	var out []string
	for tool, pkg := range Tools {
		if toolPath(tool) == "" {
			out = append(out, fmt.Sprintf("%s (Debian package %s)", tool, pkg))
		}
	}
	return out
}

// toolPath finds a tool on PATH or in /usr/sbin, where Debian puts these
// and where a non-root PATH may not look.
func toolPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := filepath.Join("/usr/sbin", name); fileExists(p) {
		return p
	}
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// Options say where the parts come from.
type Options struct {
	// ServiceBinary is the hash service built for this machine. Required.
	ServiceBinary string
	// Dir holds the configurations, logs and cache. Required.
	Dir string
}

// Topology is a running data path.
type Topology struct {
	Fixes     catalog.FixSet
	Front     *url.URL   // where the game sends traffic
	Services  []*Process // the fleet or the tasks
	Balancer  *Process
	Cache     *Process // nil without the cache fix
	HTTPCheck bool     // the balancer checks GET /healthz, not a TCP connection
	// Key is the answer key every service process answers with, made
	// for this topology as a game stack's secret is for its stack.
	Key []byte
}

// Process is one running part.
type Process struct {
	Name   string
	Addr   string
	cmd    *exec.Cmd
	exited chan error
}

// Kill stops a process at once, as a crash or a terminated instance would.
func (p *Process) Kill() error {
	if p.cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
}

// Count is how many service processes stand for a fix set: the fixed size
// while nothing scales, the maximum once autoscale is in (nothing scales
// here, so the local game shows what the autoscaler may reach).
func Count(cfg config.Config) int {
	if cfg.Fixes.Has(catalog.FixAutoscale) {
		return cfg.MaxCapacity
	}
	return cfg.FleetSize
}

// Start brings the data path up and returns when every part accepts
// connections. Stop it with Stop, whatever happens.
func Start(ctx context.Context, cfg config.Config, opt Options) (*Topology, error) {
	if missing := Missing(); len(missing) > 0 {
		return nil, fmt.Errorf("the local game needs %s: run make local-tools (apt-get install)", strings.Join(missing, " and "))
	}
	if opt.ServiceBinary == "" || opt.Dir == "" {
		return nil, errors.New("local: ServiceBinary and Dir are required")
	}
	t := &Topology{Fixes: cfg.Fixes, HTTPCheck: !cfg.Fixes.Present(catalog.FlawTCPHealthCheck) || cfg.Fixes.TrafficOnALB()}
	started := func(p *Process, err error) error {
		if err != nil {
			t.Stop()
		}
		return err
	}
	raw := make([]byte, api.MinKeyBytes)
	rand.Read(raw)
	t.Key = []byte(hex.EncodeToString(raw))
	env := cfg.Service.Env()
	env["ANSWER_KEY"] = string(t.Key)
	for i := range Count(cfg) {
		addr, err := freeAddr()
		if err != nil {
			return nil, started(nil, err)
		}
		vars := []string{}
		for k, v := range env {
			if k != "ADDR" {
				vars = append(vars, k+"="+v)
			}
		}
		p, err := t.run(ctx, opt, fmt.Sprintf("service-%d", i+1), addr, append(vars, "ADDR="+addr), opt.ServiceBinary)
		if err != nil {
			return nil, started(nil, err)
		}
		t.Services = append(t.Services, p)
	}
	lbAddr, err := freeAddr()
	if err != nil {
		return nil, started(nil, err)
	}
	conf := filepath.Join(opt.Dir, "haproxy.cfg")
	if err := os.WriteFile(conf, []byte(HAProxyConfig(lbAddr, t.serviceAddrs(), t.HTTPCheck)), 0o644); err != nil {
		return nil, started(nil, err)
	}
	if t.Balancer, err = t.run(ctx, opt, "haproxy", lbAddr, nil, toolPath("haproxy"), "-db", "-f", conf); err != nil {
		return nil, started(nil, err)
	}
	front := lbAddr
	if cfg.Fixes.Has(catalog.FixCache) {
		cacheAddr, err := freeAddr()
		if err != nil {
			return nil, started(nil, err)
		}
		if err := os.MkdirAll(filepath.Join(opt.Dir, "nginx", "logs"), 0o755); err != nil {
			return nil, started(nil, err)
		}
		conf := filepath.Join(opt.Dir, "nginx", "nginx.conf")
		if err := os.WriteFile(conf, []byte(NginxConfig(cacheAddr, lbAddr, filepath.Join(opt.Dir, "nginx"))), 0o644); err != nil {
			return nil, started(nil, err)
		}
		if t.Cache, err = t.run(ctx, opt, "nginx", cacheAddr, nil, toolPath("nginx"), "-p", filepath.Join(opt.Dir, "nginx"), "-c", conf); err != nil {
			return nil, started(nil, err)
		}
		front = cacheAddr
	}
	t.Front = &url.URL{Scheme: "http", Host: front, Path: "/"}
	return t, nil
}

func (t *Topology) serviceAddrs() []string {
	var out []string
	for _, p := range t.Services {
		out = append(out, p.Addr)
	}
	return out
}

// run starts one part in its own process group and waits until its
// address accepts connections.
func (t *Topology) run(ctx context.Context, opt Options, name, addr string, env []string, bin string, args ...string) (*Process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	logf, err := os.Create(filepath.Join(opt.Dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	exited := make(chan error, 1)
	p := &Process{Name: name, Addr: addr, cmd: cmd, exited: exited}
	go func() { exited <- cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return p, nil
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("%s exited at start (%v): %s", name, err, strings.TrimSpace(string(log)))
		case <-ctx.Done():
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			return nil, fmt.Errorf("%s did not listen on %s within 10 s", name, addr)
		}
	}
}

// PIDs are the parts' process IDs.
func (t *Topology) PIDs() []int {
	var out []int
	for _, p := range append([]*Process{t.Cache, t.Balancer}, t.Services...) {
		if p != nil && p.cmd.Process != nil {
			out = append(out, p.cmd.Process.Pid)
		}
	}
	return out
}

// Stop ends every part and waits for it: nothing is left running.
func (t *Topology) Stop() {
	all := append([]*Process{t.Cache, t.Balancer}, t.Services...)
	for _, p := range all {
		if p != nil && p.cmd.Process != nil {
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		}
	}
	for _, p := range all {
		if p == nil {
			continue
		}
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
	}
}

// freeAddr finds a free loopback port.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}
