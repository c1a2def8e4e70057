package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/contract"
)

// AppProps configures the whole app.
type AppProps struct {
	// Config is the app's validated configuration.
	Config config.Config
	// ServiceDir is the hash service's source folder. Required.
	ServiceDir string
	// Now is when the app is synthesized, for the chaos schedule.
	Now time.Time
	// Env pins the stacks to an account and region; nil (the default)
	// leaves them environment-agnostic.
	Env *awscdk.Environment
	// RootDir is the repository's root, the gameday image's build context
	// for the facilitator stack, built when Config.Board is set. Default ".".
	RootDir string
}

// App is every stack of one team's account, and the facilitator's stack
// when the config has a board.
type App struct {
	Game        *GameStack
	Chaos       *ChaosStack
	Facilitator *FacilitatorStack
	// Target is the winning architecture on its own, with context target.
	Target *TargetStack
}

// NewApp builds the game stack and, beside it, the chaos stack, which the
// facilitator deploys whatever the fixes. main.go, the tests and the gates
// all build the app here, so they check the wiring that ships.
func NewApp(scope constructs.Construct, props AppProps) *App {
	env := awscdk.StackProps{Env: props.Env}
	app := &App{
		Game:  NewGameStack(scope, GameStackProps{StackProps: env, Config: props.Config, ServiceDir: props.ServiceDir}),
		Chaos: NewChaosStack(scope, ChaosStackProps{StackProps: env, Config: props.Config, Now: props.Now}),
	}
	if props.Config.Target {
		app.Target = NewTargetStack(scope, contract.TargetStackName(props.Config.StackName), TargetStackProps{StackProps: env, Config: props.Config, ServiceDir: props.ServiceDir})
	}
	if b := props.Config.Board; b != nil {
		root := props.RootDir
		if root == "" {
			root = "."
		}
		app.Facilitator = NewFacilitatorStack(scope, FacilitatorStackProps{StackProps: env, Board: *b, RootDir: root})
	}
	return app
}
