// Package teamsfile is the board's teams file: its format, the one rule
// for a team's name, and its reading and writing. `gameday accounts
// deploy` writes it from the stacks' outputs; the board and the
// facilitator stack read it.
//
// One team a line, "name endpoint [cost [stack]] [key=K]", separated by
// spaces; blank lines and lines starting with # are skipped:
//
//	team-01 https://d111111abcdef8.cloudfront.net/ live:arn:aws:iam::123456789012:role/UnicornRentals-BillReader#0123456789abcdef0123
//	team-02 https://d222222abcdef8.cloudfront.net/ 0.18 key=0123456789abcdef0123456789abcdef
//
// key= is the team's answer key (its game stack's AnswerKey secret): the
// board reads it through a live cost's role, so a line needs it only when
// its cost is not live.
package teamsfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/service/api"
)

// Team is one line of the teams file.
type Team struct {
	// Name is shown on the scoreboard: see CheckName.
	Name string `json:"name"`
	// Endpoint is the team's stack's Endpoint output.
	Endpoint string `json:"endpoint"`
	// Cost is where the team's bill comes from (see ParseCost). Empty
	// means the board's default.
	Cost string `json:"cost,omitempty"`
	// Stack is the team's game stack, whose VPC the script's chaos
	// experiments hit. Empty: the board's --stack (UnicornRentals). Teams
	// sharing an account each need their own.
	Stack string `json:"stack,omitempty"`
	// AnswerKey is the key the team's service answers with (api.Answer),
	// "key=" on the line. Empty: the board reads it through the live
	// cost's role at the game's start.
	AnswerKey string `json:"answer_key,omitempty"`
}

// lineForm is how a line reads, for the errors that quote it.
const lineForm = `"name endpoint [cost [stack]] [key=K]"`

// keyField starts a line's answer key.
const keyField = "key="

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// CheckName accepts a team's name: letters, digits, '-', '_' and '.', up
// to 32 of them, starting with a letter or digit. The same names go into
// the accounts file, folder names and the scoreboard.
func CheckName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("team name %q: want letters, digits, '-', '_' or '.', up to 32, starting with a letter or digit", name)
	}
	return nil
}

var roleARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)

// CheckRoleARN accepts an IAM role's ARN: a partition, a 12-digit
// account ID and the role's path and name
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
func CheckRoleARN(arn string) error {
	if !roleARN.MatchString(arn) {
		return fmt.Errorf("role %q: want an IAM role's ARN, such as arn:aws:iam::123456789012:role/OrganizationAccountAccessRole (12 digits of account)", arn)
	}
	return nil
}

// CheckEndpoint accepts an http:// or https:// URL with a host that is
// not a link-local or instance-metadata address: the engine would ask
// the machine it runs on for its own credentials (the EC2 and ECS
// metadata services at 169.254.169.254, 169.254.170.2 and fd00:ec2::254).
func CheckEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("endpoint %q: want the stack's Endpoint output, an http:// or https:// URL", endpoint)
	}
	host := strings.ToLower(u.Hostname())
	ip, _ := netip.ParseAddr(host)
	if ip.IsLinkLocalUnicast() || ip == metadataIPv6 || host == "instance-data" || strings.HasPrefix(host, "instance-data.") {
		return fmt.Errorf("endpoint %q: a link-local or metadata address, not a team's endpoint: give the stack's Endpoint output", endpoint)
	}
	return nil
}

// OnThisMachine says whether an endpoint's host is the machine that asks
// it: a loopback or unspecified address, or localhost.
func OnThisMachine(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(u.Hostname())
	return IsLoopbackHost(u.Hostname()) || err == nil && ip.IsUnspecified()
}

// IsLoopbackHost says whether a host name or address is this machine's
// loopback: localhost, a name under it, 127.0.0.0/8 or ::1.
func IsLoopbackHost(host string) bool {
	host = strings.ToLower(host)
	ip, err := netip.ParseAddr(host)
	return host == "localhost" || strings.HasSuffix(host, ".localhost") || err == nil && ip.IsLoopback()
}

// metadataIPv6 is the EC2 instance metadata service's IPv6 address
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html).
var metadataIPv6 = netip.MustParseAddr("fd00:ec2::254")

// Check says what is wrong with a team, if anything.
func (t Team) Check() error {
	if err := CheckName(t.Name); err != nil {
		return err
	}
	if err := CheckEndpoint(t.Endpoint); err != nil {
		return fmt.Errorf("team %s: %w", t.Name, err)
	}
	if t.Cost != "" {
		if _, err := ParseCost(t.Cost); err != nil {
			return fmt.Errorf("team %s: %w", t.Name, err)
		}
	}
	if t.Stack != "" && t.Cost == "" {
		return fmt.Errorf("team %s: a stack needs a cost before it on the line (%s)", t.Name, lineForm)
	}
	if t.AnswerKey != "" {
		if err := api.CheckKey([]byte(t.AnswerKey)); err != nil {
			return fmt.Errorf("team %s: key=: %w", t.Name, err)
		}
	}
	return nil
}

