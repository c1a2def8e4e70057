package gates

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// LintFinding is one thing cfn-lint, the CloudFormation linter, reports.
type LintFinding struct {
	File     string
	Rule     string // e.g. E3002
	Level    string // Error, Warning, Informational
	Resource string // logical ID, when the finding is about one
	Type     string // its CloudFormation type
	Property string // the first key under the resource: Properties/Tags is "Tags", DependsOn "DependsOn"
	Message  string
}

// ErrNoCfnLint says how to get cfn-lint.
var ErrNoCfnLint = errors.New("cfn-lint is not installed: pip install cfn-lint (make lint-tools does it)")

// CfnLint runs cfn-lint over templates, CloudFormation JSON files.
func CfnLint(templates ...string) ([]LintFinding, error) {
	bin, err := exec.LookPath("cfn-lint")
	if err != nil {
		return nil, ErrNoCfnLint
	}
	// The gates apply their own list, by resource type and property: an
	// empty config file keeps cfn-lint from reading the .cfnlintrc meant
	// for runs by hand.
	noConfig, err := os.CreateTemp("", "cfnlintrc-")
	if err != nil {
		return nil, err
	}
	noConfig.Close()
	defer os.Remove(noConfig.Name())
	out, err := exec.Command(bin, append([]string{"--config-file", noConfig.Name(), "--format", "json", "--"}, templates...)...).Output()
	// cfn-lint exits non-zero when it finds something; only unreadable
	// output is a failure of the run.
	var raw []struct {
		Filename string
		Level    string
		Message  string
		Rule     struct{ Id string }
		Location struct{ Path []any }
	}
	if jerr := json.Unmarshal(out, &raw); jerr != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		return nil, fmt.Errorf("cfn-lint: %v %s", jerr, stderr)
	}
	types := map[string]map[string]string{}
	var findings []LintFinding
	for _, r := range raw {
		f := LintFinding{File: r.Filename, Rule: r.Rule.Id, Level: r.Level, Message: r.Message}
		if p := r.Location.Path; len(p) >= 2 && p[0] == "Resources" {
			f.Resource = fmt.Sprint(p[1])
			if len(p) >= 3 {
				f.Property = fmt.Sprint(p[2])
				if f.Property == "Properties" && len(p) >= 4 {
					f.Property = fmt.Sprint(p[3])
				}
			}
			if types[r.Filename] == nil {
				if types[r.Filename], err = resourceTypes(r.Filename); err != nil {
					return nil, err
				}
			}
			f.Type = types[r.Filename][f.Resource]
		}
		findings = append(findings, f)
	}
	return findings, nil
}

func resourceTypes(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tpl struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]string{}
	for id, r := range tpl.Resources {
		out[id] = r.Type
	}
	return out, nil
}

// UnexpectedLint are the findings no exception accepts.
func UnexpectedLint(findings []LintFinding, exceptions []LintException) []LintFinding {
	var out []LintFinding
	for _, f := range findings {
		accepted := false
		for _, e := range exceptions {
			accepted = accepted || (e.Rule == f.Rule && e.Type == f.Type && e.Property == f.Property)
		}
		if !accepted {
			out = append(out, f)
		}
	}
	return out
}
