package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/teamsfile"
)

// Team is one team's account, as the accounts file names it.
type Team struct {
	Name string
	Account
}

// ParseTeams reads an accounts file: a team a line, "name access
// [region]", where access is an AWS profile or a role ARN to assume from
// the facilitator's credentials; # starts a comment.
func ParseTeams(r io.Reader, name string) ([]Team, error) {
	var out []Team
	seen := map[string]int{}
	err := teamsfile.Lines(r, name, func(line int, f []string) error {
		if len(f) < 2 || len(f) > 3 {
			return fmt.Errorf("%q: want \"name profile-or-role-ARN [region]\", e.g. \"team-01 arn:aws:iam::123456789012:role/OrganizationAccountAccessRole us-east-1\"", strings.Join(f, " "))
		}
		if err := teamsfile.CheckName(f[0]); err != nil {
			return err
		}
		if first, dup := seen[f[0]]; dup {
			return fmt.Errorf("team %q is already on line %d: give each team its own name (its deploy gets a folder of its own)", f[0], first)
		}
		seen[f[0]] = line
		t := Team{Name: f[0]}
		if strings.HasPrefix(f[1], "arn:") {
			if err := teamsfile.CheckRoleARN(f[1]); err != nil {
				return err
			}
			t.RoleARN = f[1]
		} else {
			t.Profile = f[1]
		}
		if len(f) == 3 {
			t.Region = f[2]
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no teams: want a line per team, \"name profile-or-role-ARN [region]\"", name)
	}
	return out, nil
}

// DeployOptions say how to deploy every team's stack.
type DeployOptions struct {
	// Dir holds one folder per team: its cloud assembly, outputs and log.
	Dir string
	// Context is the app's -c values (fixes, ami, facilitatorAccount...).
	Context map[string]string
	// Stack is the game stack's name. Default UnicornRentals.
	Stack string
	// Parallel deploys at once. Default 5.
	Parallel int
	// Attempts per team when CloudFormation or the CLI is throttled.
	// Default 3.
	Attempts int
	// Progress gets a line per team and attempt.
	Progress io.Writer
	// PlayersRole is the role each team signs in with, in its account:
	// once the stack is deployed, its players' guardrail is attached to
	// it. Empty: the facilitator attaches it (or an SCP holds the rules).
	PlayersRole string
}

// Deployed is one team's deploy.
type Deployed struct {
	Team     string
	Endpoint string
	Role     string // the stack's BillReaderRoleArn output, if it has one
	// ExternalID is the team's own secret the role's trust requires (made
	// for it when the stack has the role, and kept for every redeploy).
	ExternalID string
	Stack      string
	Err        error
	Took       time.Duration
}

// throttled output of the CDK CLI or CloudFormation, worth a new attempt.
var throttledOutput = regexp.MustCompile(`(?i)throttl|rate exceeded|too many requests`)

// Deploy deploys the game stack and its chaos stack to every team's
// account at once (at most Parallel), each with its own cloud assembly so
// deploys do not collide, through `npx --no-install cdk deploy` with the
// team's credentials. It returns each team's result in the file's order.
func Deploy(ctx context.Context, teams []Team, o DeployOptions) []Deployed {
	out := make([]Deployed, len(teams))
	fanOut(teams, &o, func(i int, t Team, say func(string, ...any)) {
		start := time.Now()
		out[i] = deployOne(ctx, t, o, say)
		out[i].Took = time.Since(start).Round(time.Second)
		if out[i].Err != nil {
			say("%-12s failed after %s: %v", t.Name, out[i].Took, out[i].Err)
		} else {
			say("%-12s deployed in %s: %s", t.Name, out[i].Took, out[i].Endpoint)
		}
	})
	return out
}

// fanOut fills o's defaults and runs do for every team, at most
// o.Parallel at once, each with a progress writer of its own line.
func fanOut(teams []Team, o *DeployOptions, do func(i int, t Team, say func(string, ...any))) {
	if o.Stack == "" {
		o.Stack = contract.DefaultStackName
	}
	if o.Parallel <= 0 {
		o.Parallel = 5
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	var mu sync.Mutex
	say := func(format string, a ...any) {
		if o.Progress != nil {
			mu.Lock()
			fmt.Fprintf(o.Progress, format+"\n", a...)
			mu.Unlock()
		}
	}
	slots := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, t := range teams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			do(i, t, say)
		}()
	}
	wg.Wait()
}

func deployOne(ctx context.Context, t Team, o DeployOptions, say func(string, ...any)) Deployed {
	d := Deployed{Team: t.Name, Stack: o.Stack}
	dir := filepath.Join(o.Dir, t.Name)
	outputs := filepath.Join(dir, "outputs.json")
	args := []string{"deploy", "-c", "stackName=" + o.Stack}
	for k, v := range o.Context {
		args = append(args, "-c", k+"="+v)
	}
	if o.Context["facilitatorAccount"] != "" && o.Context["externalId"] == "" {
		// Each team its own, kept beside its deploy: a redeploy keeps the
		// role's trust and the board's teams file as they were.
		if d.ExternalID, d.Err = externalID(dir); d.Err != nil {
			return d
		}
		args = append(args, "-c", "externalId="+d.ExternalID)
	}
	// The chaos stack beside the game stack, in the same deploy: it holds
	// the role the board starts the script's experiments with, trusting
	// the facilitator's account with the same ExternalId (no schedule of
	// its own unless the context gives one).
	args = append(args, "--output", filepath.Join(dir, "cdk.out"), "--outputs-file", outputs, "--require-approval", "never", "--progress", "events", o.Stack, contract.ChaosStackName(o.Stack))
	if d.Err = runCDK(ctx, t, dir, args, o.Attempts, say); d.Err != nil {
		return d
	}
	raw, err := os.ReadFile(outputs)
	if err != nil {
		d.Err = fmt.Errorf("the deploy wrote no outputs: %w", err)
		return d
	}
	var stacks map[string]map[string]string
	if err := json.Unmarshal(raw, &stacks); err != nil {
		d.Err = fmt.Errorf("%s: %w", outputs, err)
		return d
	}
	d.Endpoint, d.Role = stacks[o.Stack]["Endpoint"], stacks[o.Stack][contract.BillReaderRoleOutput]
	if d.Endpoint == "" {
		d.Err = fmt.Errorf("%s: no Endpoint output for stack %s", outputs, o.Stack)
		return d
	}
	if o.PlayersRole != "" {
		d.Err = attachGuardrail(ctx, t, o.PlayersRole, stacks[o.Stack][contract.GuardrailOutput])
	}
	return d
}

