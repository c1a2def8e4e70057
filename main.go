// Command unicorn-rentals is the CDK app of the Unicorn.Rentals GameDay:
// the CTO's environment with the winners' fixes selected by the "fixes"
// context value, and the chaos stack beside it. See README.md.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/stacks"
)

func main() {
	app := awscdk.NewApp(nil)
	cfg, err := config.FromContext(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	// A deploy follows its synth at once: the chaos schedule starts from now.
	now := time.Now()
	if err == nil {
		err = cfg.Chaos.CheckAt(now)
	}
	if err != nil {
		jsii.Close()
		fmt.Fprintln(os.Stderr, "unicorn-rentals:", err)
		os.Exit(1)
	}
	built := stacks.NewApp(app, stacks.AppProps{Config: cfg, ServiceDir: "service", RootDir: ".", Env: deployEnv(), Now: now})
	assembly := app.Synth(nil)
	if template, ok := assembly.GetStackArtifact(built.Game.ArtifactId()).Template().(map[string]any); ok {
		fmt.Fprintln(os.Stderr, "synthesized", config.Summary(cfg, template))
	}
	if b := cfg.Board; b != nil {
		fmt.Fprintf(os.Stderr, "synthesized %s: the scoreboard for %d teams, %d workers of %d CPU units\n", contract.FacilitatorStackName, b.TeamCount, b.Size.Workers, b.Size.WorkerCPU)
	}
	jsii.Close()
}

// deployEnv pins the stack to an account and region only when asked to,
// with CDK_DEPLOY_ACCOUNT and CDK_DEPLOY_REGION (the CDK guide's convention).
// Otherwise the stack is environment-agnostic: it synthesizes with no AWS
// account and no lookups. Choose once per deployed stack: switching changes
// how its Availability Zones are written, and with them its subnets.
func deployEnv() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEPLOY_ACCOUNT"), os.Getenv("CDK_DEPLOY_REGION")
	if account == "" && region == "" {
		return nil
	}
	env := &awscdk.Environment{}
	if account != "" {
		env.Account = jsii.String(account)
	}
	if region != "" {
		env.Region = jsii.String(region)
	}
	return env
}
