// Package billreader is the role the game's facilitator assumes in a
// team's account to read what the account runs, for the live bill: only
// the Describe, List and metric calls the bill makes, the game and chaos
// stacks' outputs, and the team's answer key. It changes nothing; starting experiments is the chaos
// stack's starter role's.
package billreader

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures the role.
type Props struct {
	// TrustedBy may assume the role: Facilitator's principal. Required.
	TrustedBy awsiam.IPrincipal
	// Actions the role allows, on every resource: Describe and List calls
	// take no resource-level permissions. Required: the stack passes
	// contract.BillReaderActions, the calls game/accounts makes.
	Actions []string
	// LookupActions are allowed on LookupStacks only: the stack passes
	// contract.ChaosLookupActions, for the game and chaos stacks' outputs.
	// Default none.
	LookupActions []string
	// LookupStacks are the stacks' ARNs (patterns) LookupActions apply
	// to. Required with LookupActions.
	LookupStacks []*string
	// AnswerKey is the secret the role may read, the team's answer key,
	// which the board checks answers with. Default none.
	AnswerKey awssecretsmanager.ISecret
	// Tags go on the role: the board's own role may assume only roles
	// carrying contract.RoleTag. Default none.
	Tags map[string]string
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
		AssumedBy:   props.TrustedBy,
		Description: jsii.String("The GameDay facilitator reads what this account runs, to bill it on the scoreboard"),
	})
	for k, v := range props.Tags {
		awscdk.Tags_Of(b.Role).Add(jsii.String(k), jsii.String(v), nil)
	}
	b.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadWhatBills"),
		Actions:   jsii.Strings(props.Actions...),
		Resources: jsii.Strings("*"),
	}))
	if len(props.LookupActions) > 0 {
		b.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadTheGamesOutputs"),
			Actions:   jsii.Strings(props.LookupActions...),
			Resources: &props.LookupStacks,
		}))
	}
	if props.AnswerKey != nil {
		b.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadTheAnswerKey"),
			Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
			Resources: jsii.Strings(*props.AnswerKey.SecretArn()),
		}))
	}
	return b
}

// Facilitator is the principal the team's roles trust: the facilitator's
// account, only with the team's ExternalId, unique per team, so that
// nobody can make the facilitator's tools assume another team's role
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html),
// and only as one of boardRoles (ARN patterns): aws:PrincipalArn is the
// role's ARN, not its session's, for an assumed role
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn).
func Facilitator(account, externalID string, boardRoles []string) awsiam.IPrincipal {
	return awsiam.NewAccountPrincipal(jsii.String(account)).WithConditions(&map[string]any{
		"StringEquals": map[string]any{"sts:ExternalId": externalID},
		"ArnLike":      map[string]any{"aws:PrincipalArn": boardRoles},
	})
}
