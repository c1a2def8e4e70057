package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/unicorn-rentals/gameday/game/board"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
)

func export(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("export", stderr)
	dbPath := fs.String("db", "", "read a stopped game's database (while a board runs, use --server)")
	server := fs.String("server", "", "ask a running board, e.g. "+defaultServer)
	format := fs.String("format", "csv", "csv (a row per team and minute) or json (standings, minutes and events)")
	outPath := fs.String("out", "", "write to this file rather than standard output")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for the board's answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*dbPath == "") == (*server == "") {
		return errors.New("export: give --db FILE for a stopped game or --server URL for a running one")
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("export: --format %q: want csv or json", *format)
	}
	if *outPath == "" {
		return exportTo(ctx, stdout, *dbPath, *server, *format, *timeout)
	}
	// Written whole or not at all: a failed export leaves no half a file.
	if err := cli.WriteFile(*outPath, func(w io.Writer) error { return exportTo(ctx, w, *dbPath, *server, *format, *timeout) }); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// exportTo writes the results of a stopped game's database or a running
// board to out.
func exportTo(ctx context.Context, out io.Writer, dbPath, server, format string, timeout time.Duration) error {
	if server != "" {
		resp, err := callBoard(ctx, server, http.MethodGet, "/api/export?format="+format, "", nil, timeout)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer resp.Body.Close()
		_, err = io.Copy(out, resp.Body)
		return err
	}
	if _, err := os.Stat(dbPath); err != nil {
		return fmt.Errorf("export: --db: %w", err)
	}
	store, err := board.OpenStore(dbPath)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer store.Close()
	ex, err := board.ExportStore(store)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return ex.Write(out, format)
}
