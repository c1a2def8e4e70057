package board

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/unicorn-rentals/gameday/game"
)

// Minute is one team's scored game minute, as stored and exported.
type Minute struct {
	Team     string `json:"team"`
	Minute   int    `json:"minute"`
	Endpoint string `json:"endpoint"`
	// Scored is what the requests that completed in this minute earned,
	// whatever their outcome.
	game.Scored
	// PerSecond is the answers a real second: the load the team took.
	PerSecond   float64 `json:"per_second"`
	Cost        float64 `json:"cost"`
	CostPerHour float64 `json:"cost_per_hour"`
	// Score is the team's total at the end of this minute.
	Score float64 `json:"score"`
	// Chaos is the experiment running in the team's account when the
	// minute closed, if one was: the score curve shows when chaos hit.
	Chaos string `json:"chaos,omitempty"`
	// Missing says what of the minute was not played or not reported:
	// a worker was lost and another took the team over. Its score is
	// what was reported, if anything was.
	Missing string `json:"missing,omitempty"`
	// Closed is when the board closed the minute, by the wall clock: the
	// debrief places the account's changes in the game by it.
	Closed time.Time `json:"closed,omitzero"`
}

// Event is something the room should know: the game paused, a team's
// errors spiking, a chaos experiment started.
type Event struct {
	Seq    int       `json:"seq"`
	Wall   time.Time `json:"wall"`
	Minute int       `json:"minute"`
	Team   string    `json:"team,omitempty"`
	// Kind is game, team, errors, chaos, note, script, rule (a rule the
	// team's account breaks), quest, hint, or one of the facilitator's:
	// award, freeze, reveal, hide, show.
	Kind string `json:"kind"`
	Text string `json:"text"`
	// Points of an award (a penalty when negative).
	Points float64 `json:"points,omitempty"`
	// Chaos is started, ended or failed on the chaos events of an
	// experiment the board started; empty on the facilitator's own.
	Chaos string `json:"chaos,omitempty"`
	// Flaw is the catalog's flaw of a quest or hint event; only the team
	// and the facilitator see it.
	Flaw string `json:"flaw,omitempty"`
	// Quest is done or back on a quest event; Hint the level of a hint.
	Quest string `json:"quest,omitempty"`
	Hint  int    `json:"hint,omitempty"`
}

// Meta is the game itself: enough to resume it after a crash.
type Meta struct {
	// Setup is the game played; its fields are the record's scenario,
	// rules, speed and seed.
	game.Setup
	// ControlKey checks the signatures of the control token's calls
	// (PublicKey), every change of state; it survives a restart so that
	// the facilitator's scripts keep working. The token is never stored.
	ControlKey []byte `json:"control_key,omitempty"`
	// WorkerKey checks the workers' calls, and only those.
	WorkerKey []byte `json:"worker_key,omitempty"`
	// TeamKeys check each team's calls: its page and its proposals.
	TeamKeys map[string][]byte `json:"team_keys,omitempty"`
	// StoredToken and StoredWorkerToken are read from a game stored before
	// the keys, turned into keys and dropped at the next write.
	StoredToken       string    `json:"token,omitempty"`
	StoredWorkerToken string    `json:"worker_token,omitempty"`
	Created           time.Time `json:"created"`
	State             State     `json:"state"`
	// Teams as they are now: endpoints moved mid-game are kept here.
	Teams []Team `json:"teams"`
	// DefaultCost prices the teams whose line gives none.
	DefaultCost string `json:"default_cost,omitempty"`
	// Templates are the contents of the templates costs name, by absolute
	// path: the game resumes from any folder, whether or not they are there.
	Templates map[string][]byte `json:"templates,omitempty"`
	// Played is the game time reached when the game ended; while it runs
	// the stored minutes say how far it got.
	Played game.Duration `json:"played"`
}

var (
	metaBucket    = []byte("meta")
	minutesBucket = []byte("minutes")
	eventsBucket  = []byte("events")
	metaKey       = []byte("game")
)

// Store keeps a game in one file. Each write is one transaction, synced
// to disk before it returns, so a crash loses at most the minute being
// played.
type Store struct {
	db   *bolt.DB
	path string
}

// ErrInUse is returned when another process holds the database.
var ErrInUse = errors.New("in use")

