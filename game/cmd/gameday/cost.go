package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/unicorn-rentals/gameday/game"
	"github.com/unicorn-rentals/gameday/game/cmd/internal/cli"
)

func cost(args []string, stdout, stderr io.Writer) error {
	fs := cli.Flags("cost", stderr)
	rps, hit := trafficFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("cost: give one template, e.g. gameday cost out/all/UnicornRentals.template.json")
	}
	est, err := estimate(fs.Arg(0), rps, hit)
	if err != nil {
		return err
	}
	prices := game.DefaultPrices()
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "resource\ttype\t$/hour\tdetail\n")
	for _, l := range est.Lines {
		fmt.Fprintf(w, "%s\t%s\t%.4f\t%s\n", l.Resource, l.Type, l.PerHour, l.Detail)
	}
	w.Flush()
	// The hit ratio applies only where a distribution caches.
	cache := "no cache"
	for _, l := range est.Lines {
		if l.Type == "AWS::CloudFront::Distribution" {
			cache = fmt.Sprintf("%.0f%% cache hits", *hit*100)
		}
	}
	fmt.Fprintf(stdout, "\ntotal $%.4f an hour (about $%.0f a month) at %.0f requests/s, %s\n", est.Total, est.Total*730, *rps, cache)
	fmt.Fprintf(stdout, "prices: %s, %s, %s\n", prices.Region, prices.Source, prices.Date)
	for _, u := range est.Unpriced {
		fmt.Fprintf(stdout, "not priced: %s\n", u)
	}
	return nil
}
