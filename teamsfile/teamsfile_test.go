package teamsfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestATeamsFileIsReadLineByLine(t *testing.T) {
	template := filepath.Join(t.TempDir(), "UnicornRentals.template.json")
	os.WriteFile(template, []byte(`{"Resources": {}}`), 0o644)
	teams, err := Parse(strings.NewReader(`
# name    endpoint                                  cost
team-1    http://UnicornR-Elb-1.us-east-1.elb.amazonaws.com/   `+template+`
team-2    https://d111111abcdef8.cloudfront.net/    0.18
team-3    https://d222222abcdef8.cloudfront.net/
team-4    https://d333333abcdef8.cloudfront.net/    live:arn:aws:iam::123456789012:role/R   Team04
team-5    https://d444444abcdef8.cloudfront.net/    0.18 key=0123456789abcdef0123456789abcdef
team-6    https://d555555abcdef8.cloudfront.net/    key=0123456789abcdef0123456789abcdef
`), "teams.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []Team{
		{Name: "team-1", Endpoint: "http://UnicornR-Elb-1.us-east-1.elb.amazonaws.com/", Cost: template},
		{Name: "team-2", Endpoint: "https://d111111abcdef8.cloudfront.net/", Cost: "0.18"},
		{Name: "team-3", Endpoint: "https://d222222abcdef8.cloudfront.net/"},
		{Name: "team-4", Endpoint: "https://d333333abcdef8.cloudfront.net/", Cost: "live:arn:aws:iam::123456789012:role/R", Stack: "Team04"},
		{Name: "team-5", Endpoint: "https://d444444abcdef8.cloudfront.net/", Cost: "0.18", AnswerKey: "0123456789abcdef0123456789abcdef"},
		{Name: "team-6", Endpoint: "https://d555555abcdef8.cloudfront.net/", AnswerKey: "0123456789abcdef0123456789abcdef"},
	}
	if len(teams) != len(want) {
		t.Fatalf("%d teams, want %d", len(teams), len(want))
	}
	for i := range want {
		if teams[i] != want[i] {
			t.Errorf("team %d: %+v, want %+v", i+1, teams[i], want[i])
		}
	}
}

func TestAMalformedTeamsFileIsRefusedWithTheLineAtFault(t *testing.T) {
	for name, c := range map[string]struct{ file, want string }{
		"one field":       {"# teams\nteam-1\n", `teams.txt:2: "team-1": want "name endpoint [cost [stack]] [key=K]"`},
		"five fields":     {"a http://x/ 1 Team07 2\n", `teams.txt:1: "a http://x/ 1 Team07 2": want "name endpoint [cost [stack]] [key=K]"`},
		"short key":       {"a http://x/ 1 key=abc\n", `teams.txt:1: team a: key=: the answer key has 3 bytes: want at least 32`},
		"key not last":    {"a http://x/ key=0123456789abcdef0123456789abcdef 1\n", `teams.txt:1: team a: key= goes last on the line`},
		"bad name":        {"a http://x/\nteam one! http://y/\n", `teams.txt:2:`},
		"name with a /":   {"a/b http://x/\n", `teams.txt:1: team name "a/b"`},
		"not a URL":       {"a http://x/\nb d111.cloudfront.net\n", `teams.txt:2: team b: endpoint "d111.cloudfront.net": want the stack's Endpoint output`},
		"duplicate":       {"a http://x/\n\nb http://y/\na http://z/\n", `teams.txt:4: team "a" is already on line 1`},
		"negative cost":   {"a http://x/ -1\n", `teams.txt:1: team a: cost "-1": want USD an hour from 0 to 1000`},
		"huge cost":       {"a http://x/ 1e308\n", `teams.txt:1: team a: cost "1e308": want USD an hour from 0 to 1000`},
		"NaN cost":        {"a http://x/ NaN\n", `teams.txt:1: team a: cost "NaN": want USD an hour from 0 to 1000`},
		"missing file":    {"a http://x/ out/nowhere/t.json\n", `teams.txt:1: team a: cost "out/nowhere/t.json": neither USD an hour nor a template file`},
		"empty":           {"# nobody yet\n", "teams.txt: no teams"},
		"ftp":             {"a ftp://x/\n", `teams.txt:1: team a: endpoint "ftp://x/"`},
		"no host":         {"a http:///x\n", `teams.txt:1: team a: endpoint "http:///x"`},
		"name too long":   {strings.Repeat("a", 33) + " http://x/\n", "teams.txt:1: team name"},
		"cost is a word":  {"a http://x/ cheap\n", `cost "cheap": neither USD an hour nor a template file`},
		"bad live role":   {"a http://x/ live:team-a\n", `cost "live:team-a": want live:<role ARN>`},
		"short account":   {"a http://x/ live:arn:aws:iam::12:role/R\n", `want live:<role ARN>`},
		"short ext ID":    {"a http://x/ live:arn:aws:iam::123456789012:role/R#abc\n", `external ID: want 16 to 1224`},
		"ext ID, no role": {"a http://x/ live:#0123456789abcdef\n", `want live:<role ARN>#<external ID>`},
		"EC2 metadata":    {"a http://169.254.169.254/latest/\n", `a link-local or metadata address`},
		"ECS metadata":    {"a http://169.254.170.2/v2/credentials\n", `a link-local or metadata address`},
		"IPv6 metadata":   {"a http://[fd00:ec2::254]/\n", `a link-local or metadata address`},
		"metadata name":   {"a http://instance-data.ec2.internal/\n", `a link-local or metadata address`},
	} {
		_, err := Parse(strings.NewReader(c.file), "teams.txt")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", name, err, c.want)
		}
	}
}

