package gates

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// The findings the project accepts, as committed lists with their reasons.

// Exception is a control the target may fail, and why. With Steps, only
// the fix sets between the baseline and the target may fail it.
type Exception struct {
	Control string `json:"control"`
	Steps   bool   `json:"steps,omitempty"`
	// Facilitator excepts the control in the facilitator's stack only.
	Facilitator bool   `json:"facilitator,omitempty"`
	Reason      string `json:"reason"`
}

//go:embed control-tower-exceptions.json
var exceptionsJSON []byte

// Exceptions reads the committed exceptions file.
func Exceptions() ([]Exception, error) {
	return readList(exceptionsJSON, "gates/control-tower-exceptions.json", "a control ID such as CT.EC2.PR.1 and a reason",
		func(e Exception) bool {
			return controlID.MatchString("["+e.Control+"]") && strings.TrimSpace(e.Reason) != ""
		})
}

// LintException is a finding accepted for one resource type and property,
// with its reason and the cfn-lint version it was checked against.
type LintException struct {
	Rule     string `json:"rule"`
	Type     string `json:"type"`
	Property string `json:"property"`
	Checked  string `json:"checked"`
	Reason   string `json:"reason"`
}

//go:embed cfn-lint-exceptions.json
var lintExceptionsJSON []byte

// LintExceptions reads the committed ignore list.
func LintExceptions() ([]LintException, error) {
	return readList(lintExceptionsJSON, "gates/cfn-lint-exceptions.json", `rule, type, property, checked ("cfn-lint 1.x") and a reason`,
		func(e LintException) bool {
			return e.Rule != "" && e.Type != "" && e.Property != "" && strings.HasPrefix(e.Checked, "cfn-lint ") && strings.TrimSpace(e.Reason) != ""
		})
}

// readList reads a committed list of accepted findings, each valid.
func readList[T any](raw []byte, file, want string, valid func(T) bool) ([]T, error) {
	var out []T
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i, e := range out {
		if !valid(e) {
			return nil, fmt.Errorf("%s entry %d: want %s", file, i+1, want)
		}
	}
	return out, nil
}
