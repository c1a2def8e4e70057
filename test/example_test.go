package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/unicorn-rentals/gameday/examples/target"
	"github.com/unicorn-rentals/gameday/gates"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

// The example to copy passes the gates the target does, with the
// production options on: cdk-nag's AwsSolutions pack (the target's
// suppressions, which find the same parts), the Control Tower controls
// beyond the target's recorded exceptions, and cfn-lint.
func TestTheExamplePassesTheGates(t *testing.T) {
	context := gates.NagContext(cdktest.ProjectContext())
	app := awscdk.NewApp(&awscdk.AppProps{Context: &context})
	s := target.NewStack(app, "WebTarget", target.Props{
		Image: "public.ecr.aws/nginx/nginx:stable", Port: 80,
		DomainName: "www.example.com", CertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0123abcd-0123-4567-89ab-0123456789ab",
		WebAclArn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/edge/0123abcd-0123-4567-89ab-0123456789ab",
	})
	gates.ApplyNag(s.Stack, gates.NagSuppressions)
	assembly := app.Synth(nil)
	findings, err := gates.NagFindings(*assembly.Directory(), *s.ArtifactId())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range findings {
		key := f.Rule + " " + strings.TrimPrefix(f.Path, "/WebTarget/")
		if _, ok := target.AcceptedNag[key]; ok {
			seen[key] = true
			continue
		}
		if f.Level == "error" {
			t.Errorf("cdk-nag %s on %s: %s", f.Rule, f.Path, f.Message)
		}
	}
	raw, _ := assembly.GetStackArtifact(s.ArtifactId()).Template().(map[string]any)
	tpl := newTemplate(t, raw)
	exceptions, err := gates.Exceptions()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range gates.Unexcepted(controlTower(t, tpl), exceptions, false) {
		if _, ok := target.AcceptedControls[f.Control]; ok {
			seen[f.Control] = true
			continue
		}
		t.Errorf("Control Tower %s (%s) on %v", f.Control, f.Rule, f.Resources)
	}
	for _, accepted := range []map[string]string{target.AcceptedNag, target.AcceptedControls} {
		for what, reason := range accepted {
			if !seen[what] {
				t.Errorf("the example accepts %s, which it no longer shows: remove it", what)
			}
			if len(strings.Fields(reason)) < 8 {
				t.Errorf("%s: give a specific reason", what)
			}
		}
	}
	lint, err := gates.CfnLint(tpl.file(t, t.TempDir(), "example"))
	if err != nil {
		t.Fatal(err)
	}
	lintExceptions, _ := gates.LintExceptions()
	for _, f := range gates.UnexpectedLint(lint, lintExceptions) {
		t.Errorf("cfn-lint %s on %s (%s) %s: %s", f.Rule, f.Resource, f.Type, f.Property, f.Message)
	}
}