// Parse reads a teams file. name says where it came from, for errors,
// which name the line at fault.
func Parse(r io.Reader, name string) ([]Team, error) {
	var teams []Team
	seen := map[string]int{}
	err := Lines(r, name, func(line int, fields []string) error {
		var key string
		if last := fields[len(fields)-1]; len(fields) > 2 && strings.HasPrefix(last, keyField) {
			key, fields = strings.TrimPrefix(last, keyField), fields[:len(fields)-1]
		}
		if len(fields) < 2 || len(fields) > 4 {
			return fmt.Errorf("%q: want %s, e.g. \"team-1 https://d111111abcdef8.cloudfront.net/ 0.18\"", strings.Join(fields, " "), lineForm)
		}
		fields = append(fields, "", "")
		t := Team{Name: fields[0], Endpoint: fields[1], Cost: fields[2], Stack: fields[3], AnswerKey: key}
		if strings.HasPrefix(t.Cost, keyField) || strings.HasPrefix(t.Stack, keyField) {
			return fmt.Errorf("team %s: key= goes last on the line (%s)", t.Name, lineForm)
		}
		if err := t.Check(); err != nil {
			return err
		}
		if first, dup := seen[t.Name]; dup {
			return fmt.Errorf("team %q is already on line %d: give each team its own name", t.Name, first)
		}
		seen[t.Name] = line
		teams = append(teams, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(teams) == 0 {
		return nil, fmt.Errorf("%s: no teams: want one line per team, %s", name, lineForm)
	}
	return teams, nil
}

// Lines calls line for each line of a file of fields separated by
// spaces, the teams file's form (and the accounts file's): blank lines
// and lines starting with # are skipped. An error from line is returned
// with the file's name and the line's number.
func Lines(r io.Reader, name string, line func(n int, fields []string) error) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if err := line(n, strings.Fields(text)); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Load reads a teams file from disk.
func Load(path string) ([]Team, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("teams file: %w", err)
	}
	return Parse(bytes.NewReader(b), path)
}

// Write writes teams as a teams file, a line each, after a comment
// saying what the file is. Every team is checked first: Write never
// writes a file Parse would refuse.
func Write(w io.Writer, teams []Team) error {
	seen := map[string]bool{}
	var b strings.Builder
	b.WriteString("# gameday teams file: " + lineForm + " a line\n")
	for _, t := range teams {
		if err := t.Check(); err != nil {
			return err
		}
		if seen[t.Name] {
			return fmt.Errorf("team %q twice: give each team its own name", t.Name)
		}
		seen[t.Name] = true
		line := strings.TrimRight(strings.Join([]string{t.Name, t.Endpoint, t.Cost, t.Stack}, " "), " ")
		if t.AnswerKey != "" {
			line += " " + keyField + t.AnswerKey
		}
		b.WriteString(line + "\n")
	}
	if len(teams) == 0 {
		return fmt.Errorf("no teams to write")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Cost is a parsed cost: a fixed price, a live bill, or a template.
type Cost struct {
	// PerHour is a fixed price, USD an hour.
	PerHour float64
	// Live: the bill is what the team's account runs, read through Role
	// (empty: the board's own credentials), assumed with ExternalID.
	Live       bool
	Role       string
	ExternalID string
	// Template is the absolute path of a synthesized template, priced by
	// the cost model with the traffic of each minute.
	Template string
}

// ParseCost reads a cost: a number is USD an hour ("0.18" or "$0.18");
// "live:<role ARN>" (or "live", the board's own credentials) what the
// team's account runs; anything else the path of a synthesized template,
// which must exist.
func ParseCost(s string) (Cost, error) {
	if s == "live" || strings.HasPrefix(s, "live:") {
		role, externalID := SplitAccess(strings.TrimPrefix(strings.TrimPrefix(s, "live"), ":"))
		if role != "" && CheckRoleARN(role) != nil || role == "" && externalID != "" {
			return Cost{}, fmt.Errorf("cost %q: want live:<role ARN>#<external ID>, the game stack's BillReaderRoleArn output and the team's ExternalId, such as live:arn:aws:iam::123456789012:role/UnicornRentals-BillReader#0123456789abcdef0123", s)
		}
		if externalID != "" {
			if err := CheckExternalID(externalID); err != nil {
				return Cost{}, fmt.Errorf("cost %q: %w", s, err)
			}
		}
		return Cost{Live: true, Role: role, ExternalID: externalID}, nil
	}
	if v, err := strconv.ParseFloat(strings.TrimPrefix(s, "$"), 64); err == nil {
		if math.IsNaN(v) || v < 0 || v > contract.MaxCostPerHour {
			return Cost{}, fmt.Errorf("cost %q: want USD an hour from 0 to %g", s, float64(contract.MaxCostPerHour))
		}
		return Cost{PerHour: v}, nil
	}
	abs, err := filepath.Abs(s)
	if err == nil {
		_, err = os.Stat(abs)
	}
	if err != nil {
		return Cost{}, fmt.Errorf("cost %q: neither USD an hour nor a template file (%v); synthesize one with make synth", s, err)
	}
	return Cost{Template: abs}, nil
}

// Access is how the board reaches a live team's account: the role's ARN
// and, after a #, its ExternalId; what SplitAccess reads.
func (c Cost) Access() string {
	if c.ExternalID == "" {
		return c.Role
	}
	return c.Role + "#" + c.ExternalID
}

// SplitAccess reads an Access: an ARN holds no #.
func SplitAccess(access string) (role, externalID string) {
	role, externalID, _ = strings.Cut(access, "#")
	return role, externalID
}

// CheckExternalID accepts an ExternalId the game makes: 16 to 1224 of
// the characters AssumeRole allows in one
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html),
// enough that it cannot be guessed.
func CheckExternalID(id string) error {
	if len(id) < 16 || len(id) > 1224 || !externalIDPattern.MatchString(id) {
		return fmt.Errorf("external ID: want 16 to 1224 letters, digits or +=,.@:/- (gameday accounts deploy makes one per team)")
	}
	return nil
}

var externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// String is the cost as a teams file and the game's database write it.
func (c Cost) String() string {
	switch {
	case c.Live:
		return strings.TrimSuffix("live:"+c.Access(), ":")
	case c.Template != "":
		return c.Template
	}
	return strconv.FormatFloat(c.PerHour, 'f', -1, 64)
}
