package game

import "github.com/unicorn-rentals/gameday/catalog"

// Quest is one flaw of the catalog as a team's account shows it now: the
// board checks each live team's now and then, and a flaw newly fixed is a
// quest done.
type Quest struct {
	Flaw  catalog.FlawID `json:"flaw"`
	Fixed bool           `json:"fixed"`
	// Seen is what the check read, in a few words: "2 NAT gateways".
	Seen string `json:"seen"`
}
