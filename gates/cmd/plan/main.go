// Command plan prints the update plan from one synthesized template to
// another: what CloudFormation adds, updates in place, replaces (by the
// CDK CLI's own replacement rules) and removes, in the order it runs them;
// then every moment of it at which the Endpoint reaches no target.
//
//	go run ./gates/cmd/plan out/none/UnicornRentals.template.json out/cache/UnicornRentals.template.json
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/unicorn-rentals/gameday/gates/plan"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "plan:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
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
	}
	return nil
}
