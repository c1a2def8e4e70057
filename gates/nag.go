// Package gates checks the synthesized templates with third-party rule
// sets: cdk-nag's AwsSolutions pack and the AWS Control Tower proactive
// controls run by cfn-guard. The gates run in tests and in make check, never
// in the deploy path: the baseline is broken on purpose and must still
// deploy.
package gates

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Finding is one cdk-nag rule a resource breaks.
type Finding struct {
	Rule    string // e.g. AwsSolutions-IAM4
	Level   string // error or warning
	Path    string // the construct path, stack name included
	Message string
}

// Key identifies a finding across synths: rule and construct path.
func (f Finding) Key() string { return f.Rule + " " + f.Path }

// Suppression is a finding the project accepts, for a reason.
type Suppression struct {
	Path      string // the construct path below the stack, e.g. Tasks/TaskDefinition/Resource
	Rule      string
	AppliesTo string // for rules with findings per item, e.g. "Resource::*"; empty: all
	// AppliesToPattern, instead of AppliesTo, matches the items with an
	// ECMA-262 regex, e.g. /^Resource::arn:x:\d{12}$/ for one per account.
	AppliesToPattern string
	Reason           string
	Chaos            bool // in the chaos stack, not the game stack
	// Facilitator is in the facilitator's stack, not the game stack.
	Facilitator bool
}

// NagContext is the app context for a synth with cdk-nag applied: the
// project's own, less the recommended @aws-cdk/core:annotationsInValidationReport.
// cdk-nag reports each finding as an error annotation, and with the flag
// on an error annotation fails the synth (aws-cdk-lib's FEATURE_FLAGS.md),
// so the baseline, whose findings are its deliberate flaws, could not be
// checked. The gates read the findings from the assembly instead.
func NagContext(project map[string]any) map[string]any {
	ctx := maps.Clone(project)
	ctx["@aws-cdk/core:annotationsInValidationReport"] = false
	return ctx
}

// ApplyNag adds the AwsSolutions pack to stack, and the suppressions whose
// construct exists in it, which it returns. Call it before synth.
func ApplyNag(stack awscdk.Stack, suppressions []Suppression) (applied []Suppression) {
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(true)}), nil)
	existing := map[string]bool{}
	prefix := *stack.Node().Path() + "/"
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		existing[strings.TrimPrefix(*c.Node().Path(), prefix)] = true
	}
	for _, s := range suppressions {
		if !existing[s.Path] {
			continue // the part does not exist in this fix set
		}
		suppression := &cdknag.NagPackSuppression{Id: jsii.String(s.Rule), Reason: jsii.String(s.Reason)}
		if s.AppliesTo != "" {
			suppression.AppliesTo = &[]any{s.AppliesTo}
		}
		if s.AppliesToPattern != "" {
			suppression.AppliesTo = &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(s.AppliesToPattern)}}
		}
		cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String(prefix+s.Path), &[]*cdknag.NagPackSuppression{suppression}, jsii.Bool(false))
		applied = append(applied, s)
	}
	return applied
}

// NagFindings reads what the pack reported on a synthesized stack, from
// the cloud assembly in dir: the stack's metadata, in the manifest or in
// the file it points to. A rule the pack could not evaluate is reported as
// a warning named CdkNagValidationFailure[rule].
func NagFindings(dir, artifactID string) ([]Finding, error) {
	var manifest struct {
		Artifacts map[string]struct {
			Metadata               map[string][]metadataEntry `json:"metadata"`
			AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
		} `json:"artifacts"`
	}
	if err := readJSON(filepath.Join(dir, "manifest.json"), &manifest); err != nil {
		return nil, err
	}
	artifact, ok := manifest.Artifacts[artifactID]
	if !ok {
		return nil, fmt.Errorf("%s: no artifact %s", dir, artifactID)
	}
	metadata := artifact.Metadata
	if artifact.AdditionalMetadataFile != "" {
		if err := readJSON(filepath.Join(dir, artifact.AdditionalMetadataFile), &metadata); err != nil {
			return nil, err
		}
	}
	var out []Finding
	for path, entries := range metadata {
		for _, e := range entries {
			level, ok := map[string]string{"aws:cdk:error": "error", "aws:cdk:warning": "warning"}[e.Type]
			msg, isText := e.Data.(string)
			if !ok || !isText || !strings.HasPrefix(msg, "AwsSolutions-") && !strings.HasPrefix(msg, "CdkNagValidationFailure") {
				continue
			}
			rule, text, _ := strings.Cut(msg, ": ")
			out = append(out, Finding{Rule: rule, Level: level, Path: path, Message: strings.TrimSpace(text)})
		}
	}
	slices.SortFunc(out, func(a, b Finding) int { return strings.Compare(a.Key(), b.Key()) })
	return slices.CompactFunc(out, func(a, b Finding) bool { return a.Key() == b.Key() }), nil
}

type metadataEntry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

func readJSON(path string, v any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Count returns how many findings are errors and how many warnings.
func Count(findings []Finding) (errors, warnings int) {
	for _, f := range findings {
		if f.Level == "error" {
			errors++
		} else {
			warnings++
		}
	}
	return errors, warnings
}
