package test

import (
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
)

// fixSets are the sets every flaw is checked against: each fix applied
// alone to the baseline (with the fixes it requires), and each step of the
// canonical path from the baseline to the target.
func fixSets(t *testing.T) []catalog.FixSet {
	t.Helper()
	var out []catalog.FixSet
	seen := map[string]bool{}
	add := func(fixes ...catalog.Fix) {
		set := catalog.NewFixSet(fixes...)
		for _, f := range fixes {
			// Add what the fix requires: the parser names it.
			if _, err := catalog.ParseFixSet(set.String()); err != nil {
				for _, need := range catalog.AllFixes {
					if strings.Contains(err.Error(), string(f)+" requires "+string(need)) {
						set = catalog.NewFixSet(append(set.Fixes(), need)...)
					}
				}
			}
		}
		if _, err := catalog.ParseFixSet(set.String()); err != nil {
			t.Fatalf("fix set %s: %v", set, err)
		}
		if !seen[set.String()] {
			seen[set.String()] = true
			out = append(out, set)
		}
	}
	for _, f := range catalog.AllFixes {
		add(f)
	}
	for i := range catalog.AllFixes {
		add(catalog.AllFixes[:i+1]...)
	}
	return out
}

// Every flaw is in a template exactly when the catalog says it remains:
// until its fix is applied, or the part it lives on is gone.
func TestEveryFlawGoesWithItsFixAndOnlyThen(t *testing.T) {
	for _, set := range fixSets(t) {
		t.Run(set.String(), func(t *testing.T) {
			tpl := synth(t, set.String(), synthOptions{})
			for _, flaw := range catalog.Flaws {
				t.Run(string(flaw.ID), func(t *testing.T) {
					present, evidence := flawChecks[flaw.ID](t, tpl)
					if want := set.Present(flaw.ID); present != want {
						t.Errorf("%s present = %v, want %v (fixed by %s): %s", flaw.ID, present, want, flaw.FixedBy, evidence)
					}
				})
			}
		})
	}
}

func TestTargetPassesTemplateValidation(t *testing.T) {
	dir := t.TempDir()
	synth(t, "all", synthOptions{validate: true, outdir: dir})
	expectCleanValidation(t, dir)
}
