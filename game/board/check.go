package board

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// ErrDamaged is returned for a database file that cannot be read back.
var ErrDamaged = errors.New("damaged")

// The head of a bbolt file: two meta pages, each a 16-byte page header
// then the meta (go.etcd.io/bbolt/internal/common: Page, Meta).
const (
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	pageHeaderSize = 16
	metaSize       = 64 // through the checksum
	checksumOffset = 56
)

type boltMeta struct {
	pageSize uint32
	pages    uint64 // the high-water mark: the file holds this many pages
	txid     uint64
}

// readMeta reads the meta at off, or says why it is not one.
func readMeta(f *os.File, off int64) (boltMeta, error) {
	b := make([]byte, pageHeaderSize+metaSize)
	if _, err := f.ReadAt(b, off); err != nil {
		return boltMeta{}, err
	}
	m := b[pageHeaderSize:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, errors.New("not a bbolt meta page")
	}
	h := fnv.New64a()
	h.Write(m[:checksumOffset])
	if h.Sum64() != le.Uint64(m[checksumOffset:]) {
		return boltMeta{}, errors.New("meta page checksum mismatch")
	}
	return boltMeta{pageSize: le.Uint32(m[8:]), pages: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, nil
}

// checkFile says whether the database at path can be opened without
// faulting: an empty file, a file whose meta pages are both unreadable or
// one shorter than its last transaction needs is damaged. bbolt itself
// maps the file and would stop the process with SIGBUS on a short one.
func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.Size() == 0 {
		return fmt.Errorf("%w: the file is empty", ErrDamaged)
	}
	m0, err0 := readMeta(f, 0)
	pageSize := int64(os.Getpagesize())
	if err0 == nil {
		pageSize = int64(m0.pageSize)
	}
	m1, err1 := readMeta(f, pageSize)
	var m boltMeta
	switch {
	case err0 != nil && err1 != nil:
		if errors.Is(err0, io.EOF) || errors.Is(err1, io.EOF) {
			return fmt.Errorf("%w: %d bytes, too short for a database", ErrDamaged, info.Size())
		}
		return fmt.Errorf("%w: neither meta page is valid (%v; %v)", ErrDamaged, err0, err1)
	case err1 != nil || (err0 == nil && m0.txid >= m1.txid):
		m = m0
	default:
		m = m1
	}
	if need := int64(m.pages) * int64(m.pageSize); info.Size() < need {
		return fmt.Errorf("%w: truncated to %d bytes, its last transaction needs %d", ErrDamaged, info.Size(), need)
	}
	return nil
}

// readEverything reads every key and value of the open database, so a
// damaged page surfaces here, as an error, rather than mid-game. bbolt
// panics on what it cannot parse, and a bad mapping faults: both are
// recovered.
func readEverything(db *bolt.DB) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrDamaged, r)
		}
	}()
	return db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return walk(b)
		})
	})
}

func walk(b *bolt.Bucket) error {
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			if child := b.Bucket(k); child != nil {
				return walk(child)
			}
		}
		return nil
	})
}
