package test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/catalog"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/gates/plan"
	"github.com/unicorn-rentals/gameday/test/testkit"
)

// The documents a facilitator or a team follows. Their commands must work
// with the code as it is.
var documents = []string{"README.md", "docs/facilitator.md", "docs/runbook.md", "docs/solutions.md",
	"docs/scoreboard.md", "docs/chaos.md", "docs/game.md", "docs/local.md", "docs/architecture.md"}

// docCommand is a piece of code quoted in a document.
type docCommand struct {
	where, text string
}

var (
	inlineCode   = regexp.MustCompile("`([^`]+)`")
	makeCall     = regexp.MustCompile(`(?:^|[\s;(])make ([a-z][a-z-]*)((?:\s+[A-Z_]+=(?:"[^"]*"|\S+))*)`)
	makeVar      = regexp.MustCompile(`([A-Z_]+)=`)
	gamedayCall  = regexp.MustCompile(`(?:^|[\s;(/])gameday ([a-z]+)([^|;&#]*)`)
	longFlag     = regexp.MustCompile(`(?:^|\s)--([a-z][a-z-]*)`)
	cdkCall      = regexp.MustCompile(`(?:^|[\s;(])npx cdk ([a-z]+)([^|;&#]*)`)
	contextValue = regexp.MustCompile(`-c ([A-Za-z]+)=("[^"]*"|[^\s"]+)`)
	makeTarget   = regexp.MustCompile(`(?m)^([a-z][a-z-]*):`)
	makeVarDef   = regexp.MustCompile(`(?m)^([A-Z_]+)\s*\??=|\$\(([A-Z_]+)\)|\$\$\{([A-Z_]+):-`)
)

// quotedCode returns the code blocks (fenced or indented) and the inline
// code spans of a Markdown file, with continuation lines joined.
func quotedCode(t *testing.T, path string) []docCommand {
	b, err := os.ReadFile(filepath.Join("..", path))
	if err != nil {
		t.Fatal(err)
	}
	var out []docCommand
	lines := strings.Split(string(b), "\n")
	fenced := false
	var paragraph []string
	flush := func(n int) {
		for _, m := range inlineCode.FindAllStringSubmatch(strings.Join(paragraph, " "), -1) {
			out = append(out, docCommand{where: path + ":" + strconv.Itoa(n), text: m[1]})
		}
		paragraph = nil
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced || strings.HasPrefix(line, "    ") {
			text := strings.TrimSpace(line)
			for strings.HasSuffix(text, `\`) && i+1 < len(lines) {
				i++
				text = strings.TrimSuffix(text, `\`) + " " + strings.TrimSpace(lines[i])
			}
			out = append(out, docCommand{where: path + ":" + strconv.Itoa(i+1), text: text})
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush(i)
			continue
		}
		paragraph = append(paragraph, line)
	}
	flush(len(lines))
	return out
}

func allQuotedCode(t *testing.T) []docCommand {
	var all []docCommand
	for _, d := range documents {
		all = append(all, quotedCode(t, d)...)
	}
	return all
}

func TestEveryMakeTargetAndVariableInTheDocsExists(t *testing.T) {
	mk, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	targets := map[string]bool{}
	for _, m := range makeTarget.FindAllStringSubmatch(string(mk), -1) {
		targets[m[1]] = true
	}
	vars := map[string]bool{}
	for _, m := range makeVarDef.FindAllStringSubmatch(string(mk), -1) {
		vars[m[1]+m[2]+m[3]] = true
	}
	seen := 0
	for _, c := range allQuotedCode(t) {
		for _, m := range makeCall.FindAllStringSubmatch(c.text, -1) {
			seen++
			if !targets[m[1]] {
				t.Errorf("%s: make %s: the Makefile has no such target", c.where, m[1])
			}
			for _, v := range makeVar.FindAllStringSubmatch(m[2], -1) {
				if !vars[v[1]] {
					t.Errorf("%s: make %s %s=: the Makefile reads no such variable", c.where, m[1], v[1])
				}
			}
		}
	}
	if seen < 40 {
		t.Errorf("found %d make commands in the docs: the extraction is broken", seen)
	}
}

func TestEveryGamedayCommandAndFlagInTheDocsExists(t *testing.T) {
	bin := testkit.Build(t, "..", "./game/cmd/gameday")
	help := map[string]string{}
	helpOf := func(sub string) string {
		if h, ok := help[sub]; ok {
			return h
		}
		out, _ := exec.Command(bin, sub, "-h").CombinedOutput()
		help[sub] = string(out)
		return help[sub]
	}
	actions := []string{"pause", "resume", "end", "move", "cost", "chaos", "note", "workers", "award", "hint", "freeze", "reveal", "hide", "show", "teams"}
	seen := 0
	for _, c := range allQuotedCode(t) {
		for _, m := range gamedayCall.FindAllStringSubmatch(c.text, -1) {
			sub, rest := m[1], m[2]
			if !slices.Contains([]string{"play", "cost", "board", "worker", "ctl", "export", "debrief"}, sub) {
				continue // prose such as "gameday board plays ..." is caught by the flag check below
			}
			seen++
			h := helpOf(sub)
			for _, f := range longFlag.FindAllStringSubmatch(rest, -1) {
				if !strings.Contains(h, "  -"+f[1]+" ") && !strings.Contains(h, "  -"+f[1]+"\n") {
					t.Errorf("%s: gameday %s --%s: no such flag (gameday %s -h)", c.where, sub, f[1], sub)
				}
			}
			if sub == "ctl" {
				words := strings.Fields(longFlag.ReplaceAllString(rest, " "))
				// The server flag's value: a URL, or a variable holding one.
				for len(words) > 0 && (strings.HasPrefix(words[0], "http") || strings.HasPrefix(strings.Trim(words[0], `"`), "$")) {
					words = words[1:]
				}
				if len(words) > 0 && !slices.Contains(actions, words[0]) && words[0] != "ACTION" {
					t.Errorf("%s: gameday ctl %s: not an action (%v)", c.where, words[0], actions)
				}
			}
		}
	}
	if seen < 15 {
		t.Errorf("found %d gameday commands in the docs: the extraction is broken", seen)
	}
}

