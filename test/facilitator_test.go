package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/unicorn-rentals/gameday/cfn"
	"github.com/unicorn-rentals/gameday/config"
	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/gates"
	"github.com/unicorn-rentals/gameday/stacks"
	"github.com/unicorn-rentals/gameday/test/cdktest"
)

// teamsFile writes a teams file of n teams, as gameday accounts deploy
// writes it.
func teamsFile(t *testing.T, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "team%02d https://d%04d.cloudfront.net/ live:arn:aws:iam::1234567890%02d:role/UnicornRentals-BillReader\n", i+1, i, i)
	}
	path := filepath.Join(t.TempDir(), "teams.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// boardOf is the config's board for a teams file of n teams.
func boardOf(t *testing.T, n int) *config.Board {
	t.Helper()
	path := teamsFile(t, n)
	cfg, err := config.FromContext(func(key string) any { return map[string]any{"boardTeams": path}[key] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Board
}

// facilitatorTemplates keeps synthFacilitator's templates by team count.
var facilitatorTemplates = map[int]*template{}

// synthFacilitator synthesizes the app with a board of n teams, with
// cdk-nag, and returns the facilitator stack's template.
func synthFacilitator(t *testing.T, n int) *template {
	t.Helper()
	if tpl, ok := facilitatorTemplates[n]; ok {
		return tpl
	}
	b := boardOf(t, n)
	tpl := synthApp(t, "none", synthOptions{nag: true, configure: func(c *config.Config) { c.Board = b }}).facilitator
	if tpl == nil {
		t.Fatal("no facilitator stack with a board in the config")
	}
	facilitatorTemplates[n] = tpl
	return tpl
}

func TestTheFacilitatorStackPassesTheGates(t *testing.T) {
	tpl := synthFacilitator(t, 30)
	noNagErrors(t, tpl, "the facilitator stack", func(s gates.Suppression) bool { return s.Facilitator })
	exceptions, _ := gates.Exceptions()
	failures := controlTower(t, tpl)
	for _, f := range gates.UnexceptedFacilitator(failures, exceptions) {
		t.Errorf("Control Tower %s (%s) on %v", f.Control, f.Rule, f.Resources)
	}
	for _, e := range exceptions {
		if e.Facilitator && !slices.ContainsFunc(failures, func(f gates.Failure) bool { return f.Control == e.Control }) {
			t.Errorf("exception for %s, which the facilitator stack passes: remove it", e.Control)
		}
	}
	findings, err := gates.CfnLint(tpl.file(t, t.TempDir(), "facilitator"))
	if err != nil {
		t.Fatal(err)
	}
	lintExceptions, _ := gates.LintExceptions()
	for _, f := range gates.UnexpectedLint(findings, lintExceptions) {
		t.Errorf("cfn-lint %s on %s (%s) %s: %s", f.Rule, f.Resource, f.Type, f.Property, f.Message)
	}
}

func TestTheBoardIsOneWriterOnEFSAndTheWorkersAreSizedForTheTeams(t *testing.T) {
	tpl := synthFacilitator(t, 30)
	size := config.SizeFor(30)
	if size.Workers != 3 {
		t.Fatalf("30 teams: %d workers, want 3 for the teams at %d each and a spare", size.Workers, config.TeamsPerWorker)
	}
	var board, workers resource
	for _, s := range tpl.ofType("AWS::ECS::Service") {
		if s.prop("DesiredCount") == 1.0 {
			board = s
		} else {
			workers = s
		}
	}
	if board.body == nil || workers.body == nil {
		t.Fatal("want the board's service (one task) and the workers'")
	}
	// The old board stops before the new one opens the database.
	if board.prop("DeploymentConfiguration", "MinimumHealthyPercent") != 0.0 || board.prop("DeploymentConfiguration", "MaximumPercent") != 100.0 {
		t.Errorf("board deployment %v: want 0%% to 100%%, never two boards on one database", board.prop("DeploymentConfiguration"))
	}
	// The board reads every live team's key before it answers its checks.
	if board.prop("HealthCheckGracePeriodSeconds") != 120.0 || workers.prop("HealthCheckGracePeriodSeconds") != nil {
		t.Errorf("grace periods: board %v, workers %v; want 120 s for the board behind its load balancer, none for the workers behind none", board.prop("HealthCheckGracePeriodSeconds"), workers.prop("HealthCheckGracePeriodSeconds"))
	}
	if workers.prop("DesiredCount") != float64(size.Workers) {
		t.Errorf("workers: %v tasks, want %d", workers.prop("DesiredCount"), size.Workers)
	}
	tasks := map[string]resource{}
	for _, td := range tpl.ofType("AWS::ECS::TaskDefinition") {
		tasks[fmt.Sprint(td.prop("ContainerDefinitions", 0, "Name"))] = td
	}
	b, w := tasks["board"], tasks["worker"]
	if b.body == nil || w.body == nil {
		t.Fatalf("task definitions %v: want board and worker", tasks)
	}
	command := text(b.prop("ContainerDefinitions", 0, "Command"))
	for _, want := range []string{`"board"`, `"--teams-env","GAMEDAY_TEAMS"`, `"--db","/data/game.db"`, fmt.Sprintf(`"--workers","%d"`, size.Workers), `"--paused"`} {
		if !strings.Contains(command, want) {
			t.Errorf("board command %s: want %s", command, want)
		}
	}
	if env := text(b.prop("ContainerDefinitions", 0, "Environment")); !strings.Contains(env, "team30 https://d0029.cloudfront.net/") {
		t.Errorf("board environment %s: want the teams file", env)
	}
	if efs := b.prop("Volumes", 0, "EFSVolumeConfiguration"); text(efs) == "null" || !strings.Contains(text(efs), `"TransitEncryption":"ENABLED"`) || !strings.Contains(text(efs), `"IAM":"ENABLED"`) {
		t.Errorf("board volume %s: want EFS through its access point, encrypted in transit, with IAM", text(efs))
	}
	if !strings.Contains(text(w.prop("ContainerDefinitions", 0, "Command")), `"worker","--board"`) {
		t.Errorf("worker command %s", text(w.prop("ContainerDefinitions", 0, "Command")))
	}
	if w.prop("Cpu") != fmt.Sprint(size.WorkerCPU) || w.prop("Memory") != fmt.Sprint(size.WorkerMemoryMiB) {
		t.Errorf("worker task %v CPU, %v MiB; want %d and %d", w.prop("Cpu"), w.prop("Memory"), size.WorkerCPU, size.WorkerMemoryMiB)
	}
	// A credential per role: the board holds both tokens, a worker only
	// its own, so a worker's can lease and report and do nothing else.
	secrets := map[string]string{}
	for _, r := range tpl.ofType("AWS::SecretsManager::Secret") {
		secrets[r.id] = text(r.prop("Description"))
	}
	if len(secrets) != 2 {
		t.Errorf("secrets %v: want the control token's and the workers'", secrets)
	}
	for name, want := range map[string][]string{"board": {"GAMEDAY_TOKEN", "GAMEDAY_WORKER_TOKEN"}, "worker": {"GAMEDAY_WORKER_TOKEN"}} {
		var got []string
		held, _ := tasks[name].prop("ContainerDefinitions", 0, "Secrets").([]any)
		for _, sec := range held {
			m := sec.(map[string]any)
			ref := cfn.Reference(m["ValueFrom"])
			if _, ok := secrets[ref]; !ok {
				t.Errorf("%s: %s comes from %v, not one of the stack's secrets", name, m["Name"], m["ValueFrom"])
			}
			got = append(got, fmt.Sprint(m["Name"]))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s's tokens %v, want %v", name, got, want)
		}
	}
	for name, td := range tasks {
		if td.prop("ContainerDefinitions", 0, "User") != "65532:65532" || td.prop("ContainerDefinitions", 0, "ReadonlyRootFilesystem") != true {
			t.Errorf("%s: want the nonroot user on a read-only root filesystem", name)
		}
	}
	// What holds the game keeps its construct path, so its logical ID,
	// across releases: an update replaces the tasks and the distribution,
	// never the database or the tokens (docs/facilitator.md).
	kept := map[string]string{}
	for _, kind := range []string{"AWS::EFS::FileSystem", "AWS::EFS::AccessPoint", "AWS::SecretsManager::Secret"} {
		for _, r := range tpl.ofType(kind) {
			path, _ := r.body["Metadata"].(map[string]any)["aws:cdk:path"].(string)
			kept[path] = kind
		}
	}
	for _, path := range []string{"Scoreboard/Database/Resource", "Scoreboard/Database/Board/Resource", "Scoreboard/Token/Resource", "Scoreboard/WorkerToken/Resource"} {
		if kept[contract.FacilitatorStackName+"/"+path] == "" {
			t.Errorf("no %s in %v: the game's state moved, and an update would replace it", path, kept)
		}
	}
	fs := tpl.one(t, "AWS::EFS::FileSystem")
	if fs.body["DeletionPolicy"] != "Retain" || fs.prop("Encrypted") != true || fs.prop("BackupPolicy", "Status") != "ENABLED" {
		t.Errorf("database file system %v: want it kept after the stack, encrypted and backed up", fs.body)
	}
	// The file system's group lets nothing out: EFS only answers mounts.
	found := false
	for id, r := range tpl.raw["Resources"].(map[string]any) {
		body := r.(map[string]any)
		if body["Type"] == "AWS::EC2::SecurityGroup" && strings.HasPrefix(id, "ScoreboardDatabaseEfsSecurityGroup") {
			if egress := text(body["Properties"].(map[string]any)["SecurityGroupEgress"]); !strings.Contains(egress, `"CidrIp":"255.255.255.255/32"`) || strings.Contains(egress, "0.0.0.0/0") {
				t.Errorf("%s egress %s: want none", id, egress)
			}
			found = true
		}
	}
	if !found {
		t.Error("no security group of the database's file system found")
	}
	// No group lets everything out: the board reaches AWS on HTTPS and its
	// file system on NFS, the workers the teams over TCP.
	// A group given no egress at all gets CloudFormation's allow-all
	// rule, which a rule of its own added later strips
	// (https://github.com/aws/aws-cdk/pull/998).
	separate := map[string]bool{}
	for _, rule := range tpl.ofType("AWS::EC2::SecurityGroupEgress") {
		separate[cfn.Reference(rule.prop("GroupId"))] = true
	}
	groups := map[string]string{}
	for _, sg := range tpl.ofType("AWS::EC2::SecurityGroup") {
		egress := text(sg.prop("SecurityGroupEgress"))
		if strings.Contains(egress, `"IpProtocol":"-1"`) || (egress == "null" && !separate[sg.id]) {
			t.Errorf("security group %s (%v) egress %s: want named protocols and ports", sg.id, sg.prop("GroupDescription"), egress)
		}
		groups[sg.id] = egress
	}
	boardGroup := cfn.Reference(board.prop("NetworkConfiguration", "AwsvpcConfiguration", "SecurityGroups", 0))
	if egress := groups[boardGroup]; !strings.Contains(egress, `"FromPort":443,"IpProtocol":"tcp","ToPort":443`) || strings.Count(egress, "IpProtocol") != 1 {
		t.Errorf("board's group %s egress %s: want HTTPS alone (and NFS to its file system, a rule of its own)", boardGroup, egress)
	}
	nfs := false
	for _, rule := range tpl.ofType("AWS::EC2::SecurityGroupEgress") {
		if cfn.Reference(rule.prop("GroupId")) == boardGroup && rule.prop("FromPort") == 2049.0 {
			nfs = true
		}
	}
	if !nfs {
		t.Error("no egress from the board's group to its file system on 2049")
	}
	cf := tpl.one(t, "AWS::CloudFront::Distribution")
	behavior := cf.prop("DistributionConfig", "DefaultCacheBehavior")
	if !strings.Contains(text(behavior), `"ViewerProtocolPolicy":"https-only"`) || !strings.Contains(text(behavior), `"POST"`) {
		t.Errorf("the page's behavior %s: want HTTPS and POST (gameday ctl)", text(behavior))
	}
	if lb := tpl.one(t, "AWS::ElasticLoadBalancingV2::LoadBalancer"); lb.prop("Scheme") != "internal" {
		t.Errorf("load balancer scheme %v, want internal", lb.prop("Scheme"))
	}
	outputs, _ := tpl.raw["Outputs"].(map[string]any)
	for _, o := range []string{"ScoreboardUrl", "TokenSecretArn", "WorkerTokenSecretArn"} {
		if _, ok := outputs[o]; !ok {
			t.Errorf("no output %s", o)
		}
	}
	if tpl.ofType("AWS::EC2::NatGateway") != nil {
		t.Error("a NAT gateway: the tasks' egress is their public address")
	}
}

// The gameday image is built from the repository's root, but its build
// context holds only what the build reads: no node_modules, no cdk.out.
func TestTheGamedayImageIsBuiltFromItsSourcesOnly(t *testing.T) {
	dir := t.TempDir()
	b := boardOf(t, 3)
	synthApp(t, "none", synthOptions{outdir: dir, configure: func(c *config.Config) { c.Board = b }})
	var manifest struct {
		DockerImages map[string]struct {
			Source struct{ Directory, DockerFile string }
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, contract.FacilitatorStackName+".assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest.DockerImages) != 1 {
		t.Fatalf("%d images, want the gameday image", len(manifest.DockerImages))
	}
	// What the build needs: the folders of the packages the gameday
	// command is built from, and the module's files.
	inputs := []string{"go.mod", "go.sum"}
	for _, line := range goList(t, "-deps", "-f", "{{if .Module}}{{.Module.Path}} {{.ImportPath}}{{end}}", "./game/cmd/gameday") {
		module, pkg, _ := strings.Cut(line, " ")
		if rel, ok := strings.CutPrefix(pkg, "github.com/unicorn-rentals/gameday/"); ok && strings.HasPrefix(module, "github.com/unicorn-rentals/gameday") {
			if top, _, _ := strings.Cut(rel, "/"); !slices.Contains(inputs, top) {
				inputs = append(inputs, top)
			}
		}
	}
	if !slices.Contains(inputs, "game") || !slices.Contains(inputs, "service") {
		t.Fatalf("the gameday command's folders %v lack game or service: the listing is broken", inputs)
	}
	for _, img := range manifest.DockerImages {
		context := filepath.Join(dir, img.Source.Directory)
		for _, top := range inputs {
			if _, err := os.Stat(filepath.Join(context, top)); err != nil {
				t.Errorf("the build context lacks %s, which the gameday command is built from: add it to stacks' gamedayBuildInputs", top)
			}
		}
		if img.Source.DockerFile != "game/Dockerfile" {
			t.Errorf("Dockerfile %q, want game/Dockerfile", img.Source.DockerFile)
		}
		for _, want := range []string{"go.mod", "go.sum", "game/Dockerfile", "game/cmd/gameday/main.go", "game/board/worker.go", "teamsfile/teamsfile.go", "service/api/api.go", "service/go.mod"} {
			if _, err := os.Stat(filepath.Join(context, want)); err != nil {
				t.Errorf("the build context lacks %s", want)
			}
		}
		files := 0
		filepath.WalkDir(context, func(p string, d os.DirEntry, err error) error {
			files++
			rel, _ := filepath.Rel(context, p)
			top := strings.Split(rel, string(filepath.Separator))[0]
			if rel != "." && !slices.Contains(inputs, top) || strings.HasSuffix(rel, "_test.go") {
				t.Errorf("the build context holds %s", rel)
				if d.IsDir() {
					return filepath.SkipDir
				}
			}
			return nil
		})
		t.Logf("the build context: %d files and folders", files)
	}
}

func TestABadTeamsFileIsRefusedAtSynth(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "teams.txt")
	os.WriteFile(bad, []byte("team01 not-a-url\n"), 0o644)
	for _, c := range []struct {
		context map[string]any
		want    string
	}{
		{map[string]any{"boardTeams": filepath.Join(t.TempDir(), "missing.txt")}, "gameday accounts deploy wrote"},
		{map[string]any{"boardTeams": bad}, "Endpoint output"},
		{map[string]any{"boardTeams": teamsFile(t, 5), "boardWorkers": "9"}, "from 1 to 5"},
	} {
		_, err := config.FromContext(func(key string) any { return c.context[key] })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("context %v: %v, want an error saying %q", c.context, err, c.want)
		}
	}
}

// sizingTable is docs/facilitator.md's sizing table: each size's tasks
// from config.SizeFor, its bill from the cost model on the synthesized
// facilitator stack.
func sizingTable(t *testing.T) string {
	peak := 0.0
	for _, p := range game.DefaultScenario().Phases {
		peak = max(peak, p.Rate)
	}
	prices := game.DefaultPrices()
	var b strings.Builder
	b.WriteString("| teams | workers (1 vCPU, 2 GB) | board task | load at the peak | a worker's load at the peak, one worker lost | stack an hour | with the tasks' public IPv4 |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, n := range []int{10, 30, 60, 100} {
		board := boardOf(t, n)
		ctx := cdktest.ProjectContext()
		ctx["aws:cdk:bundling-stacks"] = []string{}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx})
		stack := stacks.NewFacilitatorStack(app, stacks.FacilitatorStackProps{Board: *board, RootDir: ".."})
		raw := app.Synth(nil).GetStackArtifact(stack.ArtifactId()).Template().(map[string]any)
		est, err := game.EstimateFile(newTemplate(t, raw).file(t, t.TempDir(), "facilitator"), prices, game.Traffic{})
		if err != nil {
			t.Fatal(err)
		}
		s := board.Size
		ipv4 := float64(s.Workers+1) * prices.Hourly["public-ipv4"]
		perWorker := (n + s.Workers - 2) / (s.Workers - 1)
		fmt.Fprintf(&b, "| %d | %d | %.4g vCPU, %d GB | %s req/s | %d teams, %s req/s | $%.2f | $%.2f |\n",
			n, s.Workers, float64(s.BoardCPU)/1024, s.BoardMemoryMiB/1024, thousands(float64(n)*peak), perWorker, thousands(float64(perWorker)*peak), est.Total, est.Total+ipv4)
	}
	return b.String()
}

func TestTheFacilitatorsSizingTableIsTheStacks(t *testing.T) {
	table := sizingTable(t)
	doc, err := os.ReadFile("../docs/facilitator.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), table) {
		t.Errorf("docs/facilitator.md lacks the sizing table as the stack and the cost model give it:\n%s", table)
	}
}
