// Package commands runs, from a clean output folder, every Makefile target
// the README documents that can run offline, and checks what each prints:
// the stacks it names, the resources that change, the counts. The targets
// that need AWS are checked for the exact cdk command lines they run, and
// the README's samples of command output against what the commands print.
// Plain Go: it starts make, which starts the CDK CLI.
package commands

import (
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
)

const root = "../.."

// runMake runs a Makefile target from the repository root.
func runMake(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("make", append([]string{"--no-print-directory"}, args...)...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func contains(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s does not print %q; it printed:\n%s", what, w, out)
		}
	}
}

// sample is the indented block of the README that starts with first.
func sample(t *testing.T, doc, first string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, doc))
	if err != nil {
		t.Fatal(err)
	}
	var block []string
	for _, line := range strings.Split(string(raw), "\n") {
		switch {
		case len(block) == 0 && strings.TrimSpace(line) == first:
			block = append(block, line)
		case len(block) > 0 && strings.HasPrefix(line, "    "):
			block = append(block, line)
		case len(block) > 0:
			return dedent(block)
		}
	}
	t.Fatalf("%s has no sample starting %q", doc, first)
	return ""
}

func dedent(lines []string) string {
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "    ")
	}
	return strings.Join(lines, "\n") + "\n"
}

func resources(t *testing.T, path string) int {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct{ Resources map[string]any }
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	return len(tpl.Resources)
}

var summary = regexp.MustCompile(`(?m)^synthesized (\S+) \(fixes: (\S+)\): (\d+) resources;`)

