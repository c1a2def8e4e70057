// Package test holds the whole-app tests: every fix set synthesized, the
// flaw catalog checked against the templates, and the app run as the CDK
// CLI runs it. One package, so one jsii process serves them all.
package test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/cfn"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/gates"
	"github.com/unicorn-rentals/gameday/stacks"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

// synthOptions say how much of a real synth to do.
type synthOptions struct {
	bundle   bool // build the service binary (otherwise only its source hash)
	validate bool // the CDK's own template validation
	outdir   string
	// configure changes the default config before the stack is built.
	configure func(*config.Config)
	// nag runs cdk-nag's AwsSolutions pack, with the project's
	// suppressions; its findings land in template.nag.
	nag bool
	// now is the synth time the chaos schedule starts from.
	now time.Time
}

// synthesized keeps the templates of plain synths (no bundling, no
// validation, default config) by fix set: many tests read the same one.
var synthesized = map[string]appTemplates{}

// appTemplates are the templates of the app's stacks; facilitator only
// when the config has a board.
type appTemplates struct{ game, chaos, facilitator *template }

// template is a synthesized CloudFormation template, read as JSON.
type template struct {
	raw       map[string]any
	resources map[string]map[string]any
	nag       []gates.Finding
	// suppressed are the project's nag suppressions that found their resource.
	suppressed []gates.Suppression
}

// synth builds the app for a fix set with stacks.NewApp, as main.go does,
// and returns the game stack's template.
func synth(t *testing.T, fixes string, opt synthOptions) *template {
	t.Helper()
	return synthApp(t, fixes, opt).game
}

// synthChaos returns the chaos stack's template of the same app.
func synthChaos(t *testing.T, fixes string, configure func(*config.Config), nag bool) *template {
	t.Helper()
	return synthApp(t, fixes, synthOptions{configure: configure, nag: nag}).chaos
}

func synthApp(t *testing.T, fixes string, opt synthOptions) appTemplates {
	t.Helper()
	plain := !opt.bundle && !opt.validate && opt.outdir == "" && opt.configure == nil && !opt.nag && opt.now.IsZero()
	if tpl, ok := synthesized[fixes]; ok && plain {
		return tpl
	}
	context := cdktest.ProjectContext()
	// Each resource's construct path, as the CLI writes it: the docs name
	// resources by it, as cdk diff does.
	context["aws:cdk:enable-path-metadata"] = true
	if opt.nag {
		context = gates.NagContext(context)
	}
	if !opt.bundle {
		context["aws:cdk:bundling-stacks"] = []string{}
	}
	props := &awscdk.AppProps{Context: &context, BuiltinCloudFormationValidation: jsii.Bool(opt.validate)}
	if opt.outdir != "" {
		props.Outdir = jsii.String(opt.outdir)
	}
	app := awscdk.NewApp(props)
	cfg := config.Default()
	set, err := catalog.ParseFixSet(fixes)
	if err != nil {
		t.Fatalf("fixes %q: %v", fixes, err)
	}
	cfg.Fixes = set
	if opt.configure != nil {
		opt.configure(&cfg)
	}
	built := stacks.NewApp(app, stacks.AppProps{Config: cfg, ServiceDir: "../service", RootDir: "..", Now: opt.now})
	stacks := []awscdk.Stack{built.Game.Stack, built.Chaos.Stack}
	if built.Facilitator != nil {
		stacks = append(stacks, built.Facilitator.Stack)
	}
	suppressed := make([][]gates.Suppression, len(stacks))
	if opt.nag {
		for i, s := range stacks {
			suppressed[i] = gates.ApplyNag(s, gates.NagSuppressions)
		}
	}
	assembly := app.Synth(nil)
	var out []*template
	for i, s := range stacks {
		raw, ok := assembly.GetStackArtifact(s.ArtifactId()).Template().(map[string]any)
		if !ok {
			t.Fatalf("%s: template is not a JSON object", *s.StackName())
		}
		tpl := newTemplate(t, raw)
		if opt.nag {
			if tpl.nag, err = gates.NagFindings(*assembly.Directory(), *s.ArtifactId()); err != nil {
				t.Fatal(err)
			}
			tpl.suppressed = suppressed[i]
		}
		out = append(out, tpl)
	}
	both := appTemplates{game: out[0], chaos: out[1]}
	if len(out) > 2 {
		both.facilitator = out[2]
	}
	if plain {
		synthesized[fixes] = both
	}
	return both
}

