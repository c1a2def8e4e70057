package board

import (
	"fmt"
	"os"

	"github.com/unicorn-rentals/gameday/teamsfile"
)

// Team is a team as the teams file gives it (package teamsfile) and as
// the game stores it, with any endpoint moved mid-game.
type Team = teamsfile.Team

// costSource is a parsed cost with, for a template, its contents, which
// the game stores so that it resumes from any folder, even where the file
// is not.
type costSource struct {
	teamsfile.Cost
	raw []byte
}

// parseCost reads a cost and the template it names, if it names one.
func parseCost(s string) (costSource, error) {
	c, err := teamsfile.ParseCost(s)
	if err != nil || c.Template == "" {
		return costSource{Cost: c}, err
	}
	raw, err := os.ReadFile(c.Template)
	if err != nil {
		return costSource{}, fmt.Errorf("cost %q: %w; synthesize one with make synth", s, err)
	}
	return costSource{Cost: c, raw: raw}, nil
}
