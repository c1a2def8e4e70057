package board

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Team is one line of the teams file.
type Team struct {
	// Name is shown on the scoreboard: letters, digits, '-', '_' and '.',
	// up to 32 of them.
	Name string `json:"name"`
	// Endpoint is the team's stack's Endpoint output.
	Endpoint string `json:"endpoint"`
	// Cost is where the team's bill comes from: a number is USD an hour;
	// "live:<role ARN>" (or "live", the board's own credentials) what the
	// team's account runs, read every minute; anything else a synthesized
	// template priced by the cost model with the traffic of each minute.
	// Empty means the board's default.
	Cost string `json:"cost,omitempty"`
	// Stack is the team's game stack, whose VPC the script's chaos
	// experiments hit. Empty: the board's --stack (UnicornRentals). Teams
	// sharing an account each need their own.
	Stack string `json:"stack,omitempty"`
}

var teamName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// ParseTeams reads a teams file: one team a line, "name endpoint [cost
// [stack]]",
// separated by spaces; blank lines and lines starting with # are skipped.
// name says where the file came from, for errors, which name the line at
// fault.
func ParseTeams(r io.Reader, name string) ([]Team, error) {
	var teams []Team
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) < 2 || len(fields) > 4 {
			return nil, fmt.Errorf("%s:%d: %q: want \"name endpoint [cost [stack]]\", e.g. \"team-1 https://d111111abcdef8.cloudfront.net/ 0.18\"", name, line, text)
		}
		t := Team{Name: fields[0], Endpoint: fields[1]}
		if len(fields) >= 3 {
			t.Cost = fields[2]
		}
		if len(fields) == 4 {
			t.Stack = fields[3]
		}
		if err := t.check(); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if first, dup := seen[t.Name]; dup {
			return nil, fmt.Errorf("%s:%d: team %q is already on line %d: give each team its own name", name, line, t.Name, first)
		}
		seen[t.Name] = line
		teams = append(teams, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(teams) == 0 {
		return nil, fmt.Errorf("%s: no teams: want one line per team, \"name endpoint [cost [stack]]\"", name)
	}
	return teams, nil
}

// LoadTeams reads a teams file from disk.
func LoadTeams(path string) ([]Team, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("teams file: %w", err)
	}
	return ParseTeams(bytes.NewReader(b), path)
}

func (t Team) check() error {
	if !teamName.MatchString(t.Name) {
		return fmt.Errorf("team name %q: want letters, digits, '-', '_' or '.', up to 32, starting with a letter or digit", t.Name)
	}
	if err := checkEndpoint(t.Endpoint); err != nil {
		return fmt.Errorf("team %s: %w", t.Name, err)
	}
	if t.Cost != "" {
		if _, err := parseCost(t.Cost); err != nil {
			return fmt.Errorf("team %s: %w", t.Name, err)
		}
	}
	return nil
}

func checkEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("endpoint %q: want the stack's Endpoint output, an http:// or https:// URL", endpoint)
	}
	return nil
}

// costSource is a parsed cost: a fixed price, or a template to price,
// by its absolute path and with its contents, which the game stores so
// that it resumes from any folder, even where the file is not.
type costSource struct {
	perHour  float64
	template string
	raw      []byte
	live     bool   // the account's live bill
	role     string // the role to read it through; empty: the board's credentials
}

// spec is the cost as the game stores it: the price, or the template's
// absolute path.
func (c costSource) spec() string {
	if c.live {
		return strings.TrimSuffix("live:"+c.role, ":")
	}
	if c.template != "" {
		return c.template
	}
	return strconv.FormatFloat(c.perHour, 'f', -1, 64)
}

func parseCost(s string) (costSource, error) {
	if s == "live" || strings.HasPrefix(s, "live:") {
		role := strings.TrimPrefix(strings.TrimPrefix(s, "live"), ":")
		if role != "" && (!strings.HasPrefix(role, "arn:") || !strings.Contains(role, ":role/")) {
			return costSource{}, fmt.Errorf("cost %q: want live:<role ARN>, the game stack's BillReaderRoleArn output, such as live:arn:aws:iam::123456789012:role/UnicornRentals-BillReader", s)
		}
		return costSource{live: true, role: role}, nil
	}
	if v, err := strconv.ParseFloat(strings.TrimPrefix(s, "$"), 64); err == nil {
		if v < 0 {
			return costSource{}, fmt.Errorf("cost %q: want USD an hour of 0 or more", s)
		}
		return costSource{perHour: v}, nil
	}
	abs, err := filepath.Abs(s)
	if err != nil {
		return costSource{}, fmt.Errorf("cost %q: %w", s, err)
	}
	raw, err := os.ReadFile(abs)
	if err != nil {
		return costSource{}, fmt.Errorf("cost %q: neither USD an hour nor a template file (%v); synthesize one with make synth", s, err)
	}
	return costSource{template: abs, raw: raw}, nil
}
