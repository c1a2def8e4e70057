// Package plan derives CloudFormation's update plan from two templates:
// what it adds, updates in place, replaces and removes, and in what order,
// with the CDK CLI's own replacement rules. Plain Go: it reads templates
// as JSON and the CLI's database from node_modules.
package plan

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/unicorn-rentals/gameday/cfn"
)

// ReplacementDB is where the CDK CLI keeps, per resource type and
// property, whether changing it replaces the resource: the database
// `cdk diff` itself reads, installed from package-lock.json.
const ReplacementDB = "node_modules/aws-cdk/db.json.gz"

// Replacements says, per resource type and top-level property, whether a
// change replaces the resource: "yes" or "maybe".
type Replacements map[string]map[string]string

// LoadReplacements reads the CLI's database.
func LoadReplacements(path string) (Replacements, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (make tools installs the CDK CLI)", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var db struct {
		Schema struct {
			Resource struct {
				Entities []struct {
					CloudFormationType string                                        `json:"cloudFormationType"`
					Properties         map[string]struct{ CausesReplacement string } `json:"properties"`
				} `json:"entities"`
			} `json:"resource"`
		} `json:"schema"`
	}
	if err := json.NewDecoder(gz).Decode(&db); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := Replacements{}
	for _, e := range db.Schema.Resource.Entities {
		for name, p := range e.Properties {
			if p.CausesReplacement == "yes" || p.CausesReplacement == "maybe" {
				if out[e.CloudFormationType] == nil {
					out[e.CloudFormationType] = map[string]string{}
				}
				out[e.CloudFormationType][name] = p.CausesReplacement
			}
		}
	}
	if len(out) < 100 {
		return nil, fmt.Errorf("%s: replacement rules for %d types only: not the CDK CLI's database", path, len(out))
	}
	return out, nil
}

// Action is what an update does to one resource.
type Action string

const (
	Add        Action = "add"
	Modify     Action = "modify"      // in place
	Replace    Action = "replace"     // a new one created, the old deleted in cleanup
	MayReplace Action = "may replace" // a "maybe" property changed, in a way no rule here settles
	Remove     Action = "remove"
)

// Change is one resource in an update plan.
type Change struct {
	ID         string
	Type       string
	Action     Action
	Properties []string // the top-level properties that changed
	// Values are the changed leaves, "path: old -> new", every value
	// shown (false and 0 too, which the CDK CLI's diff leaves out).
	Values []string
}

// maxValues is how many changed leaves a change lists.
const maxValues = 8

// leafChanges appends the leaves where a and b differ, below path.
func leafChanges(path string, a, b any, out *[]string) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			leafChanges(strings.TrimPrefix(path+"."+k, "."), am[k], bm[k], out)
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			leafChanges(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i], out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		x, y := shown(a), shown(b)
		// Long values are shown around where they first differ.
		if len(x) > maxShown || len(y) > maxShown {
			at := 0
			for at < len(x) && at < len(y) && x[at] == y[at] {
				at++
			}
			x, y = around(x, at), around(y, at)
		}
		*out = append(*out, fmt.Sprintf("%s: %s -> %s", path, x, y))
	}
}

// maxShown is the longest value a change shows whole.
const maxShown = 60

