package accounts

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/unicorn-rentals/gameday/contract"
	"github.com/unicorn-rentals/gameday/game"
)

// History is what was changed in the account between from and to, oldest
// first: CloudTrail's management events that are not reads
// (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html,
// LookupAttribute ReadOnly false), each with who made it. The changes of
// the game's chaos, made as the chaos stack's roles of the game stack
// named stack (AWS FIS acts with the experiment's role:
// https://docs.aws.amazon.com/fis/latest/userguide/getting-started-iam-service-role.html),
// and the experiments' own calls are marked as the monkey's: the seed's
// lesson, that CloudTrail tells a team what happened and who did it.
func (c *Clients) History(ctx context.Context, stack string, from, to time.Time) ([]game.Change, error) {
	var out []game.Change
	pages := cloudtrail.NewLookupEventsPaginator(c.CloudTrail, &cloudtrail.LookupEventsInput{
		StartTime:        aws.Time(from),
		EndTime:          aws.Time(to),
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyReadOnly, AttributeValue: aws.String("false")}},
	})
	chaos := contract.ChaosStackName(cmp.Or(stack, contract.DefaultStackName)) + "-"
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, &CallError{"cloudtrail:LookupEvents", err}
		}
		for _, e := range page.Events {
			ch := game.Change{At: aws.ToTime(e.EventTime), Call: aws.ToString(e.EventName), Source: aws.ToString(e.EventSource), By: aws.ToString(e.Username)}
			for _, r := range e.Resources {
				ch.Resources = append(ch.Resources, aws.ToString(r.ResourceName))
			}
			var record struct {
				UserIdentity struct {
					Arn       string `json:"arn"`
					InvokedBy string `json:"invokedBy"`
				} `json:"userIdentity"`
			}
			if json.Unmarshal([]byte(aws.ToString(e.CloudTrailEvent)), &record) == nil {
				id := record.UserIdentity
				if id.Arn != "" {
					ch.By = id.Arn
				}
				if id.InvokedBy != "" {
					ch.By += " via " + id.InvokedBy
				}
				role := id.Arn[strings.LastIndex(id.Arn, ":")+1:]
				ch.Monkey = strings.HasPrefix(role, "assumed-role/"+chaos) || ch.Source == "fis.amazonaws.com" || id.InvokedBy == "fis.amazonaws.com"
			}
			out = append(out, ch)
		}
	}
	slices.SortStableFunc(out, func(a, b game.Change) int { return a.At.Compare(b.At) })
	return out, nil
}
