// Package billreader is the role the game's facilitator assumes to read
// what a team's account runs, for the live bill: read-only, and only the
// Describe, List and metric calls the bill makes.
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
	// Actions the role allows, on every resource: Describe and List calls
	// take no resource-level permissions. Required: the stack passes
	// spec.BillReaderActions, the calls game/accounts makes.
	Actions []string
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
		AssumedBy:   awsiam.NewAccountPrincipal(jsii.String(props.TrustedAccount)),
		Description: jsii.String("The GameDay facilitator reads what this account runs, to bill it on the scoreboard"),
	})
	b.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadWhatBills"),
		Actions:   jsii.Strings(props.Actions...),
		Resources: jsii.Strings("*"),
	}))
	return b
}
