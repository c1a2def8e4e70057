// Package cdktest holds what every CDK test package needs: one jsii
// process closed at the end, a stack to build in, and CDK assertions that
// report through testing.T instead of panicking.
package cdktest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/config"
)

// Main runs a package's tests and stops the jsii process behind them.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// NewStack returns an app and an empty stack to build constructs in, with
// the project's feature flags and the CDK's template validation off: it
// costs seconds a synth and the whole-app tests run it where it matters.
func NewStack() (awscdk.App, awscdk.Stack) {
	context := ProjectContext()
	app := awscdk.NewApp(&awscdk.AppProps{Context: &context, BuiltinCloudFormationValidation: jsii.Bool(false)})
	return app, awscdk.NewStack(app, jsii.String("Test"), nil)
}

// ProjectContext is the context of the repository's cdk.json, its feature
// flags, as the CDK CLI would pass it; found from the test's folder up.
func ProjectContext() map[string]any {
	dir, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	for {
		path := filepath.Join(dir, "cdk.json")
		if _, err := os.Stat(path); err == nil {
			ctx, err := config.CDKJSONContext(path)
			if err != nil {
				panic(err)
			}
			return ctx
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			panic("no cdk.json above " + dir)
		}
		dir = parent
	}
}

// Assert builds constructs into a new stack with build and returns the
// stack's template for CDK assertions.
func Assert(build func(stack awscdk.Stack)) assertions.Template {
	_, stack := NewStack()
	build(stack)
	return assertions.Template_FromStack(stack, nil)
}

// Template synthesizes app and returns stack's template as JSON.
func Template(app awscdk.App, stack awscdk.Stack) map[string]any {
	return app.Synth(nil).GetStackArtifact(stack.ArtifactId()).Template().(map[string]any)
}

// MustPass runs a CDK assertion, which reports a failure by panicking, and
// turns the panic into a test error named what.
func MustPass(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
		}
	}()
	assertion()
}
