package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
)

// workerCmd plays the teams a board leases it until stopped.
func workerCmd(ctx context.Context, args []string, stderr io.Writer) error {
	fs := cli.Flags("worker", stderr)
	server := fs.String("board", defaultServer, "the board's address: the board must run with --workers")
	token := fs.String("token", "", "the workers' token gameday board printed, not the control token (default: $GAMEDAY_WORKER_TOKEN)")
	id := fs.String("id", "", "this worker's name on the board (default: host name and process ID)")
	exitWhenOver := fs.Bool("exit-when-over", false, "exit once the game is over and every minute is reported, rather than wait for the next game")
	if err := cli.ParseFlagsOnly(fs, args); err != nil {
		return err
	}
	w := &board.Worker{Board: *server, Token: cmp.Or(*token, os.Getenv("GAMEDAY_WORKER_TOKEN")), ID: *id, ExitWhenOver: *exitWhenOver, Log: slog.New(slog.NewTextHandler(stderr, nil))}
	if err := w.Run(ctx); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	return nil
}