func TestEveryContextValueInTheDocsIsAccepted(t *testing.T) {
	read := map[string]bool{}
	config.FromContext(func(key string) any { read[key] = true; return nil })
	seen := 0
	for _, c := range allQuotedCode(t) {
		ctx := map[string]any{}
		placeholder := false
		for _, m := range contextValue.FindAllStringSubmatch(c.text, -1) {
			seen++
			if !read[m[1]] {
				t.Errorf("%s: -c %s: the app reads no such context key", c.where, m[1])
				continue
			}
			v := strings.Trim(m[2], `"`)
			placeholder = placeholder || strings.HasPrefix(v, "<") || strings.Contains(v, "...") || strings.Contains(v, "$")
			ctx[m[1]] = v
		}
		if len(ctx) == 0 || placeholder {
			continue
		}
		if _, err := config.FromContext(func(key string) any { return ctx[key] }); err != nil {
			t.Errorf("%s: %s: %v", c.where, c.text, err)
		}
	}
	if seen < 10 {
		t.Errorf("found %d context values in the docs: the extraction is broken", seen)
	}
}

func TestEveryCDKCommandInTheDocsIsOneTheCLIHas(t *testing.T) {
	help := map[string]string{}
	seen := 0
	for _, c := range allQuotedCode(t) {
		for _, m := range cdkCall.FindAllStringSubmatch(c.text, -1) {
			sub := m[1]
			seen++
			h, ok := help[sub]
			if !ok {
				cmd := exec.Command("npx", "--no-install", "cdk", sub, "--help")
				cmd.Dir = ".."
				out, err := cmd.CombinedOutput()
				if err != nil && !bytes.Contains(out, []byte("Options:")) {
					t.Fatalf("npx cdk %s --help: %v\n%s (make tools installs the CDK CLI)", sub, err, out)
				}
				h = string(out)
				help[sub] = h
			}
			if !strings.Contains(h, "cdk "+sub) {
				t.Errorf("%s: npx cdk %s: the CLI has no such command", c.where, sub)
			}
			for _, f := range longFlag.FindAllStringSubmatch(m[2], -1) {
				if !strings.Contains(h, "--"+f[1]) {
					t.Errorf("%s: npx cdk %s --%s: no such option (npx cdk %s --help)", c.where, sub, f[1], sub)
				}
			}
		}
	}
	if seen < 5 {
		t.Errorf("found %d cdk commands in the docs: the extraction is broken", seen)
	}
}

