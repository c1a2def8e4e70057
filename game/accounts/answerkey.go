package accounts

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/service/api"
)

// AnswerKey reads the answer key of the game stack named stack: the
// stack's AnswerKeySecretArn output, then that secret's value. The key is
// made by Secrets Manager when the stack is created (GenerateSecretString),
// so it is in no template; the bill's role may read that secret alone.
func (c *Clients) AnswerKey(ctx context.Context, stack string) (string, error) {
	stack = cmp.Or(stack, contract.DefaultStackName)
	arn, err := c.stackOutput(ctx, stack, contract.AnswerKeyOutput)
	if err != nil {
		return "", err
	}
	if arn == "" {
		return "", fmt.Errorf("stack %s has no %s output: update the team's game stack (gameday accounts deploy), whose services answer with that key", stack, contract.AnswerKeyOutput)
	}
	secret, err := c.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", &CallError{"secretsmanager:GetSecretValue", err}
	}
	key := aws.ToString(secret.SecretString)
	if err := api.CheckKey([]byte(key)); err != nil {
		return "", fmt.Errorf("secret %s: %w", arn, err)
	}
	return key, nil
}

// AnswerKey reads the answer key of the team reached through role, in
// its game stack named stack (empty: the default): board.AnswerKeys.
func (b *Biller) AnswerKey(ctx context.Context, role, stack string) (string, error) {
	c, err := b.Connect(ctx, role)
	if err != nil {
		return "", err
	}
	return c.AnswerKey(ctx, stack)
}

// stackOutput is the output key of the stack named stack; empty when the
// stack has none.
func (c *Clients) stackOutput(ctx context.Context, stack, key string) (string, error) {
	out, err := c.CloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	if err != nil {
		return "", &CallError{"cloudformation:DescribeStacks", err}
	}
	for _, s := range out.Stacks {
		for _, o := range s.Outputs {
			if aws.ToString(o.OutputKey) == key {
				return aws.ToString(o.OutputValue), nil
			}
		}
	}
	return "", nil
}

// stackMissing says whether err is CloudFormation's answer for a stack
// that does not exist (a ValidationError, whose message is all that
// tells it from other validation errors).
func stackMissing(err error) bool {
	return err != nil && strings.Contains(err.Error(), "does not exist")
}
