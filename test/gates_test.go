package test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/gates"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

// controlTower runs the Control Tower rules over a template.
func TestTargetHasNoUnsuppressedNagError(t *testing.T) {
	// With the facilitator's bill-reading role, as deployed for a day.
	tpl := synth(t, "all", synthOptions{nag: true, configure: func(c *config.Config) {
		c.FacilitatorAccount, c.ExternalID = "123456789012", "team-07-0123456789abcdef"
	}})
	for _, f := range tpl.nag {
		if f.Level == "error" {
			t.Errorf("%s on %s: %s", f.Rule, f.Path, f.Message)
		}
	}
	// A suppression whose resource is gone from the target is stale.
	for _, s := range gates.NagSuppressions {
		if !s.Chaos && !s.Facilitator && !slices.Contains(tpl.suppressed, s) {
			t.Errorf("suppression of %s names %s, which the target does not have", s.Rule, s.Path)
		}
		if len(strings.Fields(s.Reason)) < 8 {
			t.Errorf("suppression of %s on %s: give a specific reason", s.Rule, s.Path)
		}
	}
}

func TestTargetPassesControlTowerButItsExceptions(t *testing.T) {
	exceptions, err := gates.Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	failures := controlTower(t, synth(t, "all", synthOptions{}))
	for _, f := range gates.Unexcepted(failures, exceptions, false) {
		t.Errorf("new Control Tower failure %s (%s) on %v: fix it, or add an exception with its reason to gates/control-tower-exceptions.json", f.Control, f.Rule, f.Resources)
	}
	for _, e := range exceptions {
		if !e.Steps && !e.Facilitator && !slices.ContainsFunc(failures, func(f gates.Failure) bool { return f.Control == e.Control }) {
			t.Errorf("exception for %s, which the target passes: remove it", e.Control)
		}
	}
}

// Every fix set is checked too: a step may fail what the baseline fails
// and what the exceptions accept, nothing else.
func TestNoStepFailsAnUnlistedControl(t *testing.T) {
	exceptions, err := gates.Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range controlTower(t, synth(t, "none", synthOptions{})) {
		exceptions = append(exceptions, gates.Exception{Control: f.Control, Reason: "the baseline fails it"})
	}
	used := map[string]bool{}
	// Synthesize in turn (one jsii runtime), then run cfn-guard, a process
	// per template, side by side.
	sets := fixSets(t)
	paths := make([]string, len(sets))
	for i, set := range sets {
		paths[i] = synth(t, set.String(), synthOptions{}).file(t, t.TempDir(), "template")
	}
	results := make([][]gates.Failure, len(sets))
	errs := make([]error, len(sets))
	var wg sync.WaitGroup
	slots := make(chan struct{}, 4)
	for i := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i], _, errs[i] = gates.Guard("..", paths[i])
		}()
	}
	wg.Wait()
	for i, set := range sets {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		failures := results[i]
		for _, f := range failures {
			used[f.Control] = true
		}
		for _, f := range gates.Unexcepted(failures, exceptions, true) {
			t.Errorf("fixes=%s fails %s (%s) on %v: fix it, or add an exception with its reason", set, f.Control, f.Rule, f.Resources)
		}
	}
	for _, e := range exceptions {
		if e.Steps && !used[e.Control] {
			t.Errorf("steps-only exception for %s, which no step fails: remove it", e.Control)
		}
	}
}

// The baseline's findings are pinned by docs/security-review.md: a change
// to the CTO's weaknesses is a decision, made with make docs.
func TestSecurityReviewMatchesTheBaseline(t *testing.T) {
	const path = "../docs/security-review.md"
	exceptions, err := gates.Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	base := synth(t, "none", synthOptions{nag: true})
	want := gates.ReviewMarkdown(base.nag, controlTower(t, synth(t, "none", synthOptions{})), exceptions)
	testkit.Golden(t, path, want, "the findings on the baseline")
	if errs, _ := gates.Count(base.nag); errs == 0 {
		t.Error("the baseline has no cdk-nag error: its flaws are gone")
	}
	// The flaws the catalog calls security flaws are what a review finds.
	for rule, path := range map[string]string{"AwsSolutions-EC23": "Fleet/SecurityGroup/Resource", "AwsSolutions-EC26": "Ops/DataVolume/Resource"} {
		if !slices.ContainsFunc(base.nag, func(f gates.Finding) bool { return f.Rule == rule && strings.HasSuffix(f.Path, "/"+path) }) {
			t.Errorf("cdk-nag does not report %s on %s, a deliberate flaw", rule, path)
		}
	}
}

// cfn-lint, with AWS's resource schemas, finds nothing in any template of
// any fix set but what the committed ignore list accepts, and every entry
// of the list is still needed.
func TestEveryTemplatePassesCfnLint(t *testing.T) {
	exceptions, err := gates.LintExceptions()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var paths []string
	write := func(name string, tpl *template) { paths = append(paths, tpl.file(t, dir, name)) }
	for _, set := range append(fixSets(t), catalog.FixSet{}) {
		write(set.Dir(), synth(t, set.String(), synthOptions{}))
	}
	write("chaos", synthChaos(t, "none", nil, false))
	findings, err := gates.CfnLint(paths...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range gates.UnexpectedLint(findings, exceptions) {
		t.Errorf("%s: %s %s on %s (%s) %s: %s", strings.TrimPrefix(f.File, dir+"/"), f.Level, f.Rule, f.Resource, f.Type, f.Property, f.Message)
	}
	for _, e := range exceptions {
		if !slices.ContainsFunc(findings, func(f gates.LintFinding) bool {
			return f.Rule == e.Rule && f.Type == e.Type && f.Property == e.Property
		}) {
			t.Errorf("the ignore list accepts %s on %s %s, which no template has any more: remove it", e.Rule, e.Type, e.Property)
		}
	}
}

// Each threat of the security review names tests that exist, so the
// review's "its test" column cannot point at nothing.
func TestEveryThreatNamesTestsThatExist(t *testing.T) {
	defined := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && d.Name() != "..") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range regexp.MustCompile(`(?m)^func (Test\w+)\(`).FindAllSubmatch(raw, -1) {
			defined[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !defined["TestEveryThreatNamesTestsThatExist"] {
		t.Fatal("the walk found not even this test")
	}
	for _, threat := range gates.FacilitatorThreats {
		if len(threat.Tests) == 0 {
			t.Errorf("%q names no test", threat.Threat)
		}
		for _, name := range threat.Tests {
			if !defined[name] {
				t.Errorf("%q names %s, which no test file defines", threat.Threat, name)
			}
		}
	}
}
