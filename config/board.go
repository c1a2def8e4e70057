package config

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/unicorn-rentals/gameday/teamsfile"
)

// Board is the facilitator stack's configuration: built only when a
// teams file is given (context "boardTeams").
type Board struct {
	// Teams is the teams file's text, as gameday accounts deploy writes it.
	Teams string
	// TeamCount is how many teams it lists.
	TeamCount int
	// Size is the board's and the workers' tasks.
	Size BoardSize
	// TeamAccounts are the accounts of the teams billed live, sorted: the
	// only accounts the board's role may assume roles in.
	TeamAccounts []string
}

// BoardSize is the facilitator stack's tasks for a number of teams.
type BoardSize struct {
	Workers         int // engine worker tasks
	WorkerCPU       int // CPU units of each (1024 = 1 vCPU)
	WorkerMemoryMiB int
	BoardCPU        int // the board's one task
	BoardMemoryMiB  int
}

// TeamsPerWorker is how many teams one 1-vCPU worker plays: 25 teams at
// the default scenario's peak of 80 requests a second is 2,000 a second,
// 26% of the 7,800 HTTPS answers a second one core sustained in
// BenchmarkEngineRate (docs/facilitator.md#sizing); the rest is headroom
// for a faster scenario, slow endpoints and a different CPU. Their
// connections, at most 1,100 a team, stay within the task's 65,535 open
// files.
const TeamsPerWorker = 25

// SizeFor is the stack for teams: enough 1-vCPU workers for the teams,
// and one more, so that the others can take a lost worker's teams over.
func SizeFor(teams int) BoardSize {
	s := BoardSize{Workers: (teams+TeamsPerWorker-1)/TeamsPerWorker + 1, WorkerCPU: 1024, WorkerMemoryMiB: 2048, BoardCPU: 512, BoardMemoryMiB: 1024}
	if teams > 50 {
		// 100 teams' minutes, standings and page viewers.
		s.BoardCPU, s.BoardMemoryMiB = 1024, 2048
	}
	return s
}

// maxBoardTeams bounds a day: the vCPU quota of the facilitator's account
// and the scale the sizing was measured for.
const maxBoardTeams = 200

// boardFromContext reads the teams file named by "boardTeams" and the
// optional worker count "boardWorkers".
func boardFromContext(get func(string) any, path string) (*Board, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("context boardTeams: %w; give the teams file gameday accounts deploy wrote, such as out/teams.txt", err)
	}
	teams, err := teamsfile.Parse(strings.NewReader(string(raw)), path)
	if err != nil {
		return nil, fmt.Errorf("context boardTeams: %w", err)
	}
	if len(teams) == 0 || len(teams) > maxBoardTeams {
		return nil, fmt.Errorf("context boardTeams %s: %d teams; want 1 to %d", path, len(teams), maxBoardTeams)
	}
	b := &Board{Teams: string(raw), TeamCount: len(teams), Size: SizeFor(len(teams))}
	for _, t := range teams {
		cost, err := teamsfile.ParseCost(t.Cost)
		if err != nil || cost.Role == "" {
			continue // a price, a template, or the board's own account
		}
		if account := strings.Split(cost.Role, ":")[4]; !slices.Contains(b.TeamAccounts, account) {
			b.TeamAccounts = append(b.TeamAccounts, account)
		}
	}
	slices.Sort(b.TeamAccounts)
	if v, ok := contextString(get, "boardWorkers"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > len(teams) {
			return nil, fmt.Errorf("context boardWorkers %q: want a whole number from 1 to %d, the teams (default %d: %d teams a worker and one spare)", v, len(teams), b.Size.Workers, TeamsPerWorker)
		}
		b.Size.Workers = n
	}
	return b, nil
}