// What Write writes, Parse reads back the same; what Parse would
// refuse, Write refuses to write.
func TestAWrittenTeamsFileReadsBackTheSame(t *testing.T) {
	teams := []Team{
		{Name: "team-01", Endpoint: "https://d111111abcdef8.cloudfront.net/", Cost: "live:arn:aws:iam::123456789012:role/UnicornRentals-BillReader"},
		{Name: "team-02", Endpoint: "https://d222222abcdef8.cloudfront.net/", Cost: "live:arn:aws:iam::123456789012:role/Team02-BillReader", Stack: "Team02"},
		{Name: "team-03", Endpoint: "http://10.0.0.1:8080/"},
		{Name: "team-04", Endpoint: "http://10.0.0.2:8080/", Cost: "0.5", AnswerKey: "0123456789abcdef0123456789abcdef"},
	}
	var b strings.Builder
	if err := Write(&b, teams); err != nil {
		t.Fatal(err)
	}
	back, err := Parse(strings.NewReader(b.String()), "written")
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if len(back) != len(teams) {
		t.Fatalf("%d teams back, want %d:\n%s", len(back), len(teams), b.String())
	}
	for i := range teams {
		if back[i] != teams[i] {
			t.Errorf("team %d back as %+v, want %+v", i+1, back[i], teams[i])
		}
	}
	for name, bad := range map[string][]Team{
		"duplicate":          {teams[0], teams[0]},
		"a stack, no cost":   {{Name: "t", Endpoint: "http://x/", Stack: "T"}},
		"a name with spaces": {{Name: "team 1", Endpoint: "http://x/"}},
		"none":               nil,
	} {
		if err := Write(&strings.Builder{}, bad); err == nil {
			t.Errorf("%s: written", name)
		}
	}
}

func TestTheExampleTeamsFileParses(t *testing.T) {
	teams, err := Load("../game/teams.example.txt")
	if err != nil || len(teams) != 3 || teams[2].Cost != "0.18" {
		t.Errorf("game/teams.example.txt: %v, %+v", err, teams)
	}
	// The board refuses a team it cannot check the answers of.
	for _, team := range teams {
		cost, err := ParseCost(team.Cost)
		if err != nil || (!cost.Live && team.AnswerKey == "") {
			t.Errorf("game/teams.example.txt: %s is neither billed live nor given a key= (%v)", team.Name, err)
		}
	}
}

func TestCostsReadAsTheyAreWritten(t *testing.T) {
	for in, want := range map[string]Cost{
		"0.18":                                  {PerHour: 0.18},
		"$0.18":                                 {PerHour: 0.18},
		"live":                                  {Live: true},
		"live:arn:aws:iam::123456789012:role/R": {Live: true, Role: "arn:aws:iam::123456789012:role/R"},
		"live:arn:aws:iam::123456789012:role/R#0123456789abcdef": {Live: true, Role: "arn:aws:iam::123456789012:role/R", ExternalID: "0123456789abcdef"},
	} {
		got, err := ParseCost(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v (%v), want %+v", in, got, err, want)
		}
		if again, err := ParseCost(got.String()); err != nil || again != got {
			t.Errorf("%q written as %q reads back as %+v (%v)", in, got.String(), again, err)
		}
	}
}