func TestDocumentedMakeTargets(t *testing.T) {
	out := t.TempDir()
	outVar := "OUT=" + out

	t.Run("synth", func(t *testing.T) {
		got := runMake(t, "synth", outVar)
		matches := summary.FindAllStringSubmatch(got, -1)
		if len(matches) != 2 || matches[0][2] != "none" || matches[1][2] != "all" {
			t.Fatalf("want a summary line for none and all, got:\n%s", got)
		}
		for _, m := range matches {
			n := resources(t, filepath.Join(out, m[2], m[1]+".template.json"))
			if fmt.Sprint(n) != m[3] {
				t.Errorf("fixes=%s: synth says %s resources, its template has %d", m[2], m[3], n)
			}
		}
		// The README's sample is what synth prints, with out/ for the folder.
		if want, printed := sample(t, "README.md", "synthesized UnicornRentals (fixes: none): "+matches[0][3]+" resources; 1 Classic LB, 1 EC2 Auto Scaling group, 2 NAT gateway; waste $0.228/h"), strings.ReplaceAll(got, out, "out"); printed != want {
			t.Errorf("the README's sample of make synth:\n%s\nmake synth printed:\n%s", want, printed)
		}
		// Unchanged code is not synthesized again, and says the same.
		if again := runMake(t, "synth", outVar); again != got {
			t.Errorf("a second make synth printed:\n%s\nthe first:\n%s", again, got)
		}
	})

	t.Run("diff to cache shows the distribution added to the game stack", func(t *testing.T) {
		got := runMake(t, "diff", "FROM=none", "TO=cache", outVar)
		contains(t, "make diff TO=cache", got, "Stack UnicornRentals\n", "[+] AWS::CloudFront::Distribution Cdn/Distribution",
			"CloudFormation's plan for UnicornRentals", "add         AWS::CloudFront::Distribution",
			"[+] AWS::CloudFront::CachePolicy Cdn/CachePolicy", "Number of stacks with differences: 1")
		if strings.Contains(got, "UnicornRentals-Chaos") || strings.Contains(got, "There were no differences") {
			t.Errorf("make diff compared the chaos stack, or nothing:\n%s", got)
		}
	})

	t.Run("diff to cleanup shows the waste destroyed", func(t *testing.T) {
		got := runMake(t, "diff", "FROM=cache", "TO=cache,cleanup", outVar)
		set, err := catalog.ParseFixSet("cache,cleanup")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(out, set.Dir(), "UnicornRentals.template.json")); err != nil {
			t.Errorf("make synth and FixSet.Dir name the folder of cache,cleanup differently: %v", err)
		}
		contains(t, "make diff TO=cleanup", got, "[-] AWS::EC2::EIP Ops/Address", "[-] AWS::EC2::Volume Ops/DataVolume",
			"[-] AWS::EC2::Instance Ops/Host", "[-] AWS::EC2::NatGateway Network/Vpc/PublicSubnet2/NATGateway",
			// what the CDK CLI's diff shows as ".Enabled:" alone
			"LaunchTemplateData.Monitoring.Enabled: true -> false")
		if strings.Contains(got, "these gaps come from the jump") {
			t.Errorf("a step of the path is said to jump:\n%s", got)
		}
	})

	t.Run("diff with CHAOS=1 compares both stacks", func(t *testing.T) {
		got := runMake(t, "diff", "CHAOS=1", outVar)
		contains(t, "make diff CHAOS=1", got, "Stack UnicornRentals\n", "Stack UnicornRentals-Chaos\n",
			"[+] AWS::ECS::Service Tasks/Service/Service", "[-] AWS::ElasticLoadBalancing::LoadBalancer Clb/LoadBalancer",
			"these gaps come from the jump: none to all runs 11 steps of the winners' path as one update", "make diff FROM=none TO=cache\n")
	})

	// check, local and the benchmarks run side by side once the others
	// are done: each is a process of its own, none reads another's output.
	t.Run("check", func(t *testing.T) {
		t.Parallel()
		got := runMake(t, "check", outVar)
		want := sample(t, "README.md", "fixes=all")
		contains(t, "make check", got, want, "fixes=none\n  cdk-nag AwsSolutions: ", "the chaos stack\n  cdk-nag AwsSolutions: 0 errors",
			"the facilitator stack (game/teams.example.txt)\n  cdk-nag AwsSolutions: 0 errors")
		for _, f := range []string{"none/game-nag.json", "none/game-control-tower.json", "all/game-nag.json", "all/chaos-nag.json", "all/facilitator-nag.json"} {
			if _, err := os.Stat(filepath.Join(out, "check", f)); err != nil {
				t.Errorf("make check wrote no %s: %v", f, err)
			}
		}
	})

	t.Run("gameday", func(t *testing.T) {
		runMake(t, "gameday")
		help, err := exec.Command(filepath.Join(root, "bin/gameday"), "help").CombinedOutput()
		if err != nil {
			t.Fatal(err)
		}
		contains(t, "bin/gameday help", string(help), "gameday play", "gameday cost", "gameday board", "gameday ctl", "gameday export", "gameday accounts", "gameday worker")
	})

	t.Run("binaries are static linux builds for both architectures", func(t *testing.T) {
		runMake(t, "binaries")
		for arch, machine := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
			f, err := elf.Open(filepath.Join(root, "bin", "hashsvc-linux-"+arch))
			if err != nil {
				t.Fatal(err)
			}
			if f.Machine != machine || f.Type != elf.ET_EXEC {
				t.Errorf("%s: machine %s, type %s; want %s, a static executable", arch, f.Machine, f.Type, machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Errorf("%s asks for a dynamic loader: not static", arch)
				}
			}
			f.Close()
		}
	})

	t.Run("local plays both fix sets side by side", func(t *testing.T) {
		t.Parallel()
		scenario := filepath.Join(t.TempDir(), "short.json")
		os.WriteFile(scenario, []byte(`{"name": "short", "skew": 1.2, "timeout": "10s",
			"phases": [{"name": "one", "duration": "4m", "rate": 2, "keys": 10}]}`), 0o644)
		got := runMake(t, "local", "SCENARIO="+scenario, "SPEED=120", outVar)
		table := regexp.MustCompile(`(?m)^\s*(none|all)\s+(\d+)\s+(-?\d+)\s+(\d+)\s`)
		rows := table.FindAllStringSubmatch(got, -1)
		contains(t, "make local", got, "fixes  processes  score  requests")
		if len(rows) != 2 {
			t.Fatalf("want a row for none and for all:\n%s", got)
		}
		for _, r := range rows {
			if r[4] == "0" {
				t.Errorf("fixes=%s sent no request: %s", r[1], r[0])
			}
		}
	})

	t.Run("the benchmarks run once, briefly", func(t *testing.T) {
		t.Parallel()
		contains(t, "make bench-engine", runMake(t, "bench-engine", "BENCH_SECONDS=1", "GAMEDAY_BENCH_RATE=200"), "answers/s", "p99-µs", "cores")
		contains(t, "make bench-board", runMake(t, "bench-board", "BENCH_SECONDS=2"), "20 teams x 240 req/s", "engine-cores")
		contains(t, "make bench-service", runMake(t, "bench-service", "BENCH_SECONDS=1"), "service-req/s", "bare-req/s", "ratio")
	})
}

