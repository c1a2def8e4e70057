package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/game/board"
)

// Each team's sheet holds its own page and credential and nobody else's,
// how to sign in to its account, and the whole runbook; it is readable by
// its owner alone.
func TestEachTeamGetsItsOwnSheet(t *testing.T) {
	t.Setenv("GAMEDAY_TOKEN", "")
	t.Setenv("GAMEDAY_SERVER", "")
	dir := t.TempDir()
	teams := filepath.Join(dir, "teams.txt")
	os.WriteFile(teams, []byte("team-01 https://d1.cloudfront.net/ live:arn:aws:iam::111111111111:role/UnicornRentals-BillReader#0123456789abcdef0123\n"+
		"team-02 https://d2.cloudfront.net/ 0.18 key=a-test-answer-key-of-32-bytes-ok\n"), 0o644)
	out := filepath.Join(dir, "handout")
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"handout", "--teams", teams, "--server", "https://board.example/", "--token", "control", "--runbook", "../../../docs/runbook.md", "--out", out}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	book, _ := os.ReadFile("../../../docs/runbook.md")
	one, _ := os.ReadFile(filepath.Join(out, "team-01.md"))
	two, _ := os.ReadFile(filepath.Join(out, "team-02.md"))
	for _, want := range []string{"https://board.example/team#team-01:" + board.TeamToken("control", "team-01"), "Account: 111111111111, region us-east-1", "https://111111111111.signin.aws.amazon.com/console", string(book)} {
		if !strings.Contains(string(one), want) {
			t.Errorf("team-01's sheet lacks %q", want[:min(len(want), 80)])
		}
	}
	if strings.Contains(string(one), board.TeamToken("control", "team-02")) || strings.Contains(string(two), board.TeamToken("control", "team-01")) {
		t.Error("a sheet holds another team's credential")
	}
	if !strings.Contains(string(two), "team#team-02:"+board.TeamToken("control", "team-02")) || strings.Contains(string(two), "a-test-answer-key") {
		t.Errorf("team-02's sheet: its page, and never its answer key:\n%s", string(two)[:400])
	}
	if info, err := os.Stat(filepath.Join(out, "team-01.md")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("team-01's sheet: %v %v, want it readable by its owner alone", info.Mode(), err)
	}
	if err := run(context.Background(), []string{"handout", "--teams", teams, "--server", "https://board.example/"}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "GAMEDAY_TOKEN") {
		t.Errorf("no token: %v", err)
	}
}