// The app has two stacks, so the CLI refuses a deploy or destroy that
// names none ("Since this app includes more than a single stack, specify
// which stacks to use"): every such command in the docs names stacks the
// app builds for its context, as cdk list would print them.
func TestEveryCDKCommandInTheDocsNamesStacksTheAppHas(t *testing.T) {
	cmd := exec.Command("npx", "--no-install", "cdk", "list")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CDK_VALIDATION=false")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("npx cdk list: %v", err)
	}
	listed := strings.Fields(string(out))
	stackNames := func(ctx map[string]any) []string {
		cfg, err := config.FromContext(func(k string) any { return ctx[k] })
		if err != nil {
			t.Fatal(err)
		}
		names := []string{cfg.StackName, contract.ChaosStackName(cfg.StackName)}
		if cfg.Target {
			names = append(names, contract.TargetStackName(cfg.StackName))
		}
		return names
	}
	if got := stackNames(nil); !slices.Equal(slices.Sorted(slices.Values(listed)), slices.Sorted(slices.Values(got))) {
		t.Fatalf("cdk list prints %v; the app's names for its default context are %v", listed, got)
	}
	seen := 0
	for _, c := range allQuotedCode(t) {
		for _, m := range cdkCall.FindAllStringSubmatch(c.text, -1) {
			sub, args := m[1], m[2]
			if sub != "deploy" && sub != "destroy" && sub != "diff" {
				continue
			}
			seen++
			ctx := map[string]any{}
			for _, v := range contextValue.FindAllStringSubmatch(args, -1) {
				ctx[v[1]] = strings.Trim(v[2], `"`)
			}
			args = contextValue.ReplaceAllString(args, "")
			var named []string
			for _, w := range strings.Fields(args) {
				if !strings.HasPrefix(w, "-") && !strings.ContainsAny(w, "=.<>$") {
					named = append(named, w)
				}
			}
			if len(named) == 0 && !strings.Contains(args, "--all") && sub != "diff" {
				t.Errorf("%s: npx cdk %s names no stack: the CLI refuses it, the app has %v", c.where, sub, stackNames(ctx))
			}
			for _, n := range named {
				if !slices.Contains(stackNames(ctx), n) {
					t.Errorf("%s: npx cdk %s %s: no such stack; with that context the app has %v", c.where, sub, n, stackNames(ctx))
				}
			}
		}
	}
	if seen < 4 {
		t.Errorf("found %d cdk deploy, destroy or diff commands in the docs: the extraction is broken", seen)
	}
}

// Every flaw's clue is found somewhere the runbook tells teams to look.
func TestTheRunbookPointsToWhereEveryFlawsClueIs(t *testing.T) {
	b, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	_, where, ok := strings.Cut(string(b), "## Where to look")
	if !ok {
		t.Fatal("docs/runbook.md has no \"Where to look\" section")
	}
	where = strings.ToLower(where)
	places := []string{"load balancer", "auto scaling group", "launch template", "user data", "volumes", "elastic ip", "instances",
		"subnets", "nat gateway", "security group", "cloudwatch", "cloudformation", "cloudtrail", "cloud-init-output.log", "df"}
	for _, f := range catalog.Flaws {
		clue := strings.ToLower(f.Clue)
		if !slices.ContainsFunc(places, func(p string) bool { return strings.Contains(clue, p) && strings.Contains(where, p) }) {
			t.Errorf("flaw %s: its clue (%s) is in no place the runbook's \"Where to look\" names", f.ID, f.Clue)
		}
	}
}

var awsCall = regexp.MustCompile(`(?:^|[\s;(=])aws ([a-z0-9-]+) ([a-z0-9-]+)`)

// awsCLI is the AWS CLI the docs are checked against: $AWS_CLI, or
// Debian's (make docs-tools installs it), which is version 2.
func awsCLI(t *testing.T) string {
	if p := os.Getenv("AWS_CLI"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/aws"); err != nil {
		t.Fatal("no AWS CLI at /usr/bin/aws: run make docs-tools (apt-get install awscli), or set AWS_CLI to one")
	}
	return "/usr/bin/aws"
}

// shellWords splits a command line as a shell would, quotes removed,
// up to the first unquoted operator that ends the command.
func shellWords(line string) []string {
	var words []string
	var word strings.Builder
	inWord := false
	quote := rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case strings.ContainsRune("|>;&)#", r):
			if inWord {
				words = append(words, word.String())
			}
			return words
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}