// OpenStore opens the database at path, or creates it when there is no
// file. A file that cannot be read back is an error naming the file, what
// is wrong and the copy to resume from: never a panic, never a new game.
func OpenStore(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	_, statErr := os.Stat(path)
	exists := statErr == nil
	if exists {
		if err := checkFile(path); err != nil {
			return nil, damaged(path, err)
		}
	}
	db, err := openGuarded(path)
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("database %s is %w by another gameday board: stop it, or export through it with --server", path, ErrInUse)
	}
	if err != nil {
		return nil, damaged(path, err)
	}
	if exists {
		if err := readEverything(db); err != nil {
			db.Close()
			return nil, damaged(path, err)
		}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{metaBucket, minutesBucket, eventsBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// openGuarded opens the file with bbolt, turning its panics and faults on
// a damaged file into an error.
func openGuarded(path string) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	return bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
}

// CopyPath is where the store keeps its copy of the last stored minute.
func CopyPath(path string) string { return path + ".copy" }

// damaged explains a damaged file and how to go on.
func damaged(path string, err error) error {
	if !errors.Is(err, ErrDamaged) && !errors.Is(err, bolterrors.ErrInvalid) && !errors.Is(err, bolterrors.ErrChecksum) && !errors.Is(err, bolterrors.ErrVersionMismatch) {
		return fmt.Errorf("database %s: %w", path, err)
	}
	next := "move it away to start a new game"
	if _, statErr := os.Stat(CopyPath(path)); statErr == nil {
		next = fmt.Sprintf("resume from the copy of its last stored minute with --db %s, or move it away to start a new game", CopyPath(path))
	}
	return fmt.Errorf("database %s cannot be read (%v): %s", path, err, next)
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Load returns the stored game, or nil when there is none yet, with its
// minutes in team and minute order and its events in order.
func (s *Store) Load() (*Meta, []Minute, []Event, error) {
	var (
		meta   *Meta
		rows   []Minute
		events []Event
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(metaBucket).Get(metaKey); b != nil {
			meta = new(Meta)
			if err := json.Unmarshal(b, meta); err != nil {
				return fmt.Errorf("the game's record: %w", err)
			}
		}
		var err error
		if rows, err = readAll[Minute](tx.Bucket(minutesBucket), "minute"); err != nil {
			return err
		}
		events, err = readAll[Event](tx.Bucket(eventsBucket), "event")
		return err
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("database %s: %w", s.path, err)
	}
	return meta, rows, events, nil
}

// readAll decodes every value of a bucket, in key order.
func readAll[T any](bucket *bolt.Bucket, what string) ([]T, error) {
	var all []T
	err := bucket.ForEach(func(k, v []byte) error {
		var item T
		if err := json.Unmarshal(v, &item); err != nil {
			return fmt.Errorf("%s %q: %w", what, k, err)
		}
		all = append(all, item)
		return nil
	})
	return all, err
}

// putJSON stores v under key as JSON.
func putJSON(bucket *bolt.Bucket, key []byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return bucket.Put(key, b)
}

// Write stores the game's record, minutes and events in one transaction.
func (s *Store) Write(meta *Meta, rows []Minute, events []Event) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if meta != nil {
			if err := putJSON(tx.Bucket(metaBucket), metaKey, meta); err != nil {
				return err
			}
		}
		for _, m := range rows {
			if err := putJSON(tx.Bucket(minutesBucket), minuteKey(m.Team, m.Minute), m); err != nil {
				return err
			}
		}
		for _, e := range events {
			if err := putJSON(tx.Bucket(eventsBucket), binary.BigEndian.AppendUint64(nil, uint64(e.Seq)), e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("database %s: %w", s.path, err)
	}
	if len(rows) > 0 {
		return s.copyOut()
	}
	return nil
}

// copyOut writes a consistent copy of the database beside it, in one read
// transaction, and renames it into place: if the file is damaged later, at
// most the minute being played is lost.
func (s *Store) copyOut() error {
	tmp := CopyPath(s.path) + ".tmp"
	err := s.db.View(func(tx *bolt.Tx) error { return tx.CopyFile(tmp, 0o600) })
	if err == nil {
		err = os.Rename(tmp, CopyPath(s.path))
	}
	if err != nil {
		return fmt.Errorf("database %s: copying it: %w", s.path, err)
	}
	return nil
}

// minuteKey sorts a team's minutes together and in order.
func minuteKey(team string, minute int) []byte {
	return binary.BigEndian.AppendUint32(append([]byte(team), 0), uint32(minute))
}
