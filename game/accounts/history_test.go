package accounts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// cloudTrail stands in for CloudTrail's LookupEvents, which moto does not
// implement: it answers as the API reference documents
// (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html),
// JSON 1.1 with events whose CloudTrailEvent is the record as a string, a
// page of two at a time with a NextToken, and records each request.
type cloudTrail struct {
	mu       sync.Mutex
	requests []map[string]any
	events   []map[string]any
}

func (c *cloudTrail) serve(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".LookupEvents") {
			http.Error(w, `{"__type":"InvalidRequestException","message":"not in the stand-in"}`, http.StatusBadRequest)
			return
		}
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		c.mu.Lock()
		c.requests = append(c.requests, req)
		c.mu.Unlock()
		start := 0
		if tok, ok := req["NextToken"].(string); ok {
			fmt.Sscan(tok, &start)
		}
		end := min(start+2, len(c.events))
		out := map[string]any{"Events": c.events[start:end]}
		if end < len(c.events) {
			out["NextToken"] = fmt.Sprint(end)
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// event is a CloudTrail event as LookupEvents returns it, newest first.
func trailEvent(at time.Time, call, source, arn, invokedBy, resource string) map[string]any {
	record, _ := json.Marshal(map[string]any{"eventName": call, "eventSource": source, "userIdentity": map[string]any{"type": "AssumedRole", "arn": arn, "invokedBy": invokedBy}})
	e := map[string]any{"EventId": call + at.String(), "EventName": call, "EventSource": source, "EventTime": float64(at.Unix()), "Username": arn[strings.LastIndex(arn, "/")+1:], "CloudTrailEvent": string(record)}
	if resource != "" {
		e["Resources"] = []map[string]any{{"ResourceType": "AWS::EC2::Instance", "ResourceName": resource}}
	}
	return e
}

// The account's history is its writes in the game's window, oldest first,
// each with who made it; the chaos stack's roles' and AWS FIS's own are
// the monkey's.
func TestTheHistoryListsTheWritesAndMarksTheMonkeys(t *testing.T) {
	staticCredentials(t)
	start := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	trail := &cloudTrail{events: []map[string]any{
		trailEvent(start.Add(40*time.Minute), "DeleteLoadBalancer", "elasticloadbalancing.amazonaws.com", "arn:aws:sts::123456789012:assumed-role/TeamAdmin/ana", "", "web"),
		trailEvent(start.Add(30*time.Minute), "TerminateInstances", "ec2.amazonaws.com", "arn:aws:sts::123456789012:assumed-role/UnicornRentals-Chaos-ExperimentRole1A2B3C/fis-session", "", "i-0abc"),
		trailEvent(start.Add(29*time.Minute), "StartExperiment", "fis.amazonaws.com", "arn:aws:sts::123456789012:assumed-role/UnicornRentals-Chaos-StarterRole4D5E6F/gameday-board", "", ""),
		trailEvent(start.Add(10*time.Minute), "ReleaseAddress", "ec2.amazonaws.com", "arn:aws:sts::123456789012:assumed-role/TeamAdmin/bo", "", ""),
		trailEvent(start.Add(5*time.Minute), "UpdateStack", "cloudformation.amazonaws.com", "arn:aws:sts::123456789012:assumed-role/TeamAdmin/ana", "", ""),
	}}
	c, err := Connect(context.Background(), Account{Endpoint: trail.serve(t)})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := c.History(context.Background(), "UnicornRentals", start, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range changes {
		got = append(got, fmt.Sprintf("%s %s %v", ch.At.Sub(start), ch.Call, ch.Monkey))
	}
	want := "5m0s UpdateStack false|10m0s ReleaseAddress false|29m0s StartExperiment true|30m0s TerminateInstances true|40m0s DeleteLoadBalancer false"
	if strings.Join(got, "|") != want {
		t.Errorf("history %q, want %q", strings.Join(got, "|"), want)
	}
	if last := changes[len(changes)-1]; last.By != "arn:aws:sts::123456789012:assumed-role/TeamAdmin/ana" || len(last.Resources) != 1 || last.Resources[0] != "web" {
		t.Errorf("the last change %+v: want who made it and what it named", last)
	}
	if len(trail.requests) != 3 {
		t.Errorf("%d requests for 5 events at 2 a page, want 3", len(trail.requests))
	}
	req := trail.requests[0]
	if text, _ := json.Marshal(req["LookupAttributes"]); string(text) != `[{"AttributeKey":"ReadOnly","AttributeValue":"false"}]` || req["StartTime"] != float64(start.Unix()) || req["EndTime"] != float64(start.Add(time.Hour).Unix()) {
		t.Errorf("request %v: want the writes of the game's window", req)
	}
}
