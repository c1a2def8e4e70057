package test

import (
	"encoding/json"

	"testing"

	"github.com/unicorn-rentals/gameday/game"
)

// The moves a team competing hard could make beside the answer key,
// each as the rules and the bill now meet it, in the game's own model at
// speed 1 (game.Expect, the committed rules, scenario and prices): none
// beats the key. Moves the guardrail denies outright (a function URL, an
// edge function, API Gateway, a load balancer invoking a function, another
// region) or the board refuses (an endpoint outside the team's account)
// are tested where they are refused: TestTheGuardrailDeniesWhatTheRulesForbidAndNothingElse,
// TestALiveTeamProposesOnlyItsOwnHosts. Warming the cache ahead needs the
// inputs, which a seed drawn per game hides:
// TestTwoSeedsAskDifferentInputsWithTheSameRepeats.
func TestNoMoveBeatsTheAnswerKey(t *testing.T) {
	models := pathModels(t)
	baseline, key := models[0], models[len(models)-1]
	prices := game.DefaultPrices()
	raw, _ := json.Marshal(synth(t, "all", synthOptions{}).raw)
	// withoutTasks is the key's bill less its Fargate tasks, plus extra.
	withoutTasks := func(extra float64) func(game.Traffic) (float64, error) {
		return func(tr game.Traffic) (float64, error) {
			est, err := game.EstimateCost(raw, prices, tr)
			if err != nil {
				return 0, err
			}
			total := est.Total + extra
			for _, l := range est.Lines {
				if l.Type == "AWS::ECS::Service" {
					total -= l.PerHour
				}
			}
			return total, nil
		}
	}
	higher := func(a, b func(game.Traffic) (float64, error)) func(game.Traffic) (float64, error) {
		return func(tr game.Traffic) (float64, error) {
			x, err := a(tr)
			if err != nil {
				return 0, err
			}
			y, err := b(tr)
			return max(x, y), err
		}
	}
	m5 := prices.Hourly["ec2:m5.large"] + 8*prices.Monthly["ebs-gb:gp3"]/730
	moves := []struct {
		name  string
		model func(game.StackModel) game.StackModel
	}{
		{"the bill's role broken before the first read: the board bills the baseline's template until a read succeeds, then the highest bill read", func(s game.StackModel) game.StackModel {
			s.Bill = higher(s.Bill, baseline.Bill)
			return s
		}},
		{"answers computed outside the service (a CloudFront Function or a function of one's own with the plain hash): every one wrong without the key", func(s game.StackModel) game.StackModel {
			s.Cache, s.Targets, s.MinTargets, s.Autoscale = false, 0, 0, false
			return s
		}},
		{"the service on an instance type the game does not allow, for one instance's price: billed at the game's rate for one", func(s game.StackModel) game.StackModel {
			s.Autoscale, s.Targets = false, 20
			s.Bill = withoutTasks(prices.Hourly["ec2:unlisted"])
			return s
		}},
		{"service processes packed on one m5.large behind the key's CloudFront and ALB, 6 of them (the misses after the cache need no more; fair play)", func(s game.StackModel) game.StackModel {
			s.Autoscale, s.Targets = false, 6
			s.Bill = withoutTasks(m5)
			return s
		}},
	}
	g := game.DefaultSetup()
	answer, err := g.Expect(key)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the answer key: %s at $%.3f an hour", thousands(answer.Score), answer.CostPerHour)
	for _, m := range moves {
		e, err := g.Expect(m.model(key))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s at $%.3f an hour (%s against the key)", m.name, thousands(e.Score), e.CostPerHour, signed(e.Score-answer.Score))
		if e.Score >= answer.Score {
			t.Errorf("%s scores %s, at least the answer key's %s", m.name, thousands(e.Score), thousands(answer.Score))
		}
	}
}

func signed(v float64) string {
	if v >= 0 {
		return "+" + thousands(v)
	}
	return thousands(v)
}