// attachGuardrail attaches the stack's players' guardrail to the role the
// team signs in with; attaching one already attached changes nothing.
func attachGuardrail(ctx context.Context, t Team, role, policy string) error {
	if policy == "" {
		return fmt.Errorf("the stack has no %s output to attach to %s: update the game stack", contract.GuardrailOutput, role)
	}
	c, err := Connect(ctx, t.Account)
	if err != nil {
		return err
	}
	if _, err := c.IAM.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(role), PolicyArn: aws.String(policy)}); err != nil {
		return fmt.Errorf("the players' guardrail, to role %s: %w", role, &CallError{"iam:AttachRolePolicy", err})
	}
	return nil
}

// runCDK runs the CDK CLI for one team, with its credentials, logging to
// its folder, and tries again when it was throttled.
func runCDK(ctx context.Context, t Team, dir string, args []string, attempts int, say func(string, ...any)) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	env, err := credentialsEnv(ctx, t.Account)
	if err != nil {
		return err
	}
	verb := args[0]
	var last error
	for attempt := 1; attempt <= attempts; attempt++ {
		say("%-12s cdk %s, attempt %d of %d", t.Name, verb, attempt, attempts)
		cmd := exec.CommandContext(ctx, "npx", append([]string{"--no-install", "cdk"}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		logged, err := cmd.CombinedOutput()
		log := filepath.Join(dir, verb+".log")
		_ = os.WriteFile(log, logged, 0o644)
		if err == nil {
			return nil
		}
		last = fmt.Errorf("cdk %s: %v (log: %s)", verb, err, log)
		if !throttledOutput.Match(logged) || ctx.Err() != nil {
			return last
		}
		time.Sleep(time.Duration(attempt) * backoff)
	}
	return last
}

// Destroy deletes every team's chaos stack and game stack, in parallel,
// and returns each team's error, if any, in the file's order.
func Destroy(ctx context.Context, teams []Team, o DeployOptions) []error {
	out := make([]error, len(teams))
	fanOut(teams, &o, func(i int, t Team, say func(string, ...any)) {
		args := []string{"destroy", "--force", "-c", "stackName=" + o.Stack, "--output", filepath.Join(o.Dir, t.Name, "cdk.out"), contract.ChaosStackName(o.Stack), o.Stack}
		out[i] = runCDK(ctx, t, filepath.Join(o.Dir, t.Name), args, o.Attempts, say)
	})
	return out
}

// backoff is the wait before a throttled deploy's next attempt, times
// the attempt number.
var backoff = 30 * time.Second

// credentialsEnv is the environment that gives the CDK CLI a team's
// credentials: its profile, or temporary credentials of its role.
func credentialsEnv(ctx context.Context, a Account) ([]string, error) {
	region := a.Region
	if region == "" {
		region = DefaultRegion
	}
	env := []string{"AWS_REGION=" + region, "AWS_DEFAULT_REGION=" + region, "CDK_DEFAULT_REGION=" + region}
	if a.RoleARN == "" {
		if a.Profile != "" {
			env = append(env, "AWS_PROFILE="+a.Profile)
		}
		return env, nil
	}
	c, err := Connect(ctx, a)
	if err != nil {
		return nil, err
	}
	creds, err := c.EC2.Options().Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("assuming %s: %w", a.RoleARN, err)
	}
	return append(env, "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey, "AWS_SESSION_TOKEN="+creds.SessionToken), nil
}

// TeamsFile writes the board's teams file from the deploys that worked:
// "name endpoint live:<role>#<external ID> [stack]" when the stack has the bill-reading
// role (the stack's name when it is not the default one).
func TeamsFile(w io.Writer, deployed []Deployed) error {
	var teams []teamsfile.Team
	for _, d := range deployed {
		if d.Err != nil {
			continue
		}
		t := teamsfile.Team{Name: d.Team, Endpoint: d.Endpoint}
		if d.Role != "" {
			t.Cost = "live:" + teamsfile.Cost{Role: d.Role, ExternalID: d.ExternalID}.Access()
			if d.Stack != "" && d.Stack != contract.DefaultStackName {
				t.Stack = d.Stack
			}
		}
		teams = append(teams, t)
	}
	return teamsfile.Write(w, teams)
}

// externalID is the team's ExternalId kept in its folder, made the first
// time: 20 random bytes in hex.
func externalID(dir string) (string, error) {
	path := filepath.Join(dir, "external-id")
	if b, err := os.ReadFile(path); err == nil {
		id := strings.TrimSpace(string(b))
		return id, teamsfile.CheckExternalID(id)
	}
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	return id, os.WriteFile(path, []byte(id+"\n"), 0o600)
}
