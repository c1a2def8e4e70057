// Command check runs the gates over fix sets: cdk-nag's AwsSolutions pack
// and the Control Tower controls, with the CDK's template validation on. It
// prints one line per fix set and writes the full reports under -out.
//
//	go run ./gates/cmd/check -out out/check none all
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/gates"
	"github.com/unicorn-rentals/gameday/stacks"
)

func main() {
	err := run(os.Args[1:], os.Stdout)
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	out := fs.String("out", "out/check", "folder for the reports, one subfolder per fix set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sets := fs.Args()
	if len(sets) == 0 {
		sets = []string{"none", "all"}
	}
	exceptions, err := gates.Exceptions()
	if err != nil {
		return err
	}
	lintExceptions, err := gates.LintExceptions()
	if err != nil {
		return err
	}
	failed := false
	for i, value := range sets {
		set, err := catalog.ParseFixSet(value)
		if err != nil {
			return fmt.Errorf("fix set %q: %w", value, err)
		}
		dir := filepath.Join(*out, set.Dir())
		// The chaos stack does not depend on the fix set: check it once.
		line, bad, err := check(set, dir, exceptions, lintExceptions, i == len(sets)-1)
		if err != nil {
			return fmt.Errorf("fixes=%s: %w", set, err)
		}
		fmt.Fprintln(stdout, line)
		failed = failed || bad
	}
	if failed {
		return fmt.Errorf("a gate failed (the target's nag or Control Tower findings, or cfn-lint anywhere); reports under %s", *out)
	}
	return nil
}

// check synthesizes one fix set into dir, runs both gates and writes their
// reports. bad is true when the target has an unsuppressed nag error or an
// unexcepted control failure.
func check(set catalog.FixSet, dir string, exceptions []gates.Exception, lintExceptions []gates.LintException, withChaos bool) (line string, bad bool, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", false, err
	}
	// The feature flags the CLI would pass; skip building the binary: the
	// gates read the templates, not assets.
	project, err := config.CDKJSONContext("cdk.json")
	if err != nil {
		return "", false, fmt.Errorf("%w (run make check from the repository root)", err)
	}
	context := gates.NagContext(project)
	context["aws:cdk:bundling-stacks"] = []string{}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &context})
	cfg := config.Default()
	cfg.Fixes = set
	if withChaos {
		// The facilitator's stack too, for the example teams file.
		board, err := config.FromContext(func(key string) any { return map[string]any{"boardTeams": exampleTeams}[key] })
		if err != nil {
			return "", false, err
		}
		cfg.Board = board.Board
		// The target as a stack of its own too, gated as the game's target.
		cfg.Target = true
	}
	built := stacks.NewApp(app, stacks.AppProps{Config: cfg, ServiceDir: "service", RootDir: "."})
	stack, chaos := built.Game, built.Chaos
	gates.ApplyNag(stack.Stack, gates.NagSuppressions)
	gates.ApplyNag(chaos.Stack, gates.NagSuppressions)
	if built.Facilitator != nil {
		gates.ApplyNag(built.Facilitator.Stack, gates.NagSuppressions)
	}
	if built.Target != nil {
		gates.ApplyNag(built.Target.Stack, gates.NagSuppressions)
	}
	assembly := app.Synth(nil)
	target := len(set.Fixes()) == len(catalog.AllFixes)
	line, bad, lintBad, err := gate(*assembly.Directory(), *stack.ArtifactId(), "game", "fixes="+set.String(), exceptions, lintExceptions, steps(!target))
	if err != nil || !withChaos {
		return line, target && bad || lintBad, err
	}
	chaosLine, chaosBad, chaosLintBad, err := gate(*assembly.Directory(), *chaos.ArtifactId(), "chaos", "the chaos stack", exceptions, lintExceptions, steps(false))
	if err != nil {
		return "", false, err
	}
	boardLine, boardBad, boardLintBad, err := gate(*assembly.Directory(), *built.Facilitator.ArtifactId(), "facilitator", "the facilitator stack ("+exampleTeams+")", exceptions, lintExceptions, gates.UnexceptedFacilitator)
	if err != nil {
		return "", false, err
	}
	targetLine, targetBad, targetLintBad, err := gate(*assembly.Directory(), *built.Target.ArtifactId(), "target", "the target stack", exceptions, lintExceptions, steps(false))
	return line + "\n" + chaosLine + "\n" + boardLine + "\n" + targetLine,
		target && bad || lintBad || chaosBad || chaosLintBad || boardBad || boardLintBad || targetBad || targetLintBad, err
}

// exampleTeams is the teams file the facilitator stack is checked with.
const exampleTeams = "game/teams.example.txt"

// steps is the Control Tower filter of the game or chaos stack: with the
// exceptions for intermediate fix sets or without.
func steps(with bool) func([]gates.Failure, []gates.Exception) []gates.Failure {
	return func(f []gates.Failure, e []gates.Exception) []gates.Failure { return gates.Unexcepted(f, e, with) }
}

// gate runs the gates over one stack of the assembly in dir and writes
// their reports beside it, named by kind. bad is an unsuppressed nag error
// or an unexcepted control failure; lintBad a cfn-lint finding no
// exception accepts, which fails every fix set: a template CloudFormation
// may refuse is never a deliberate flaw.
func gate(dir, artifactID, kind, title string, exceptions []gates.Exception, lintExceptions []gates.LintException, unexceptedOf func([]gates.Failure, []gates.Exception) []gates.Failure) (line string, bad, lintBad bool, err error) {
	findings, err := gates.NagFindings(dir, artifactID)
	if err != nil {
		return "", false, false, err
	}
	if err := writeJSON(filepath.Join(dir, kind+"-nag.json"), findings); err != nil {
		return "", false, false, err
	}
	template := filepath.Join(dir, artifactID+".template.json")
	failures, raw, err := gates.Guard(".", template)
	if err != nil {
		return "", false, false, err
	}
	if err := os.WriteFile(filepath.Join(dir, kind+"-control-tower.json"), raw, 0o644); err != nil {
		return "", false, false, err
	}
	lint, err := gates.CfnLint(template)
	if err != nil {
		return "", false, false, err
	}
	if err := writeJSON(filepath.Join(dir, kind+"-cfn-lint.json"), lint); err != nil {
		return "", false, false, err
	}
	unexcepted := unexceptedOf(failures, exceptions)
	unexpectedLint := gates.UnexpectedLint(lint, lintExceptions)
	errs, warns := gates.Count(findings)
	line = fmt.Sprintf("%s\n  cdk-nag AwsSolutions: %d errors, %d warnings\n  Control Tower: %d controls failed, %d of them accepted by an exception\n  cfn-lint: %d findings, %d of them accepted by an exception",
		title, errs, warns, len(failures), len(failures)-len(unexcepted), len(lint), len(lint)-len(unexpectedLint))
	return line, errs > 0 || len(unexcepted) > 0, len(unexpectedLint) > 0, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
