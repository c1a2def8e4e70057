package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/unicorn-rentals/gameday/game/local"
)

func table(w io.Writer, results []local.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "fixes\tprocesses\tscore\trequests\tok\tfailed\twrong\tp50\tp99\tcache hits\tbest possible\thit p50\tmiss p50\tcost/h\t")
	for _, r := range results {
		s := r.Summary
		hit, cost := "-", "no template"
		if h := s.HitRatio(); h >= 0 {
			hit = fmt.Sprintf("%.1f%%", h*100)
		}
		if r.CostPerHour >= 0 {
			cost = fmt.Sprintf("$%.4f", r.CostPerHour)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.1f%%\t%s\t%s\t%s\t\n", r.Fixes, r.Processes, s.Score, s.Sent, s.OK, s.Failed, s.Wrong,
			s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond), hit, s.BestHitRatio()*100, dur(s.HitP50), dur(s.MissP50), cost)
	}
	tw.Flush()
}

func chaosTable(w io.Writer, runs []local.Chaos) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "chaos\thealth check\trequests\tlost after the kill\trecovered after")
	for _, c := range runs {
		check := "TCP every 30 s, 5 failures"
		if c.HTTPCheck {
			check = "GET /healthz every 10 s, 2 failures"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\n", c.Fixes, check, c.Sent, c.Lost, c.Recovery)
	}
	tw.Flush()
}

func dur(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return d.Round(time.Microsecond).String()
}
