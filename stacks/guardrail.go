package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/unicorn-rentals/gameday/contract"
)

// GuardrailOutput is the game stack's output naming the players'
// guardrail policy.
const GuardrailOutput = contract.GuardrailOutput

// guardrail is the rules of the game the account enforces
// (contract.Guardrail): a managed policy of denies, which the facilitator
// attaches to the role the players sign in with; its denies win over any
// allow (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
func (s *GameStack) guardrail(stackName string) {
	rules := contract.Guardrail(stackName, *awscdk.Aws_REGION(), *awscdk.Aws_ACCOUNT_ID())
	s.Guardrail = awsiam.NewManagedPolicy(s.Stack, jsii.String("PlayersGuardrail"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("The rules of the Unicorn.Rentals GameDay: attach it to the role the players sign in with"),
		Document:    awsiam.PolicyDocument_FromJson(contract.GuardrailPolicy(rules)),
	})
	awscdk.NewCfnOutput(s.Stack, jsii.String(GuardrailOutput), &awscdk.CfnOutputProps{
		Description: jsii.String("The players' guardrail: attach this managed policy to the role the team signs in with"),
		Value:       s.Guardrail.ManagedPolicyArn(),
	})
}
