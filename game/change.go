package game

import "time"

// Change is a write made in a team's account during the game, from its
// CloudTrail history: who changed what, and whether it was the game's
// chaos.
type Change struct {
	At     time.Time `json:"at"`
	Call   string    `json:"call"`   // the API call: TerminateInstances
	Source string    `json:"source"` // its service: ec2.amazonaws.com
	By     string    `json:"by"`     // who made it: a user, or a role's session
	// Resources are what it names, when CloudTrail says.
	Resources []string `json:"resources,omitempty"`
	// Monkey marks the game's own chaos: the experiments AWS FIS runs as
	// the chaos stack's roles.
	Monkey bool `json:"monkey,omitempty"`
}
