package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/unicorn-rentals/gameday/game/accounts"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

// gameday accounts teardown destroys every team's stacks (a stand-in npx
// here) and then lists, from the live inventory in moto's account, what
// still bills: a leftover instance, with its price.
func TestTeardownListsALeftoverInstance(t *testing.T) {
	moto := testkit.Moto(t)
	t.Setenv("AWS_ENDPOINT_URL", moto) // the SDK's own setting: every call to moto
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "npx"), []byte("#!/bin/sh\necho \"$@\" >> "+bin+"/calls\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	ctx := context.Background()
	c, err := accounts.Connect(ctx, accounts.Account{})
	if err != nil {
		t.Fatal(err)
	}
	images, err := c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	if err != nil || len(images.Images) == 0 {
		t.Fatalf("moto lists no image: %v", err)
	}
	if _, err := c.EC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: images.Images[0].ImageId, InstanceType: ec2types.InstanceTypeM5Large, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "accounts.txt")
	os.WriteFile(file, []byte("team-01 arn:aws:iam::123456789012:role/OrganizationAccountAccessRole\n"), 0o644)
	var stdout, stderr strings.Builder
	err = run(ctx, []string{"accounts", "teardown", "--accounts", file, "--out", t.TempDir()}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "still bill") {
		t.Errorf("error %v: want the account that still bills", err)
	}
	if out := stdout.String(); !strings.Contains(out, "team-01      still bills:") || !strings.Contains(out, "EC2 m5.large: $0.0960/h (1 running)") {
		t.Errorf("report:\n%s%s", out, stderr.String())
	}
	calls, _ := os.ReadFile(filepath.Join(bin, "calls"))
	if !strings.Contains(string(calls), "cdk destroy --force -c stackName=UnicornRentals") || !strings.Contains(string(calls), "UnicornRentals-Chaos UnicornRentals") {
		t.Errorf("npx calls: %s", calls)
	}
	// On request, it deletes the instance, and the account bills nothing.
	stdout.Reset()
	if err := run(ctx, []string{"accounts", "teardown", "--accounts", file, "--out", t.TempDir(), "--delete"}, &stdout, &stderr); err != nil {
		t.Errorf("teardown --delete: %v\n%s", err, stdout.String())
	}
	if out := stdout.String(); !strings.Contains(out, "team-01      deleted 1 instances") || !strings.Contains(out, "team-01      nothing left that bills") {
		t.Errorf("report:\n%s", out)
	}
}

// Without credentials to assume the teams' roles with, preflight says so
// once, with the fix, instead of failing every check of every account.
func TestPreflightWithoutBaseCredentialsSaysSoOnce(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": empty, "AWS_SHARED_CREDENTIALS_FILE": empty, "AWS_EC2_METADATA_DISABLED": "true", "AWS_WEB_IDENTITY_TOKEN_FILE": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": ""} {
		t.Setenv(k, v)
	}
	file := filepath.Join(t.TempDir(), "accounts.txt")
	var lines strings.Builder
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&lines, "team-%02d arn:aws:iam::%012d:role/OrganizationAccountAccessRole\n", i, 100000000000+i)
	}
	os.WriteFile(file, []byte(lines.String()), 0o644)
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"accounts", "preflight", "--accounts", file}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "no credentials to assume the teams' roles with") || !strings.Contains(err.Error(), "aws sso login") {
		t.Errorf("error %v: want the missing base credentials and the fix", err)
	}
	if strings.Count(stdout.String(), "FAIL") != 0 {
		t.Errorf("printed a failure per check:\n%s", stdout.String())
	}
}

// Preflight prints one line an account, then only its failures with their
// fixes; --details adds the checks that passed.
func TestPreflightIsOneLineAnAccount(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", testkit.Moto(t))
	file := filepath.Join(t.TempDir(), "accounts.txt")
	os.WriteFile(file, []byte("team-01 arn:aws:iam::123456789012:role/OrganizationAccountAccessRole\nteam-02 arn:aws:iam::123456789012:role/OrganizationAccountAccessRole\n"), 0o644)
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"accounts", "preflight", "--accounts", file}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "in 2 of 2 accounts") {
		t.Errorf("error %v", err)
	}
	out := stdout.String()
	if !strings.Contains(out, "team-01      FAIL  CDK bootstrap") || !strings.Contains(out, "fix: npx cdk bootstrap") || strings.Contains(out, "    ok  ") {
		t.Errorf("report:\n%s", out)
	}
	stdout.Reset()
	run(context.Background(), []string{"accounts", "preflight", "--accounts", file, "--details"}, &stdout, &stderr)
	if !strings.Contains(stdout.String(), "    ok    CloudFront: reachable") {
		t.Errorf("--details:\n%s", stdout.String())
	}
}

// preflight --fix creates the missing service-linked roles and bootstraps
// the CDK (a stand-in npx), then checks again.
func TestPreflightFixDoesWhatItCan(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", testkit.Moto(t))
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "npx"), []byte("#!/bin/sh\necho \"$@\" >> "+bin+"/calls\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	file := filepath.Join(t.TempDir(), "accounts.txt")
	os.WriteFile(file, []byte("team-01 arn:aws:iam::123456789012:role/OrganizationAccountAccessRole\n"), 0o644)
	var stdout, stderr strings.Builder
	run(context.Background(), []string{"accounts", "preflight", "--accounts", file, "--fix", "--out", t.TempDir()}, &stdout, &stderr)
	out := stdout.String()
	if !strings.Contains(out, "team-01      fixed: bootstrapped aws://123456789012/us-east-1") || !strings.Contains(out, "team-01      fixed: created AWSServiceRoleForECS") {
		t.Errorf("report:\n%s%s", out, stderr.String())
	}
	calls, _ := os.ReadFile(filepath.Join(bin, "calls"))
	if !strings.Contains(string(calls), "cdk bootstrap aws://123456789012/us-east-1") {
		t.Errorf("npx calls: %s", calls)
	}
}
