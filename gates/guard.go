package gates

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
)

// GuardPackage is where npm installs the cfn-guard binary and the Control
// Tower rules, relative to the repository root.
const GuardPackage = "node_modules/@cdklabs/cdk-validator-cfnguard"

// Failure is one Control Tower control a template breaks.
type Failure struct {
	Control   string   // e.g. CT.CLOUDFRONT.PR.1
	Rule      string   // the guard rule's name
	Resources []string // logical IDs
}

var (
	controlID   = regexp.MustCompile(`\[(CT\.[A-Z0-9]+\.PR\.\d+)\]`)
	resourcePth = regexp.MustCompile(`/Resources/([A-Za-z0-9]+)`)
)

// guardBinary is the cfn-guard build for this machine inside the package.
func guardBinary(root string) (string, error) {
	osName := map[string]string{"linux": "ubuntu", "darwin": "macos"}[runtime.GOOS]
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64"}[runtime.GOARCH]
	if osName == "" || arch == "" {
		return "", fmt.Errorf("cfn-guard: no build for %s/%s in %s", runtime.GOOS, runtime.GOARCH, GuardPackage)
	}
	bin := filepath.Join(root, GuardPackage, "bin", osName, arch, "cfn-guard")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("cfn-guard not found at %s: run make tools (npm ci) first", bin)
	}
	return bin, nil
}

// Guard runs every Control Tower rule over one template and returns the
// controls it fails. root is the repository root.
func Guard(root, template string) ([]Failure, []byte, error) {
	bin, err := guardBinary(root)
	if err != nil {
		return nil, nil, err
	}
	rules := filepath.Join(root, GuardPackage, "rules", "control-tower", "cfn-guard")
	cmd := exec.Command(bin, "validate", "--rules", rules, "--data", template,
		"--output-format", "json", "--show-summary", "none", "--structured")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	// cfn-guard exits 19 when a rule fails: that is a result, not an error.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 19) {
		return nil, nil, fmt.Errorf("cfn-guard on %s: %v: %s", template, err, stderr.String())
	}
	var reports []struct {
		NotCompliant []json.RawMessage `json:"not_compliant"`
	}
	if err := json.Unmarshal(raw, &reports); err != nil {
		return nil, raw, fmt.Errorf("cfn-guard output on %s: %w", template, err)
	}
	var out []Failure
	for _, r := range reports {
		for _, nc := range r.NotCompliant {
			var rule struct {
				Rule struct{ Name string } `json:"Rule"`
			}
			_ = json.Unmarshal(nc, &rule)
			f := Failure{Rule: rule.Rule.Name}
			if m := controlID.FindSubmatch(nc); m != nil {
				f.Control = string(m[1])
			}
			for _, m := range resourcePth.FindAllSubmatch(nc, -1) {
				f.Resources = append(f.Resources, string(m[1]))
			}
			slices.Sort(f.Resources)
			f.Resources = slices.Compact(f.Resources)
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b Failure) int { return strings.Compare(a.Control, b.Control) })
	return out, raw, nil
}

// UnexceptedFacilitator is Unexcepted for the facilitator's stack: the
// target's exceptions and the facilitator's own apply.
func UnexceptedFacilitator(failures []Failure, exceptions []Exception) []Failure {
	var out []Failure
	for _, f := range failures {
		if !slices.ContainsFunc(exceptions, func(e Exception) bool { return e.Control == f.Control && !e.Steps }) {
			out = append(out, f)
		}
	}
	return out
}

// Unexcepted returns the failures no exception covers; steps says whether
// the exceptions for intermediate fix sets count.
func Unexcepted(failures []Failure, exceptions []Exception, steps bool) []Failure {
	var out []Failure
	for _, f := range failures {
		if !slices.ContainsFunc(exceptions, func(e Exception) bool { return e.Control == f.Control && (steps || !e.Steps) && !e.Facilitator }) {
			out = append(out, f)
		}
	}
	return out
}
