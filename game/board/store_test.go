package board

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/unicorn-rentals/gameday/game"
)

// BenchmarkStoreMinute stores one game minute for 20 teams, synced to disk
// as the board does, and reports the file's size after a four-hour game.
func BenchmarkStoreMinute(b *testing.B) {
	path := filepath.Join(b.TempDir(), "game.db")
	store, err := OpenStore(path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	rows := make([]Minute, 20)
	for i := range rows {
		rows[i] = Minute{Team: fmt.Sprintf("team-%02d", i+1), Endpoint: "https://d111111abcdef8.cloudfront.net/", Scored: game.Scored{Tally: game.Tally{Answers: 4800, OK: 4790, Failed: 10,
			Hits: 3600, Misses: 1190}, P50ms: 12.5, P99ms: 480.25, Points: 40000, Penalty: 50}, PerSecond: 80, Cost: 3.1, CostPerHour: 0.18, Score: 123456.7}
	}
	b.ResetTimer()
	for n := range b.N {
		for i := range rows {
			rows[i].Minute = n % 240
		}
		if err := store.Write(nil, rows, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if b.N >= 240 {
		info, _ := os.Stat(path)
		b.ReportMetric(float64(info.Size())/1e6, "MB-for-4h")
	}
}

// storeWithMinutes writes a game of 20 teams and n minutes, and closes it.
func storeWithMinutes(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "game.db")
	store, err := OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	meta := &Meta{Setup: game.Setup{Speed: 1, Seed: 1}, ControlKey: PublicKey("t"), Teams: []Team{{AnswerKey: testKey, Name: "team-01", Endpoint: "http://x/"}}}
	if err := store.Write(meta, nil, nil); err != nil {
		t.Fatal(err)
	}
	for m := range n {
		rows := make([]Minute, 20)
		for i := range rows {
			rows[i] = Minute{Team: fmt.Sprintf("team-%02d", i+1), Minute: m, Endpoint: "https://d111111abcdef8.cloudfront.net/", Score: float64(m)}
		}
		if err := store.Write(nil, rows, nil); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	return path
}

// A damaged database never panics and never starts a new game: opening
// it says what is wrong and offers the copy of the last stored minute.
func TestADamagedDatabaseIsReportedWithItsCopy(t *testing.T) {
	for name, damage := range map[string]func(f *os.File){
		"truncated to 16,384 bytes": func(f *os.File) { f.Truncate(16384) },
		"truncated to 40,000 bytes": func(f *os.File) { f.Truncate(40000) },
		"truncated to 0 bytes":      func(f *os.File) { f.Truncate(0) },
		"garbage at 8,192":          func(f *os.File) { f.WriteAt(garbage(), 8192) },
		"garbage at 65,536":         func(f *os.File) { f.WriteAt(garbage(), 65536) },
		"garbage at 262,144":        func(f *os.File) { f.WriteAt(garbage(), 262144) },
		"garbage at both meta pages": func(f *os.File) {
			f.WriteAt(garbage(), 0)
			f.WriteAt(garbage(), int64(os.Getpagesize()))
		},
	} {
		t.Run(name, func(t *testing.T) {
			path := storeWithMinutes(t, 150)
			if info, _ := os.Stat(path); info.Size() < 270000 {
				t.Fatalf("the database is %d bytes: too small to damage at 262,144", info.Size())
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			damage(f)
			f.Close()
			store, err := OpenStore(path)
			if err == nil {
				// bbolt may not need a damaged page to open: the damage
				// must then show when the game is read, as an error.
				_, _, _, err = store.Load()
				store.Close()
			}
			if err == nil || !strings.Contains(err.Error(), path+" cannot be read") || !strings.Contains(err.Error(), "--db "+CopyPath(path)) {
				t.Fatalf("opening it: %v", err)
			}
			t.Log(err)
			copied, err := OpenStore(CopyPath(path))
			if err != nil {
				t.Fatalf("the copy: %v", err)
			}
			defer copied.Close()
			if _, rows, _, err := copied.Load(); err != nil || len(rows) != 150*20 {
				t.Errorf("the copy holds %d minutes (%v), want every stored one", len(rows), err)
			}
		})
	}
}

func garbage() []byte {
	b := make([]byte, 512)
	for i := range b {
		b[i] = byte(i*131 + 7)
	}
	return b
}

// A game priced from a template given by a relative path resumes from
// another folder, and after the file is gone: the game holds the template.
func TestAGameResumesFromAnyFolder(t *testing.T) {
	first, elsewhere := t.TempDir(), t.TempDir()
	tpl := `{"Resources": {"Ip": {"Type": "AWS::EC2::EIP"}}}` // $0.005 an hour
	os.WriteFile(filepath.Join(first, "tpl.json"), []byte(tpl), 0o644)
	db := filepath.Join(t.TempDir(), "game.db")

	t.Chdir(first)
	f := newFakeTeam(t)
	g := newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: f.srv.URL, Cost: "tpl.json"})
	g.DefaultCost = ""
	b, store := openBoard(t, db, g)
	if cost := b.Teams()[0].Cost; !filepath.IsAbs(cost) {
		t.Errorf("the team's cost is stored as %q, a relative path", cost)
	}
	// Mid-game, a template comes as its content, never as a path on the
	// board's machine (gameday ctl cost reads the file and uploads it).
	if err := b.ChangeTeam("a", TeamChange{Cost: "/etc/passwd"}); err == nil || !strings.Contains(err.Error(), "a template goes as its content") {
		t.Errorf("a path as the cost: %v, want it refused", err)
	}
	if err := b.ChangeTeam("a", TeamChange{Template: "not a template"}); err == nil || !strings.Contains(err.Error(), "not CloudFormation JSON") {
		t.Errorf("an upload that is no template: %v", err)
	}
	two := `{"Resources": {"Ip": {"Type": "AWS::EC2::EIP"}, "Ip2": {"Type": "AWS::EC2::EIP"}}}` // $0.010 an hour
	if err := b.ChangeTeam("a", TeamChange{Template: two}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	t.Chdir(elsewhere)
	os.Remove(filepath.Join(first, "tpl.json"))
	store, err := OpenStore(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	b, err = Open(store, NewGame{}, Options{})
	if err != nil {
		t.Fatalf("resuming in another folder, the template gone: %v", err)
	}
	got := b.costPerHour(b.byName["a"], Minute{})
	if math.Abs(got-0.010) > 1e-9 {
		t.Errorf("the team is billed $%v an hour from the stored upload, want $0.010", got)
	}
	if cost := b.Teams()[0].Cost; !strings.HasPrefix(cost, "uploaded:") {
		t.Errorf("the team's cost is stored as %q, want the uploaded template's name", cost)
	}
}

// The database holds the tokens' public keys, never the tokens: a new
// game's are shown once and not written; one an older board stored in
// clear becomes its key, is dropped from the record, and still works.
func TestTheDatabaseHoldsKeysNotTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "game.db")
	b, store := openBoard(t, path, newGame(t, Team{AnswerKey: testKey, Name: "a", Endpoint: "http://127.0.0.1:9/"}))
	control, worker := b.Token(), b.WorkerToken()
	if len(control) < 16 || len(worker) < 16 {
		t.Fatalf("tokens %q %q: a new game shows its tokens once", control, worker)
	}
	meta, _, _, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(meta.ControlKey, PublicKey(control)) || !bytes.Equal(meta.WorkerKey, PublicKey(worker)) {
		t.Errorf("stored keys %x %x, want the tokens' public keys", meta.ControlKey, meta.WorkerKey)
	}
	store.Close()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(control)) || bytes.Contains(raw, []byte(worker)) || !bytes.Contains(raw, []byte(`"control_key"`)) {
		t.Errorf("the database file holds a token, or no key at all")
	}

	// A game stored by an older board, with its token in clear.
	const legacy = "an-older-boards-token-0123456789"
	store, err = OpenStore(path)
	if err != nil {
		t.Fatal(err)
	}
	meta.ControlKey, meta.StoredToken = nil, legacy
	if err := store.Write(meta, nil, nil); err != nil {
		t.Fatal(err)
	}
	b, err = Open(store, NewGame{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Token() != "" {
		t.Errorf("a resumed game shows token %q: only a new game's is shown", b.Token())
	}
	if meta, _, _, _ = store.Load(); meta.StoredToken != "" || !bytes.Equal(meta.ControlKey, PublicKey(legacy)) {
		t.Errorf("after resuming: token %q, key %x; want the token dropped and its key kept", meta.StoredToken, meta.ControlKey)
	}
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/events", strings.NewReader(`{"text": "still mine"}`))
	sign(t, req, legacy)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a call signed with the older board's token: %s", resp.Status)
	}
	store.Close()
}
