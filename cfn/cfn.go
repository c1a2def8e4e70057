// Package cfn reads CloudFormation templates as the CDK synthesizes
// them: the one reader the cost model, the gates' update plan and the
// app's summary share, so that a reference means the same to all three.
// Plain Go, standard library only.
package cfn

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Template is a template as JSON decodes it.
type Template = map[string]any

// Resource is one resource of a template: its Type, Properties,
// DependsOn and policies, as JSON decodes them.
type Resource = map[string]any

// Parse decodes a template; a file with no Resources is an error naming
// what to give instead.
func Parse(raw []byte) (Template, error) {
	var t Template
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("template: not CloudFormation JSON: %w", err)
	}
	if len(Resources(t)) == 0 {
		return nil, fmt.Errorf("template: no Resources; give a synthesized stack template such as out/none/UnicornRentals.template.json")
	}
	return t, nil
}

// Resources is a template's resources by logical ID, every one of them
// (the CDK's AWS::CDK::Metadata included).
func Resources(t Template) map[string]Resource {
	res, _ := t["Resources"].(map[string]any)
	out := make(map[string]Resource, len(res))
	for id, r := range res {
		if m, ok := r.(map[string]any); ok {
			out[id] = m
		}
	}
	return out
}

// IDs is the logical IDs of resources, sorted.
func IDs(resources map[string]Resource) []string {
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Type is a resource's type, such as AWS::EC2::Instance.
func Type(r Resource) string {
	t, _ := r["Type"].(string)
	return t
}

// Properties is a resource's properties; nil when it has none.
func Properties(r Resource) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

// CountByType counts a template's resources of each type.
func CountByType(t Template) map[string]int {
	n := map[string]int{}
	for _, r := range Resources(t) {
		n[Type(r)]++
	}
	return n
}

// DependsOn is the logical IDs a resource names in DependsOn.
func DependsOn(r Resource) []string {
	switch d := r["DependsOn"].(type) {
	case string:
		return []string{d}
	case []any:
		out := make([]string, 0, len(d))
		for _, x := range d {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

// References lists the logical IDs v refers to anywhere, in a stable
// order (maps walked by sorted key): Ref, Fn::GetAtt and the names in a
// Fn::Sub string, pseudo parameters such as AWS::Region included.
func References(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if id, ok := x["Ref"].(string); ok {
				out = append(out, id)
			}
			if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
				out = append(out, fmt.Sprint(ga[0]))
			}
			if sub, ok := x["Fn::Sub"]; ok {
				s, _ := sub.(string)
				if l, ok := sub.([]any); ok && len(l) > 0 {
					s, _ = l[0].(string)
				}
				for _, part := range strings.Split(s, "${")[1:] {
					name, _, _ := strings.Cut(part, "}")
					name, _, _ = strings.Cut(name, ".")
					out = append(out, name)
				}
			}
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(x[k])
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// Reference is the first logical ID v refers to (References), "" for
// none: the resource a property such as a launch template or a task
// definition points at.
func Reference(v any) string {
	if refs := References(v); len(refs) > 0 {
		return refs[0]
	}
	return ""
}