// Every aws command the docs give a team or a facilitator is parsed by the
// AWS CLI itself: --generate-cli-skeleton makes it check the service, the
// operation and every option, and stop before it needs an account.
func TestEveryAWSCommandInTheDocsIsOneTheCLITakes(t *testing.T) {
	cli := awsCLI(t)
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_REGION=us-east-1", "AWS_PAGER=",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true"}
	seen := 0
	for _, c := range allQuotedCode(t) {
		for _, m := range awsCall.FindAllStringSubmatchIndex(c.text, -1) {
			service, op := c.text[m[2]:m[3]], c.text[m[4]:m[5]]
			if service == "configure" {
				continue // interactive, and local: it calls no service
			}
			seen++
			args := append([]string{service, op}, shellWords(c.text[m[5]:])...)
			cmd := exec.Command(cli, append(args, "--generate-cli-skeleton", "input")...)
			cmd.Dir, cmd.Env = home, env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: aws %s: the AWS CLI refuses it: %v\n%s", c.where, strings.Join(args, " "), err, bytes.TrimSpace(out))
			}
		}
	}
	if seen < 8 {
		t.Errorf("found %d aws commands in the docs: the extraction is broken", seen)
	}
}

func TestShellWordsStopsAtTheEndOfTheCommand(t *testing.T) {
	got := shellWords(` --query "a[?b=='c'].d | e" --id "$id" --output text) > out.json`)
	want := []string{"--query", "a[?b=='c'].d | e", "--id", "$id", "--output", "text"}
	if !slices.Equal(got, want) {
		t.Errorf("shellWords: %q, want %q", got, want)
	}
}

// diffLine is one resource line of a `cdk diff` excerpt: [+] added, [-]
// removed, [~] changed, by type and construct path.
var diffLine = regexp.MustCompile(`^    \[([+~-])\] (AWS::\S+|Custom::\S+) (\S+)`)

// stepHeading is the heading of one step of the answer key: "## 5. `alb`".
var stepHeading = regexp.MustCompile("^## ([0-9]+)\\. `([a-z0-9-]+)`")

// planMarker introduces a step's update plan in the answer key.
const planMarker = "**The update as CloudFormation runs it** (`make diff` prints it; `gates/plan` checks every moment of it):"

