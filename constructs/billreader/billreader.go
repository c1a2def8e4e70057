// Package billreader is the role the game's facilitator assumes in a
// team's account: to read what the account runs, for the live bill (only
// the Describe, List and metric calls the bill makes), and to start and
// follow the script's chaos experiments with AWS FIS as the chaos stack's
// role, and nothing else.
package billreader

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures the role.
type Props struct {
	// TrustedAccount is the facilitator's AWS account ID, whose principals
	// (with their own IAM permission to do so) may assume the role.
	// Required.
	TrustedAccount string
	// ExternalID is what the trusted account must pass to assume the
	// role (a condition on sts:ExternalId), unique per team so that
	// nobody can make the facilitator's tools assume another team's role
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
	// Required.
	ExternalID string
	// Actions the role allows, on every resource: Describe and List calls
	// take no resource-level permissions. Required: the stack passes
	// contract.BillReaderActions, the calls game/accounts makes.
	Actions []string
	// ExperimentActions start and follow the chaos experiments: the
	// stack passes contract.MonkeyActions. Default none.
	ExperimentActions []string
	// ExperimentRoles are the roles FIS may be passed, as ARN patterns.
	// Required with ExperimentActions.
	ExperimentRoles []*string
}

// BillReader is the role.
type BillReader struct {
	constructs.Construct
	Role awsiam.Role
}

// New creates the role.
func New(scope constructs.Construct, id string, props Props) *BillReader {
	b := &BillReader{Construct: constructs.NewConstruct(scope, &id)}
	b.Role = awsiam.NewRole(b.Construct, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewAccountPrincipal(jsii.String(props.TrustedAccount)).WithConditions(&map[string]any{
			"StringEquals": map[string]any{"sts:ExternalId": props.ExternalID},
		}),
		Description: jsii.String("The GameDay facilitator reads what this account runs, to bill it on the scoreboard"),
	})
	b.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadWhatBills"),
		Actions:   jsii.Strings(props.Actions...),
		Resources: jsii.Strings("*"),
	}))
	if len(props.ExperimentActions) > 0 {
		b.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("RunTheScriptsExperiments"),
			Actions:   jsii.Strings(props.ExperimentActions...),
			Resources: jsii.Strings("*"),
		}))
		b.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AsTheChaosStacksRole"),
			Actions:    jsii.Strings("iam:PassRole"),
			Resources:  &props.ExperimentRoles,
			Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "fis.amazonaws.com"}},
		}))
	}
	return b
}
