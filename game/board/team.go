package board

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/unicorn-rentals/gameday/service/api"
)

// TeamToken is a team's credential: its page and its endpoint proposals,
// nothing else. It is made from the control token, so the facilitator,
// who holds that, can print every team's at any time (gameday ctl teams),
// and the board keeps only its public key; a team's tells nothing of the
// control token or of another team's.
func TeamToken(controlToken, team string) string {
	mac := hmac.New(sha256.New, []byte(controlToken))
	mac.Write([]byte("gameday/team/" + team))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// teamKeys are the teams' public keys for a control token.
func teamKeys(controlToken string, teams []Team) map[string][]byte {
	keys := map[string][]byte{}
	for _, t := range teams {
		keys[t.Name] = PublicKey(TeamToken(controlToken, t.Name))
	}
	return keys
}

// TeamView is what a team's page shows: its line of the room's standings,
// its trend, each minute's breakdown, its bill, its endpoint, and the
// events that concern it, frozen or hidden as the room's are.
type TeamView struct {
	Team     string   `json:"team"`
	Endpoint string   `json:"endpoint"`
	Proposed string   `json:"proposed,omitempty"` // checked, moved at the next minute
	Teams    int      `json:"teams"`
	State    State    `json:"state"`
	GameTime string   `json:"game_time"`
	Minutes  int      `json:"minutes"`
	Length   int      `json:"length"`
	FrozenAt *int     `json:"frozen_at,omitempty"`
	Hidden   bool     `json:"hidden,omitempty"`
	Standing Standing `json:"standing"`
	// Trend is the points each of the last minutes brought, oldest first.
	Trend []float64 `json:"trend"`
	// Minutes of the team, newest first (at most 60).
	Rows   []Minute `json:"rows"`
	Events []Event  `json:"events"`
	// Quests are the catalog's flaws as the team's quests, with the hints
	// it took; QuestNote why their state may be unknown.
	Quests    []QuestView `json:"quests"`
	QuestNote string      `json:"quest_note,omitempty"`
}

// trendMinutes is how many minutes a team's trend covers.
const trendMinutes = 10

// TeamView is team's page now, as the room may see it.
func (b *Board) TeamView(team string) (TeamView, error) {
	s := b.Snapshot()
	b.mu.Lock()
	t, ok := b.byName[team]
	if !ok {
		b.mu.Unlock()
		return TeamView{}, fmt.Errorf("%w %q", ErrNoSuchTeam, team)
	}
	v := TeamView{Team: team, Endpoint: t.target.Load().String(), Proposed: t.proposed, Teams: len(b.teams), State: s.State, GameTime: s.GameTime,
		Minutes: s.Minutes, Length: s.Length, FrozenAt: s.FrozenAt, Hidden: s.Hidden}
	shown := b.closed
	if s.FrozenAt != nil {
		shown = *s.FrozenAt
	}
	if s.Hidden {
		shown = 0
	}
	rows := slices.Clone(t.rows[:min(shown, len(t.rows))])
	v.Quests, v.QuestNote = b.questViewsLocked(t)
	b.mu.Unlock()
	if i := slices.IndexFunc(s.Standings, func(st Standing) bool { return st.Name == team }); i >= 0 {
		v.Standing = s.Standings[i]
	}
	scores := s.Scores[team]
	for i := max(len(scores)-trendMinutes, 0); i < len(scores); i++ {
		prev := 0.0
		if i > 0 {
			prev = scores[i-1]
		}
		v.Trend = append(v.Trend, scores[i]-prev)
	}
	slices.Reverse(rows)
	v.Rows = rows[:min(len(rows), 60)]
	for _, e := range s.Events {
		if e.Team == team || e.Team == "" && (e.Kind == scriptKind || e.Kind == "note" || e.Kind == "game") {
			v.Events = append(v.Events, e)
		}
	}
	return v, nil
}

// proposalQuestions is how many fresh questions a proposed endpoint must
// answer right, each within the scenario's timeout.
const proposalQuestions = 5

// Propose is a team's request to be played at endpoint: checked first (the
// rules for any endpoint, then fresh questions answered right in time),
// then moved at the next stored minute, with an event.
func (b *Board) Propose(ctx context.Context, team, endpoint string) error {
	b.mu.Lock()
	t, ok := b.byName[team]
	over := b.meta.State == Ended
	timeout := time.Duration(b.meta.Scenario.Timeout)
	b.mu.Unlock()
	if !ok {
		return fmt.Errorf("%w %q", ErrNoSuchTeam, team)
	}
	if over {
		return ErrGameOver
	}
	if err := b.checkEndpoint(endpoint); err != nil {
		return err
	}
	if hosts, ok := b.live.(LiveHosts); ok && t.cost.Live {
		u, _ := url.Parse(endpoint)
		own, err := hosts.Hosts(ctx, t.cost.Access())
		if err != nil {
			return fmt.Errorf("endpoint %s: cannot read your account's distributions and load balancers to check it is yours: %v", endpoint, err)
		}
		if !slices.Contains(own, strings.ToLower(u.Hostname())) {
			return fmt.Errorf("endpoint %s: %s is none of your account's CloudFront distributions or load balancers (%s): propose one of them", endpoint, u.Hostname(), strings.Join(own, ", "))
		}
	}
	if err := probe(ctx, endpoint, t.key, timeout); err != nil {
		return fmt.Errorf("endpoint %s: %w; the team stays at %s", endpoint, err, t.target.Load())
	}
	b.mu.Lock()
	t.proposed = endpoint
	b.mu.Unlock()
	b.note(team, "team", fmt.Sprintf("%s proposed %s: it answered %d fresh questions right; its customers move there at the next minute", team, endpoint, proposalQuestions))
	return nil
}

// probe asks endpoint fresh questions, as the game's customers do, and
// says what went wrong with the first answer that was not right in time.
func probe(ctx context.Context, endpoint string, key []byte, timeout time.Duration) error {
	client := &http.Client{Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u, err := url.Parse(endpoint)
	if err != nil {
		return err
	}
	for i := range proposalQuestions {
		raw := make([]byte, 8)
		rand.Read(raw)
		input := "probe-" + hex.EncodeToString(raw)
		q := u.Query()
		q.Set(api.Param, input)
		u.RawQuery = q.Encode()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		resp, err := client.Do(req)
		var netErr interface{ Timeout() bool }
		switch {
		case errors.As(err, &netErr) && netErr.Timeout():
			return fmt.Errorf("question %d got no answer within %s, the customers' patience", i+1, timeout)
		case err != nil:
			return fmt.Errorf("question %d: %v", i+1, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("question %d was answered %s, not 200", i+1, resp.Status)
		}
		if got, want := string(body), api.Answer(key, input); got != want {
			return fmt.Errorf("question %d (?%s=%s) was answered %q, not its answer %s", i+1, api.Param, input, short(strings.TrimSpace(got)), strings.TrimSpace(want))
		}
	}
	return nil
}

// applyProposals moves the teams whose proposals were checked, once a
// minute has been stored.
func (b *Board) applyProposals() {
	b.mu.Lock()
	var moves [][2]string
	for _, t := range b.teams {
		if t.proposed != "" {
			moves = append(moves, [2]string{t.name, t.proposed})
			t.proposed = ""
		}
	}
	b.mu.Unlock()
	for _, m := range moves {
		if err := b.ChangeTeam(m[0], TeamChange{Endpoint: m[1]}); err != nil {
			b.note(m[0], "team", fmt.Sprintf("%s: the move to %s failed: %v", m[0], m[1], err))
		}
	}
}

// teamCall answers a request signed with the team's own token (the
// {name} in the path), and nobody else's.
func (b *Board) teamCall(call func(r *http.Request, team string) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		team := r.PathValue("name")
		b.mu.Lock()
		key := b.meta.TeamKeys[team]
		b.mu.Unlock()
		if key == nil {
			w.Header().Set("WWW-Authenticate", SignatureScheme+` realm="gameday"`)
			writeJSON(w, http.StatusUnauthorized, apiError{fmt.Sprintf("no credential for team %q on this board: check the team's name, or restart the board with its control token (--token) so it can make the teams'", team)})
			return
		}
		if !b.signedBy(w, r, key, "this needs the team's own token (from the facilitator's handout)") {
			return
		}
		v, err := call(r, team)
		if err != nil {
			writeRefusal(w, err, http.StatusUnprocessableEntity)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
}

// short is an answer cut for an error message.
func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
