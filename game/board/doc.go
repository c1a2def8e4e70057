// Package board plays every team's endpoint at once with the same
// scenario, keeps the standings in an embedded database minute by minute,
// and shows them live on a web page for the room.
//
// The board scores with the game's one core (game.KeyOf, game.Pacer,
// game.Window), a window a minute for each team, so a team is asked and
// scored here as `gameday play` would ask and score it.
package board