// abs is a path as make's abspath writes it.
func abs(t *testing.T, path string) string {
	a, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The targets that need AWS run these cdk commands, naming the stacks the
// app builds for that name.
func TestDeployTargetsRunTheRightCDKCommands(t *testing.T) {
	for args, want := range map[string]string{
		"deploy FIXES=cache,cleanup STACK=Team07":                              "npx --no-install cdk deploy -c fixes=cache,cleanup -c stackName=Team07 --require-approval never Team07\n",
		"deploy AMI=ami-0123456789abcdef0":                                     "npx --no-install cdk deploy -c fixes=none -c stackName=UnicornRentals -c ami=ami-0123456789abcdef0 --require-approval never UnicornRentals\n",
		"deploy FACILITATOR=123456789012 EXTERNAL_ID=team-07-0123456789abcdef": "npx --no-install cdk deploy -c fixes=none -c stackName=UnicornRentals -c facilitatorAccount=123456789012 -c externalId=team-07-0123456789abcdef --require-approval never UnicornRentals\n",
		"deploy": "npx --no-install cdk deploy -c fixes=none -c stackName=UnicornRentals --require-approval never UnicornRentals\n",
		"deploy-chaos STACK=Team07 CHAOS_ARGS=-c\\ chaosSchedule=on": "npx --no-install cdk deploy -c stackName=Team07 -c chaosSchedule=on --require-approval never Team07-Chaos\n",
		"destroy STACK=Team07":                             "npx --no-install cdk destroy -c stackName=Team07 --force Team07-Chaos Team07\n",
		"deploy-facilitator TEAMS=out/teams.txt WORKERS=4": "npx --no-install cdk deploy -c boardTeams=" + abs(t, root+"/out/teams.txt") + " -c boardWorkers=4 --require-approval never UnicornRentals-Facilitator\n",
		"destroy-facilitator TEAMS=out/teams.txt":          "npx --no-install cdk destroy -c boardTeams=" + abs(t, root+"/out/teams.txt") + " --force UnicornRentals-Facilitator\n",
	} {
		cmd := exec.Command("bash", "-c", "make --no-print-directory -n "+args)
		cmd.Dir = root
		got, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make -n %s: %v\n%s", args, err, got)
		}
		if !strings.HasSuffix(string(got), want) {
			t.Errorf("make %s runs:\n%s\nwant it to end with %q", args, got, want)
		}
	}
}

// make help lists every target the README's command table documents.
func TestHelpListsTheDocumentedTargets(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	help := runMake(t, "help")
	targets := regexp.MustCompile("(?m)^\\| `make ([a-z-]+)").FindAllStringSubmatch(string(readme), -1)
	if len(targets) < 15 {
		t.Fatalf("found %d targets in the README's table: the extraction is broken", len(targets))
	}
	for _, m := range targets {
		if !strings.Contains(help, "make "+m[1]+" ") {
			t.Errorf("make help does not list %s", m[1])
		}
	}
}
