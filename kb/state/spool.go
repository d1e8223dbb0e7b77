package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"faqbot/kb"
)

// SpoolFile is the vote spool's file name under the data directory.
const SpoolFile = "vote-spool.db"

// DefaultSpoolMax bounds the votes a Spool keeps (about 200 B each on
// disk: some 100 MB), some ten minutes of an 800 votes/s flood.
const DefaultSpoolMax = 500000

var bucketSpool = []byte("votes")

// Spool is a durable queue of votes in a bbolt file of its own under the
// data directory: where kb/state/resilient keeps the votes PostgreSQL has not
// taken yet, so that an acknowledged vote survives an outage and a crash
// (each Append is committed and fsync'd before it returns; concurrent
// Appends share a commit). Votes come out oldest first, in batches.
type Spool struct {
	db  *bolt.DB
	max int

	mu sync.Mutex
	n  int // votes held, Appends under way included
}

// spooled is a vote as the spool keeps it (kb.Vote's JSON leaves out the
// user hash).
type spooled struct {
	User    string    `json:"u"`
	Article string    `json:"a"`
	Lang    string    `json:"l"`
	Channel string    `json:"c"`
	Up      bool      `json:"up"`
	Time    time.Time `json:"t"`
	At      time.Time `json:"at"` // when it was spooled
}

// OpenSpool opens (creating if needed) the vote spool in dir, holding at
// most max votes (DefaultSpoolMax when max <= 0). A second process gets
// ErrLocked within two seconds.
func OpenSpool(dir string, max int) (*Spool, error) {
	if max <= 0 {
		max = DefaultSpoolMax
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("vote spool: %w", err)
	}
	path := filepath.Join(dir, SpoolFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("vote spool %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open vote spool %s: %w", path, err)
	}
	db.MaxBatchDelay = 2 * time.Millisecond
	s := &Spool{db: db, max: max}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketSpool)
		if err != nil {
			return err
		}
		s.n = b.Stats().KeyN
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init vote spool %s: %w", path, err)
	}
	return s, nil
}

// Append keeps v durably, or refuses it with kb.ErrBusy when the spool
// holds its maximum.
func (s *Spool) Append(v kb.Vote) error {
	s.mu.Lock()
	if s.n >= s.max {
		s.mu.Unlock()
		return fmt.Errorf("vote spool full (%d votes): %w", s.max, kb.ErrBusy)
	}
	s.n++
	s.mu.Unlock()
	data, err := json.Marshal(spooled{User: v.UserHash, Article: v.Article, Lang: v.Lang, Channel: v.Channel, Up: v.Up, Time: v.Time, At: time.Now()})
	if err == nil {
		err = s.db.Batch(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucketSpool)
			seq, err := b.NextSequence()
			if err != nil {
				return err
			}
			return b.Put(binary.BigEndian.AppendUint64(nil, seq), data)
		})
	}
	if err != nil {
		s.mu.Lock()
		s.n--
		s.mu.Unlock()
		return fmt.Errorf("vote spool: %w", err)
	}
	return nil
}

// Peek returns up to n of the oldest votes and the position of the last,
// for Remove once they are written elsewhere.
func (s *Spool) Peek(n int) ([]kb.Vote, uint64, error) {
	var out []kb.Vote
	var last uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSpool).Cursor()
		for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
			var r spooled
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("vote spool entry %x: %w", k, err)
			}
			out = append(out, kb.Vote{UserHash: r.User, Article: r.Article, Lang: r.Lang, Channel: r.Channel, Up: r.Up, Time: r.Time})
			last = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	return out, last, err
}

// Remove forgets the votes up to and including position through.
func (s *Spool) Remove(through uint64) error {
	removed := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSpool).Cursor()
		removed = 0
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) <= through; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
			removed++
		}
		return nil
	})
	if err == nil {
		s.mu.Lock()
		s.n -= removed
		s.mu.Unlock()
	}
	return err
}

// Len is how many votes the spool holds.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// Oldest is when the oldest vote held was spooled (false when empty).
func (s *Spool) Oldest() (time.Time, bool) {
	var at time.Time
	ok := false
	s.db.View(func(tx *bolt.Tx) error {
		if k, v := tx.Bucket(bucketSpool).Cursor().First(); k != nil {
			var r spooled
			if json.Unmarshal(v, &r) == nil {
				at, ok = r.At, true
			}
		}
		return nil
	})
	return at, ok
}

// Close closes the spool; what it holds stays on disk for the next Open.
func (s *Spool) Close() error { return s.db.Close() }