// shown is a value as JSON.
func shown(v any) string {
	if v == nil {
		return "(none)"
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// around is s cut to a window that starts a little before at.
func around(s string, at int) string {
	from := max(0, at-20)
	to := min(len(s), from+maxShown-6)
	out := s[from:to]
	if from > 0 {
		out = "..." + out
	}
	if to < len(s) {
		out += "..."
	}
	return out
}

// Plan is an update as CloudFormation runs it: Update in the order it
// creates, replaces and updates resources (dependencies first), then
// Cleanup, the removed resources and the old copies of replaced ones,
// dependents first.
type Plan struct {
	Update, Cleanup []Change
}

// Update derives the plan of updating a stack from template before to
// template after (CloudFormation JSON, decoded).
func Update(before, after map[string]any, rules Replacements) Plan {
	old, now := resourcesOf(before), resourcesOf(after)
	var plan Plan
	changed := map[string]Change{}
	for id, r := range now {
		typ, _ := r["Type"].(string)
		o, existed := old[id]
		switch {
		case !existed:
			changed[id] = Change{ID: id, Type: typ, Action: Add}
		case o["Type"] != r["Type"]:
			changed[id] = Change{ID: id, Type: typ, Action: Replace, Properties: []string{"Type"}}
		case !reflect.DeepEqual(o, r):
			c := Change{ID: id, Type: typ, Action: Modify, Properties: changedProperties(o, r)}
			leafChanges("", o["Properties"], r["Properties"], &c.Values)
			for _, p := range c.Properties {
				switch rules.replaces(typ, p, o, r) {
				case "yes":
					c.Action = Replace
				case "maybe":
					if c.Action == Modify {
						c.Action = MayReplace
					}
				}
			}
			changed[id] = c
		}
	}
	// A replaced resource has a new physical ID: whatever refers to it is
	// updated to the new one.
	for id, r := range now {
		if _, ok := changed[id]; ok {
			continue
		}
		for _, d := range dependencies(r) {
			if changed[d].Action == Replace {
				typ, _ := r["Type"].(string)
				changed[id] = Change{ID: id, Type: typ, Action: Modify, Properties: []string{"refers to the new " + d}}
				break
			}
		}
	}
	for _, id := range order(now, slices.Sorted(maps.Keys(changed))) {
		plan.Update = append(plan.Update, changed[id])
	}
	var gone []string
	for id := range old {
		if _, ok := now[id]; !ok || changed[id].Action == Replace {
			gone = append(gone, id)
		}
	}
	cleanup := order(old, gone)
	slices.Reverse(cleanup)
	for _, id := range cleanup {
		typ, _ := old[id]["Type"].(string)
		action := Remove
		if c, ok := changed[id]; ok {
			action, typ = c.Action, c.Type
		}
		plan.Cleanup = append(plan.Cleanup, Change{ID: id, Type: typ, Action: action})
	}
	return plan
}

// replaces applies the rule for one changed property. The Classic Load
// Balancer's HealthCheck is "maybe": AWS's resource reference says a
// change replaces it only when the check is added or removed, not when one
// is changed (AWS::ElasticLoadBalancing::LoadBalancer, HealthCheck:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticloadbalancing-loadbalancer.html).
func (r Replacements) replaces(typ, prop string, before, after map[string]any) string {
	rule := r[typ][prop]
	if typ == "AWS::ElasticLoadBalancing::LoadBalancer" && prop == "HealthCheck" {
		_, had := cfn.Properties(before)[prop]
		_, has := cfn.Properties(after)[prop]
		if had && has {
			return ""
		}
		return "yes"
	}
	return rule
}

func changedProperties(before, after map[string]any) []string {
	b, a := cfn.Properties(before), cfn.Properties(after)
	var out []string
	for k := range a {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	for _, k := range []string{"DependsOn", "UpdatePolicy", "CreationPolicy", "DeletionPolicy", "UpdateReplacePolicy"} {
		if !reflect.DeepEqual(before[k], after[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// resourcesOf is a template's resources, less the CDK's version report
// (AWS::CDK::Metadata), which is no part of the game's infrastructure.
func resourcesOf(tpl map[string]any) map[string]map[string]any {
	out := cfn.Resources(tpl)
	for id, r := range out {
		if cfn.Type(r) == "AWS::CDK::Metadata" {
			delete(out, id)
		}
	}
	return out
}

// order sorts ids so that each comes after the resources of the template
// it depends on (Ref, Fn::GetAtt, Fn::Sub references, DependsOn), ties by
// logical ID: the order CloudFormation's dependency graph allows.
func order(resources map[string]map[string]any, ids []string) []string {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	seen := map[string]bool{}
	var out []string
	var visit func(id string)
	visit = func(id string) {
		if seen[id] {
			return
		}
		seen[id] = true
		deps := dependencies(resources[id])
		sort.Strings(deps)
		for _, d := range deps {
			if _, ok := resources[d]; ok {
				visit(d)
			}
		}
		if want[id] {
			out = append(out, id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		visit(id)
	}
	return out
}

// dependencies lists the logical IDs a resource refers to.
func dependencies(r map[string]any) []string {
	return append(cfn.DependsOn(r), cfn.References(r["Properties"])...)
}

// String renders the plan, a line a change, in CloudFormation's order.
func (p Plan) String() string {
	var b strings.Builder
	line := func(c Change) {
		fmt.Fprintf(&b, "  %-11s %-45s %s", c.Action, c.Type, c.ID)
		if len(c.Properties) > 0 && c.Action != Add {
			fmt.Fprintf(&b, " (%s)", strings.Join(c.Properties, ", "))
		}
		b.WriteString("\n")
		for i, v := range c.Values {
			if i == maxValues {
				fmt.Fprintf(&b, "                %d more\n", len(c.Values)-maxValues)
				break
			}
			fmt.Fprintf(&b, "                %s\n", v)
		}
	}
	b.WriteString("update, in order:\n")
	for _, c := range p.Update {
		line(c)
	}
	b.WriteString("cleanup, in order:\n")
	for _, c := range p.Cleanup {
		line(c)
	}
	return b.String()
}
