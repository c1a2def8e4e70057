package stacks

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/unicorn-rentals/gameday/spec"
)

// AppProps configures the whole app.
type AppProps struct {
	// Config is the app's validated configuration.
	Config spec.Config
	// ServiceDir is the hash service's source folder. Required.
	ServiceDir string
	// Now is when the app is synthesized, for the chaos schedule.
	Now time.Time
	// Env pins both stacks to an account and region; nil (the default)
	// leaves them environment-agnostic.
	Env *awscdk.Environment
}

// App is every stack of one team's account.
type App struct {
	Game  *GameStack
	Chaos *ChaosStack
}

// NewApp builds the game stack and, beside it, the chaos stack, which the
// facilitator deploys whatever the fixes. main.go, the tests and the gates
// all build the app here, so they check the wiring that ships.
func NewApp(scope constructs.Construct, props AppProps) *App {
	env := awscdk.StackProps{Env: props.Env}
	return &App{
		Game:  NewGameStack(scope, GameStackProps{StackProps: env, Config: props.Config, ServiceDir: props.ServiceDir}),
		Chaos: NewChaosStack(scope, ChaosStackProps{StackProps: env, Config: props.Config, Now: props.Now}),
	}
}