// The answer key shows, per step, the update plan and the serving path's
// gaps exactly as gates/plan derives them from the step's two templates.
// UPDATE_DOCS=1 (make docs) writes them.
func TestTheAnswerKeysPlansAreTheCheckersOutput(t *testing.T) {
	raw, err := os.ReadFile("../docs/solutions.md")
	if err != nil {
		t.Fatal(err)
	}
	rules := replacementRules(t)
	lines := strings.Split(string(raw), "\n")
	var out []string
	step, seen := 0, 0
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := stepHeading.FindStringSubmatch(line); m != nil {
			step, _ = strconv.Atoi(m[1])
			if step < 1 || step > len(catalog.AllFixes) || catalog.AllFixes[step-1] != catalog.Fix(m[2]) {
				t.Fatalf("section %s is %s: not the path's step", m[1], m[2])
			}
		} else if strings.HasPrefix(line, "## ") {
			step = 0
		}
		if step == 0 || (line != planMarker && !strings.HasPrefix(line, "**Effect**")) {
			out = append(out, line)
			continue
		}
		before := synth(t, catalog.NewFixSet(catalog.AllFixes[:step-1]...).String(), synthOptions{})
		after := synth(t, catalog.NewFixSet(catalog.AllFixes[:step]...).String(), synthOptions{})
		p := plan.Update(before.raw, after.raw, rules)
		gaps, err := plan.Gaps(before.raw, after.raw, p)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.Split(strings.TrimSuffix(p.String()+plan.GapReport(gaps), "\n"), "\n")
		for j := range want {
			want[j] = "    " + want[j]
		}
		if line == planMarker {
			seen++
			var shown []string
			for i += 2; i < len(lines) && strings.HasPrefix(lines[i], "    "); i++ {
				shown = append(shown, lines[i])
			}
			i-- // the blank line after the block is kept by the next turn
			if strings.Join(shown, "\n") != strings.Join(want, "\n") && os.Getenv("UPDATE_DOCS") == "" {
				t.Errorf("step %d: docs/solutions.md shows\n%s\nthe checker says\n%s\n(make docs writes it)", step, strings.Join(shown, "\n"), strings.Join(want, "\n"))
			}
			out = append(out, planMarker, "")
			out = append(out, want...)
			step = 0
			continue
		}
		// An **Effect** line in a step with no plan yet.
		if os.Getenv("UPDATE_DOCS") == "" {
			t.Errorf("step %d shows no update plan (make docs writes it)", step)
		} else {
			seen++
			out = append(out, planMarker, "")
			out = append(out, want...)
			out = append(out, "")
		}
		out = append(out, line)
		step = 0
	}
	if os.Getenv("UPDATE_DOCS") != "" {
		if err := os.WriteFile("../docs/solutions.md", []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if seen != len(catalog.AllFixes) {
		t.Errorf("%d steps show their plan, want %d", seen, len(catalog.AllFixes))
	}
}

// The answer key's `cdk diff` excerpts say what the templates of each step
// of the path really change: every line names a resource of that type and
// path added, removed or changed between the step's two templates.
func TestTheAnswerKeysDiffsAreWhatTheTemplatesSay(t *testing.T) {
	raw, err := os.ReadFile("../docs/solutions.md")
	if err != nil {
		t.Fatal(err)
	}
	byPath := func(tpl *template) map[string]resource {
		out := map[string]resource{}
		for id, r := range tpl.resources {
			meta, _ := r["Metadata"].(map[string]any)
			path, _ := meta["aws:cdk:path"].(string)
			path = strings.TrimSuffix(strings.TrimPrefix(path, "UnicornRentals/"), "/Resource")
			out[fmt.Sprint(r["Type"])+" "+path] = resource{id, r}
		}
		return out
	}
	step, checked := 0, 0
	var before, after map[string]resource
	for _, line := range strings.Split(string(raw), "\n") {
		if m := stepHeading.FindStringSubmatch(line); m != nil {
			step, _ = strconv.Atoi(m[1])
			if catalog.AllFixes[step-1] != catalog.Fix(m[2]) {
				t.Fatalf("section %s is %s; the path's step %d is %s", m[1], m[2], step, catalog.AllFixes[step-1])
			}
			before = byPath(synth(t, catalog.NewFixSet(catalog.AllFixes[:step-1]...).String(), synthOptions{}))
			after = byPath(synth(t, catalog.NewFixSet(catalog.AllFixes[:step]...).String(), synthOptions{}))
			continue
		}
		m := diffLine.FindStringSubmatch(line)
		if m == nil || step == 0 {
			continue
		}
		checked++
		key := m[2] + " " + m[3]
		old, wasThere := before[key]
		now, isThere := after[key]
		switch {
		case m[1] == "+" && (!isThere || (wasThere && old.id == now.id)):
			t.Errorf("step %d says %s is added: the templates do not", step, key)
		case m[1] == "-" && (!wasThere || (isThere && old.id == now.id)):
			t.Errorf("step %d says %s is removed: the templates do not", step, key)
		case m[1] == "~" && (!wasThere || !isThere || text(old.body) == text(now.body)):
			t.Errorf("step %d says %s changes: the templates do not", step, key)
		}
	}
	if checked < 40 {
		t.Errorf("checked %d diff lines of docs/solutions.md: the extraction is broken", checked)
	}
}

// The runbook describes the answer without its formula: the key is what
// makes it the service's alone, but a formula in print invites a team to
// compute it elsewhere.
func TestTheRunbookGivesNoFormulaForTheAnswer(t *testing.T) {
	b, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, word := range []string{"SHA-", "SHA2", "sha256", "HMAC", "hex(", "createHash"} {
		if strings.Contains(string(b), word) {
			t.Errorf("docs/runbook.md names the answer's formula (%q): describe the answer, not how it is computed", word)
		}
	}
}

// The runbook tells players that quests and hints exist and gives none
// away: no flaw's hint, at any level, is in it.
func TestTheRunbookGivesNoHintAway(t *testing.T) {
	runbook, err := os.ReadFile("../docs/runbook.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(runbook)), " ")
	for _, want := range []string{"**Quests.**", "**Hints.**"} {
		if !strings.Contains(text, want) {
			t.Errorf("docs/runbook.md does not say %s", want)
		}
	}
	for _, f := range catalog.Flaws {
		for level := 1; level <= catalog.HintLevels; level++ {
			h, _ := f.Hint(level)
			if strings.Contains(text, strings.Join(strings.Fields(h), " ")) {
				t.Errorf("docs/runbook.md gives away %s's hint %d: %q", f.ID, level, h)
			}
		}
	}
}
