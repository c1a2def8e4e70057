// Command plan prints the update plan from one synthesized template to
// another: what CloudFormation adds, updates in place, replaces (by the
// CDK CLI's own replacement rules) and removes, in the order it runs them;
// then every moment of it at which the Endpoint reaches no target.
//
//	go run ./gates/cmd/plan out/none/UnicornRentals.template.json out/cache/UnicornRentals.template.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/gates/plan"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fromFixes := fs.String("from", "", "the fix set of the first template, to say whether the update is one step of the winners' path")
	toFixes := fs.String("to", "", "the fix set of the second template")
	steps := fs.Bool("path", false, "print the winners' path, a fix set a line, and nothing else")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *steps {
		for _, set := range path() {
			fmt.Println(set)
		}
		return nil
	}
	args = fs.Args()
	if len(args) != 2 {
		return fmt.Errorf("give two templates, from and to, such as out/none/UnicornRentals.template.json out/cache/UnicornRentals.template.json")
	}
	var tpl [2]map[string]any
	for i, path := range args {
		raw, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%w; synthesize it with make synth", err)
		}
		if err := json.Unmarshal(raw, &tpl[i]); err != nil {
			return fmt.Errorf("%s: not CloudFormation JSON: %w", path, err)
		}
	}
	rules, err := plan.LoadReplacements(plan.ReplacementDB)
	if err != nil {
		return err
	}
	p := plan.Update(tpl[0], tpl[1], rules)
	fmt.Print(p)
	gaps, err := plan.Gaps(tpl[0], tpl[1], p)
	if err != nil {
		return err
	}
	if plan.Serves(tpl[0]) || plan.Serves(tpl[1]) {
		fmt.Print(plan.GapReport(gaps))
		if len(gaps) > 0 && *fromFixes != "" && *toFixes != "" {
			fmt.Print(jump(*fromFixes, *toFixes))
		}
	}
	return nil
}

// path is the winners' path, a fix set a step: none, cache, ..., all.
func path() []string {
	var out []string
	for i := 0; i <= len(catalog.AllFixes); i++ {
		out = append(out, catalog.NewFixSet(catalog.AllFixes[:i]...).String())
	}
	return out
}

// jump says where the gaps of an update from one fix set to another come
// from when it is not one step of the path: each step keeps serving on
// its own (the checker's run over every step, in docs/solutions.md).
func jump(from, to string) string {
	name := func(v string) string {
		s, err := catalog.ParseFixSet(v)
		if err != nil {
			return v
		}
		return s.String()
	}
	steps := path()
	i, j := slices.Index(steps, name(from)), slices.Index(steps, name(to))
	switch {
	case i < 0 || j < 0:
		return fmt.Sprintf("%s to %s is no step of the winners' path (docs/solutions.md): these gaps are this update's.\n", from, to)
	case j == i+1:
		return ""
	case j < i:
		return fmt.Sprintf("%s to %s runs the path backwards: these gaps are the way back's, not the path's.\n", from, to)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "these gaps come from the jump: %s to %s runs %d steps of the winners' path as one update, which the path never does; each step on its own keeps serving (make reveal walks them):\n", from, to, j-i)
	for k := i; k < j; k++ {
		fmt.Fprintf(&b, "  make diff FROM=%s TO=%s\n", steps[k], steps[k+1])
	}
	return b.String()
}
