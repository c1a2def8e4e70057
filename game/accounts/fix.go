package accounts

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Fixable says whether Fix can do a failed check itself.
func Fixable(c Check) bool {
	return !c.OK && (c.Name == "CDK bootstrap" || strings.HasPrefix(c.Name, "service-linked role "))
}

// Fix does what preflight found missing in team t's account, reached
// through c, and can do itself (gameday accounts preflight --fix): it creates the missing
// service-linked roles and bootstraps the CDK, through the CLI, into dir.
// Quotas, CloudFront's verification and the rest stay the facilitator's,
// as their fixes say. It returns what it did.
func (c *Clients) Fix(ctx context.Context, t Team, checks []Check, dir string, say func(string, ...any)) ([]string, error) {
	var done []string
	var problems []error
	for _, check := range checks {
		if !Fixable(check) {
			continue
		}
		if check.Name == "CDK bootstrap" {
			id, err := c.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if err != nil {
				problems = append(problems, &CallError{"sts:GetCallerIdentity", err})
				continue
			}
			env := "aws://" + aws.ToString(id.Account) + "/" + c.region
			if err := runCDK(ctx, t, filepath.Join(dir, t.Name), []string{"bootstrap", env}, 3, say); err != nil {
				problems = append(problems, err)
				continue
			}
			done = append(done, "bootstrapped "+env)
			continue
		}
		for _, r := range serviceLinkedRoles {
			if check.Name != "service-linked role "+r.role {
				continue
			}
			if _, err := c.IAM.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String(r.service)}); err != nil {
				problems = append(problems, &CallError{"iam:CreateServiceLinkedRole (" + r.service + ")", err})
				continue
			}
			done = append(done, "created "+r.role)
		}
	}
	if len(problems) > 0 {
		return done, fmt.Errorf("%s: %w", t.Name, errors.Join(problems...))
	}
	return done, nil
}