func newTemplate(t *testing.T, raw map[string]any) *template {
	t.Helper()
	return &template{raw: raw, resources: cfn.Resources(raw)}
}

// ofType returns the logical IDs and bodies of every resource of a type,
// sorted by logical ID.
func (tpl *template) ofType(typ string) []resource {
	var out []resource
	for id, r := range tpl.resources {
		if r["Type"] == typ {
			out = append(out, resource{id, r})
		}
	}
	slices.SortFunc(out, func(a, b resource) int { return strings.Compare(a.id, b.id) })
	return out
}

// one returns the single resource of a type, failing if there is not one.
func (tpl *template) one(t *testing.T, typ string) resource {
	t.Helper()
	all := tpl.ofType(typ)
	if len(all) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(all), typ)
	}
	return all[0]
}

type resource struct {
	id   string
	body map[string]any
}

// prop walks a path of keys and indexes under Properties.
func (r resource) prop(path ...any) any {
	var cur any = r.body["Properties"]
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			cur = l[k]
		}
	}
	return cur
}

// refs lists the logical IDs referenced anywhere in v, as the update plan
// reads them.
func refs(v any) []string { return cfn.References(v) }

// referenced reports whether any resource other than id itself refers to id.
func (tpl *template) referenced(id string) bool {
	for other, r := range tpl.resources {
		if other != id && slices.Contains(refs(r), id) {
			return true
		}
	}
	return false
}

// text renders v (for example user data) as one string, tokens included.
func text(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// prefix parses a subnet's CIDR block.
func prefix(t *testing.T, r resource) netip.Prefix {
	t.Helper()
	p, err := netip.ParsePrefix(fmt.Sprint(r.prop("CidrBlock")))
	if err != nil {
		t.Fatalf("subnet %s: %v", r.id, err)
	}
	return p
}

// file writes the template to dir as name.template.json, for the tools
// that read files, and returns its path.
func (tpl *template) file(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name+".template.json")
	raw, _ := json.Marshal(tpl.raw)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// controlTower runs the Control Tower controls over a template.
func controlTower(t *testing.T, tpl *template) []gates.Failure {
	t.Helper()
	path := tpl.file(t, t.TempDir(), "template")
	failures, _, err := gates.Guard("..", path)
	if err != nil {
		t.Fatal(err)
	}
	return failures
}

func TestMain(m *testing.M) { cdktest.Main(m) }

// noNagErrors fails on any unsuppressed cdk-nag error in a stack synthesized
// with nag, and on any of the stack's own suppressions that found nothing.
func noNagErrors(t *testing.T, tpl *template, stack string, owned func(gates.Suppression) bool) {
	t.Helper()
	for _, f := range tpl.nag {
		if f.Level == "error" {
			t.Errorf("%s on %s: %s", f.Rule, f.Path, f.Message)
		}
	}
	for _, s := range gates.NagSuppressions {
		if owned(s) && !slices.Contains(tpl.suppressed, s) {
			t.Errorf("suppression of %s on %s matches nothing in %s", s.Rule, s.Path, stack)
		}
	}
}

// dependsOn lists the logical IDs of a resource's DependsOn.
func (r resource) dependsOn() []string {
	var out []string
	switch d := r.body["DependsOn"].(type) {
	case string:
		out = append(out, d)
	case []any:
		for _, x := range d {
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}
