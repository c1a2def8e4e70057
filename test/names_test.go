package test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
)

// The console gives no flaw away: no word of catalog.GiveawayWords in the
// baseline's logical IDs, tag values, descriptions or outputs, as
// players read them in CloudFormation's and EC2's consoles.
func TestTheBaselineNamesGiveNoFlawAway(t *testing.T) {
	tpl := synth(t, "none", synthOptions{})
	words := regexp.MustCompile(`(?i)(` + strings.Join(catalog.GiveawayWords, "|") + `)`)
	var found []string
	check := func(where, text string) {
		if m := words.FindString(text); m != "" {
			found = append(found, fmt.Sprintf("%s %q (%s)", where, text, strings.ToLower(m)))
		}
	}
	for id, r := range tpl.resources {
		check("logical ID", id)
		props, _ := r["Properties"].(map[string]any)
		for key, v := range props {
			if strings.Contains(key, "Description") || key == "Comment" {
				check(id+"."+key, text(v))
			}
		}
		for _, tag := range tagsOf(resource{id, r}) {
			check(id+" tag", tag)
		}
	}
	for name, o := range tpl.raw["Outputs"].(map[string]any) {
		check("output", name)
		raw, _ := json.Marshal(o.(map[string]any)["Description"])
		check(name+" description", string(raw))
	}
	check("the stack's description", text(tpl.raw["Description"]))
	slices.Sort(found)
	for _, f := range found {
		t.Error(f)
	}
	// The check finds what it looks for: the names the baseline once had.
	for _, old := range []string{"WasteIdleAddressB4281815", "UnicornRentals/Waste/ForgottenInstance", "The alarm chaos experiments stop on"} {
		if words.FindString(old) == "" {
			t.Errorf("the list misses %q", old)
		}
	}
}
