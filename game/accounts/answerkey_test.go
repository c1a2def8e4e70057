package accounts

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The board reads a team's answer key as the game stack makes it: a
// secret Secrets Manager generates with the stack, named by the stack's
// AnswerKeySecretArn output. moto's CloudFormation keeps no output that
// refers to a secret it made, so the secret is made as the stack's
// GenerateSecretString would (GetRandomPassword, same settings) and the
// output names its ARN.
func TestTheAnswerKeyIsReadFromTheGameStacksSecret(t *testing.T) {
	a := newAccount(t)
	ctx := context.Background()
	if _, err := a.AnswerKey(ctx, "UnicornRentals"); err == nil || !strings.Contains(err.Error(), "cloudformation:DescribeStacks") {
		t.Fatalf("no stack: %v", err)
	}
	generated, err := a.Secrets.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordInput{PasswordLength: aws.Int64(64), ExcludePunctuation: aws.Bool(true), IncludeSpace: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := a.Secrets.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("AnswerKey-AbCdEf"), SecretString: generated.RandomPassword})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("UnicornRentals"),
		TemplateBody: aws.String(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}, "Outputs": {"AnswerKeySecretArn": {"Value": "` + aws.ToString(secret.ARN) + `"}}}`)}); err != nil {
		t.Fatal(err)
	}
	a.calls.start()
	key, err := a.AnswerKey(ctx, "UnicornRentals")
	if err != nil {
		t.Fatal(err)
	}
	if key != aws.ToString(generated.RandomPassword) || len(key) != 64 || strings.ContainsAny(key, " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") {
		t.Errorf("key %q: want the 64 letters and digits the stack generated", key)
	}
	if !a.calls.calls["secretsmanager:GetSecretValue"] || !a.calls.calls["cloudformation:DescribeStacks"] {
		t.Errorf("calls %v: the stack's output, then the secret", a.calls.calls)
	}
	if _, err := a.CloudFormation.CreateStack(ctx, &cloudformation.CreateStackInput{StackName: aws.String("Team02"),
		TemplateBody: aws.String(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AnswerKey(ctx, "Team02"); err == nil || !strings.Contains(err.Error(), "stack Team02 has no AnswerKeySecretArn output: update the team's game stack") {
		t.Errorf("a stack from before the key: %v", err)
	}
}
