// Package game is the facilitator's engine: it plays Unicorn.Rentals'
// customers against a team's endpoint, verifies every answer, and scores
// speed, failures and cost.
//
// One scoring core serves every game: KeyOf picks the question of request
// n, Pacer sends it when it is due, Judge checks the answer and a Window
// scores it. `gameday play` (Play) keeps a Window a second; the board
// (package board) one a minute for each team.
package game
