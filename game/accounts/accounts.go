// Package accounts is every call the game makes into a team's AWS account,
// with the AWS SDK for Go v2: one way to build clients, one way to assume
// a team's role, one retry policy. It reads what the account runs and
// prices it (the live bill the board deducts), and starts and follows the
// script's chaos experiments with AWS FIS (the Monkey).
package accounts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwschemas "github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/fis"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsquery"

	"github.com/unicorn-rentals/gameday/teamsfile"
)

// DefaultRegion is where the game runs unless a team's account says
// otherwise: the price table knows only us-east-1.
const DefaultRegion = "us-east-1"

// Account is how to reach one team's account.
type Account struct {
	// RoleARN is the read-only role the game stack creates for the
	// facilitator (output BillReaderRoleArn). Empty: the caller's own
	// credentials, for a facilitator who runs the board in the account.
	RoleARN string
	// ExternalID is what the role's trust requires the board to pass: the
	// team's own (teamsfile.Cost.Access carries it after a #).
	ExternalID string
	// Region of the team's stack. Default us-east-1.
	Region string
	// Profile is the facilitator's AWS profile to start from. Default:
	// the SDK's default chain (environment, shared files, instance role).
	Profile string
	// Endpoint sends every call to one address: a test's moto server.
	Endpoint string
}

// Clients are one account's API clients.
type Clients struct {
	EC2        *ec2.Client
	ELB        *elb.Client
	ELBv2      *elbv2.Client
	ECS        *ecs.Client
	CloudFront *cloudfront.Client
	// CloudWatch in us-east-1, where CloudFront publishes its metrics.
	CloudWatch     *cloudwatch.Client
	FIS            *fis.Client
	CloudTrail     *cloudtrail.Client
	CloudFormation *cloudformation.Client
	IAM            *iam.Client
	Quotas         *servicequotas.Client
	Secrets        *secretsmanager.Client
	STS            *sts.Client
	// regional is CloudWatch in the account's region, for the load
	// balancers' metrics.
	regional *cloudwatch.Client
	region   string
	// credentials are the account's, its role assumed when it has one.
	credentials aws.CredentialsProvider
	// assumes is the role assumed, if any.
	assumes string
}

// maxAttempts is the one retry policy: the SDK's standard retryer
// (exponential backoff with jitter on throttling and transient errors),
// five attempts, then the error goes to the caller.
const maxAttempts = 5

// Connect builds the clients for an account, assuming its role if it has
// one. No call is made until a client is used.
func Connect(ctx context.Context, a Account) (*Clients, error) {
	region := a.Region
	if region == "" {
		region = DefaultRegion
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = maxAttempts })
		}),
	}
	if a.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(a.Profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if a.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(a.Endpoint)
	}
	if a.RoleARN != "" {
		if err := teamsfile.CheckRoleARN(a.RoleARN); err != nil {
			return nil, fmt.Errorf("%w (the stack's BillReaderRoleArn output)", err)
		}
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), a.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "unicorn-rentals-gameday"
			o.Duration = time.Hour
			if a.ExternalID != "" {
				o.ExternalID = aws.String(a.ExternalID)
			}
		}))
	}
	global := cfg.Copy()
	global.Region = "us-east-1"
	// CloudWatch answers the Smithy RPC v2 CBOR protocol the SDK uses by
	// default and the older query protocol too (the SDK's CloudWatch
	// changelog: "introduces two additional protocols"); an endpoint that
	// is not AWS's (moto, a local emulator) often speaks only the query
	// one, so it is used whenever the endpoint is overridden.
	var cwOpts []func(*cloudwatch.Options)
	if a.Endpoint != "" || os.Getenv("AWS_ENDPOINT_URL") != "" || os.Getenv("AWS_ENDPOINT_URL_CLOUDWATCH") != "" {
		cwOpts = append(cwOpts, func(o *cloudwatch.Options) { o.Protocol = awsquery.New(cwschemas.GraniteServiceVersion20100801) })
	}
	return &Clients{
		EC2:            ec2.NewFromConfig(cfg),
		ELB:            elb.NewFromConfig(cfg),
		ELBv2:          elbv2.NewFromConfig(cfg),
		ECS:            ecs.NewFromConfig(cfg),
		CloudFront:     cloudfront.NewFromConfig(global),
		CloudWatch:     cloudwatch.NewFromConfig(global, cwOpts...),
		FIS:            fis.NewFromConfig(cfg),
		CloudTrail:     cloudtrail.NewFromConfig(cfg),
		CloudFormation: cloudformation.NewFromConfig(cfg),
		IAM:            iam.NewFromConfig(cfg),
		Quotas:         servicequotas.NewFromConfig(cfg),
		Secrets:        secretsmanager.NewFromConfig(cfg),
		STS:            sts.NewFromConfig(cfg),
		regional:       cloudwatch.NewFromConfig(cfg, cwOpts...),
		region:         region,
		credentials:    cfg.Credentials,
		assumes:        a.RoleARN,
	}, nil
}

// Access gets the account's credentials, assuming its role if it has
// one: the one check that tells "cannot reach the account" from every
// call failing after it.
func (c *Clients) Access(ctx context.Context) error {
	if c.credentials == nil {
		return errors.New("no AWS credentials: sign in first (aws sso login, or set AWS_PROFILE)")
	}
	if _, err := c.credentials.Retrieve(ctx); err != nil {
		if c.assumes != "" {
			return fmt.Errorf("cannot assume %s: %w", c.assumes, err)
		}
		return fmt.Errorf("no AWS credentials for it: %w", err)
	}
	return nil
}

// BaseAccess checks the credentials the teams' roles are assumed with,
// once for every account, so that their absence is said once with its fix
// and not as every check of every account failing.
func BaseAccess(ctx context.Context) error {
	c, err := Connect(ctx, Account{})
	if err != nil {
		return err
	}
	if err := c.Access(ctx); err != nil {
		return fmt.Errorf("no credentials to assume the teams' roles with (%v): sign in to the facilitator's account first (aws sso login, or set AWS_PROFILE)", err)
	}
	return nil
}

// CallError is a call the account refused or that failed, named so a
// facilitator can fix it.
type CallError struct {
	Call string // e.g. ec2:DescribeInstances
	Err  error
}

func (e *CallError) Error() string {
	var api smithy.APIError
	if errors.As(e.Err, &api) {
		switch {
		case denied(api.ErrorCode()):
			return fmt.Sprintf("%s denied (%s): the role lacks it; redeploy the game stack with -c facilitatorAccount=<id> to get the role the board needs", e.Call, api.ErrorCode())
		case throttled(api.ErrorCode()):
			return fmt.Sprintf("%s throttled (%s) after %d attempts", e.Call, api.ErrorCode(), maxAttempts)
		}
		return fmt.Sprintf("%s: %s: %s", e.Call, api.ErrorCode(), api.ErrorMessage())
	}
	return fmt.Sprintf("%s: %v", e.Call, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

func denied(code string) bool {
	switch code {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException", "InvalidClientTokenId", "ExpiredToken":
		return true
	}
	return false
}

func throttled(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
		return true
	}
	return false
}
