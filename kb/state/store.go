package state

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"faqbot/kb"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrLocked is returned by Open when another process holds the
// state store.
var ErrLocked = errors.New("state store is in use by another faqbot")

// File is the state store's file name under the data directory.
const File = "state.db"

// Buckets of the state store.
var (
	bucketMeta    = []byte("meta")    // salt
	bucketOffsets = []byte("offsets") // name → int64 (Telegram update offset)
	bucketLangs   = []byte("langs")   // user hash → language
	bucketTemp    = []byte("temp")    // kind/key → expiring value (seen ids, sessions)
	bucketVotes   = []byte("votes")   // user hash/lang/article → kb.Vote
	bucketLog     = []byte("log")     // time+seq → LogEntry (no user ids)
	// kind/key → expiring value: Volatile's values from a clean Close to
	// the next Open.
	bucketVolatile = []byte("volatile")
	// day \x00 channel \x00 lang \x00 article → count: the query-log entries
	// Sweep removed, kept for the report as per-day aggregates.
	bucketDaily = []byte("daily")
	allBuckets  = [][]byte{bucketMeta, bucketOffsets, bucketLangs, bucketTemp, bucketVotes, bucketLog, bucketVolatile, bucketDaily}
)

// Store is faqbot's bbolt state: what must survive a restart and is not
// content. User ids are stored only as salted hashes.
type Store struct {
	db   *bolt.DB
	salt []byte

	mu      sync.Mutex // guards pending and closed
	pending []kb.LogEntry
	closed  bool
	flushMu sync.Mutex // one batch at a time; guards seq
	seq     uint32
	wake    chan struct{}
	done    chan struct{}
	vol     *volatile // Volatile's values
	// onLogError reports a failed background log write (set by SetLogErrorHandler).
	onLogError func(error)
	logMax     int // Sweep keeps at most this many query-log entries (0: no bound)
}

// SetLogLimit bounds the query log: each Sweep removes the oldest entries
// beyond n (besides those past the retention). 0 means no bound.
func (s *Store) SetLogLimit(n int) { s.logMax = max(n, 0) }

// SetLogErrorHandler sets where failed background writes of the query log
// are reported (a logger); call it before the first RecordQuestion.
func (s *Store) SetLogErrorHandler(fn func(error)) { s.onLogError = fn }

// Open opens (creating if needed) the state store in dir. A second
// process gets ErrLocked within two seconds instead of waiting forever.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state store: %w", err)
	}
	path := filepath.Join(dir, File)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		pid := "?"
		if b, rerr := os.ReadFile(path + ".pid"); rerr == nil {
			pid = strings.TrimSpace(string(b))
		}
		return nil, fmt.Errorf("%s (pid %s): %w", path, pid, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open state store %s: %w", path, err)
	}
	// Batched writes wait at most this long for company: enough to share an
	// fsync under load, short enough not to add to a reply's latency.
	db.MaxBatchDelay = 2 * time.Millisecond
	s := &Store{db: db, wake: make(chan struct{}, 1), done: make(chan struct{}), vol: newVolatile(DefaultVolatileMax)}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := s.vol.load(tx); err != nil {
			return err
		}
		meta := tx.Bucket(bucketMeta)
		if salt := meta.Get([]byte("salt")); salt != nil {
			s.salt = append([]byte(nil), salt...)
			return nil
		}
		s.salt = make([]byte, 32)
		if _, err := rand.Read(s.salt); err != nil {
			return err
		}
		return meta.Put([]byte("salt"), s.salt)
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("init state store: %w", err)
	}
	_ = os.WriteFile(path+".pid", []byte(strconv.Itoa(os.Getpid())), 0o600)
	go s.logWriter()
	return s, nil
}

// Close writes the pending query log and values and closes the store.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.wake)
	<-s.done
	ferr := s.FlushLog()
	verr := s.db.Update(s.vol.save)
	_ = os.Remove(s.db.Path() + ".pid")
	return errors.Join(ferr, verr, s.db.Close())
}

// HashUser returns the stored form of a platform user id: a salted SHA-256,
// so the store and logs never hold raw ids. The salt is per installation.
func (s *Store) HashUser(user string) string { return kb.HashUser(s.salt, user) }

// Offset returns a stored counter such as the Telegram update offset (0 if unset).
func (s *Store) Offset(name string) (int64, error) {
	var v int64
	err := s.db.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketOffsets).Get([]byte(name)); len(b) == 8 {
			v = int64(binary.BigEndian.Uint64(b))
		}
		return nil
	})
	return v, err
}

// SetOffset stores a counter.
func (s *Store) SetOffset(name string, v int64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOffsets).Put([]byte(name), binary.BigEndian.AppendUint64(nil, uint64(v)))
	})
}

// UserLang returns the language a user chose ("" if none).
func (s *Store) UserLang(userHash string) (string, error) {
	var lang string
	err := s.db.View(func(tx *bolt.Tx) error {
		lang = string(tx.Bucket(bucketLangs).Get([]byte(userHash)))
		return nil
	})
	return lang, err
}

// SetUserLang stores a user's language; "" forgets it.
func (s *Store) SetUserLang(userHash, lang string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLangs)
		if lang == "" {
			return b.Delete([]byte(userHash))
		}
		return b.Put([]byte(userHash), []byte(lang))
	})
}

func tempKey(kind, key string) []byte { return []byte(kind + "\x00" + key) }

// PutTemp stores a short-lived value (a seen message id with its reply, a
// chat session) that expires after ttl.
func (s *Store) PutTemp(kind, key string, val []byte, ttl time.Duration) error {
	exp := binary.BigEndian.AppendUint64(nil, uint64(time.Now().Add(ttl).UnixNano()))
	// Batch: concurrent writers (every WeChat reply is saved for retries)
	// share one transaction and one fsync. The put is idempotent, as Batch
	// requires.
	return s.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTemp).Put(tempKey(kind, key), append(exp, val...))
	})
}

// tempVal is an expiring value: its expiry (Unix nanoseconds) and bytes.
type tempVal struct {
	exp int64
	val []byte
}

// wakeLocked tells the background writer there is something to write;
// s.mu is held and the store is open.
func (s *Store) wakeLocked() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// GetTemp returns a short-lived value unless it is missing or expired.
func (s *Store) GetTemp(kind, key string) ([]byte, bool, error) {
	k := tempKey(kind, key)
	var out []byte
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketTemp).Get(k)
		if len(v) < 8 || int64(binary.BigEndian.Uint64(v[:8])) < time.Now().UnixNano() {
			return nil
		}
		out, ok = append([]byte(nil), v[8:]...), true
		return nil
	})
	return out, ok, err
}

// ClaimTemp stores val under key only if no unexpired value is there, and
// reports whether it did: one process answers a message, retries see the claim.
func (s *Store) ClaimTemp(kind, key string, val []byte, ttl time.Duration) (bool, []byte, error) {
	var claimed bool
	var existing []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTemp)
		k := tempKey(kind, key)
		if v := b.Get(k); len(v) >= 8 && int64(binary.BigEndian.Uint64(v[:8])) >= time.Now().UnixNano() {
			existing = append([]byte(nil), v[8:]...)
			return nil
		}
		claimed = true
		exp := binary.BigEndian.AppendUint64(nil, uint64(time.Now().Add(ttl).UnixNano()))
		return b.Put(k, append(exp, val...))
	})
	return claimed, existing, err
}

// RecordVote stores a vote; a user's later vote on the same article replaces
// the earlier one, so repeated clicks do not skew the counts.
func (s *Store) RecordVote(v kb.Vote) error {
	if err := kb.ValidateVote(v); err != nil {
		return err
	}
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.db.Batch(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketVotes).Put([]byte(v.UserHash+"/"+v.Lang+"/"+v.Article), data)
	})
}

// RecordQuestion appends to the query log. Entries are written in batches
// by a background writer (one fsync per batch instead of per question);
// Close and FlushLog write what is pending.
func (s *Store) RecordQuestion(e kb.LogEntry) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.pending = append(s.pending, e)
	if len(s.pending) == 1 {
		s.wakeLocked()
	}
	return nil
}

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("state store closed")

// logBatchDelay is how long the writer waits to gather a batch.
const logBatchDelay = 50 * time.Millisecond

func (s *Store) logWriter() {
	defer close(s.done)
	for range s.wake {
		time.Sleep(logBatchDelay)
		if err := s.FlushLog(); err != nil && s.onLogError != nil {
			s.onLogError(err)
		}
	}
}

// FlushLog writes the pending query log entries now, in one transaction.
func (s *Store) FlushLog() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	s.mu.Lock()
	batch := s.pending
	s.pending = nil
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLog)
		for _, e := range batch {
			data, err := json.Marshal(e)
			if err != nil {
				return err
			}
			s.seq++
			key := binary.BigEndian.AppendUint64(nil, uint64(e.Time.UnixNano()))
			key = binary.BigEndian.AppendUint32(key, s.seq)
			if err := b.Put(key, data); err != nil {
				return err
			}
		}
		return nil
	})
}

// Log calls fn for every log entry since t, oldest first, including those
// still waiting to be written.
func (s *Store) Log(since time.Time, fn func(kb.LogEntry) error) error {
	if err := s.FlushLog(); err != nil {
		return err
	}
	return s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketLog).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, uint64(max(since.UnixNano(), 0)))); k != nil; k, v = c.Next() {
			var e kb.LogEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("log entry %x: %w", k, err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// Votes calls fn for every vote cast since t.
func (s *Store) Votes(since time.Time, fn func(kb.Vote) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketVotes).ForEach(func(k, v []byte) error {
			var vote kb.Vote
			if err := json.Unmarshal(v, &vote); err != nil {
				return fmt.Errorf("vote %q: %w", k, err)
			}
			vote.UserHash, _, _ = strings.Cut(string(k), "/")
			if vote.Time.Before(since) {
				return nil
			}
			return fn(vote)
		})
	})
}

// Sweep deletes expired short-lived values (Volatile's too) and log
// entries and votes older than retention. It returns how many entries it
// removed.
func (s *Store) Sweep(now time.Time, retention time.Duration) (int, error) {
	if err := s.FlushLog(); err != nil {
		return 0, err
	}
	n := s.vol.sweep(now)
	err := s.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketTemp).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(v) < 8 || int64(binary.BigEndian.Uint64(v[:8])) < now.UnixNano() {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
		}
		// Removed log entries are kept as per-day aggregates for the report.
		daily := map[string]uint64{}
		removeFirst := func(c *bolt.Cursor, v []byte) error {
			var e kb.LogEntry
			if json.Unmarshal(v, &e) == nil {
				daily[dailyKey(e)]++
			}
			n++
			return c.Delete()
		}
		if s.logMax > 0 {
			c = tx.Bucket(bucketLog).Cursor()
			for over := tx.Bucket(bucketLog).Stats().KeyN - s.logMax; over > 0; over-- {
				k, v := c.First()
				if k == nil {
					break
				}
				if err := removeFirst(c, v); err != nil {
					return err
				}
			}
		}
		if retention > 0 {
			cutoff := binary.BigEndian.AppendUint64(nil, uint64(max(now.Add(-retention).UnixNano(), 0)))
			c = tx.Bucket(bucketLog).Cursor()
			for k, v := c.First(); k != nil && bytes.Compare(k, cutoff) < 0; k, v = c.First() {
				if err := removeFirst(c, v); err != nil {
					return err
				}
			}
		}
		db := tx.Bucket(bucketDaily)
		for k, add := range daily {
			var cur uint64
			if v := db.Get([]byte(k)); len(v) == 8 {
				cur = binary.BigEndian.Uint64(v)
			}
			if err := db.Put([]byte(k), binary.BigEndian.AppendUint64(nil, cur+add)); err != nil {
				return err
			}
		}
		if retention <= 0 {
			return nil
		}
		c = tx.Bucket(bucketVotes).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var vote kb.Vote
			if json.Unmarshal(v, &vote) == nil && vote.Time.Before(now.Add(-retention)) {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

// dailyKey is a log entry's key in bucketDaily: its UTC day, channel,
// language and article ("" when not answered).
func dailyKey(e kb.LogEntry) string {
	return e.Time.UTC().Format(time.DateOnly) + "\x00" + e.Channel + "\x00" + e.Lang + "\x00" + e.ID
}

// Check verifies the store's pages (bbolt's own check) and that every value
// decodes: tests call it after each operation sequence.
func (s *Store) Check() error {
	if err := s.FlushLog(); err != nil {
		return err
	}
	// bbolt's check is only exact in a writable transaction when other
	// writers may run (a read-only one can report freed pages in use).
	return s.db.Update(func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			return fmt.Errorf("bbolt check: %w", err)
		}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("missing bucket %s", b)
			}
		}
		if len(tx.Bucket(bucketMeta).Get([]byte("salt"))) != 32 {
			return errors.New("salt missing or short")
		}
		if err := tx.Bucket(bucketOffsets).ForEach(func(k, v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("offset %q: %d bytes", k, len(v))
			}
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketDaily).ForEach(func(k, v []byte) error {
			if len(v) != 8 || bytes.Count(k, []byte{0}) != 3 {
				return fmt.Errorf("daily %q: bad key or count", k)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, b := range [][]byte{bucketTemp, bucketVolatile} {
			if err := tx.Bucket(b).ForEach(func(k, v []byte) error {
				if len(v) < 8 {
					return fmt.Errorf("%s %q: no expiry", b, k)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketVotes).ForEach(func(k, v []byte) error {
			var vote kb.Vote
			if err := json.Unmarshal(v, &vote); err != nil {
				return fmt.Errorf("vote %q: %w", k, err)
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketLog).ForEach(func(k, v []byte) error {
			var e kb.LogEntry
			if len(k) != 12 {
				return fmt.Errorf("log key %x: %d bytes", k, len(k))
			}
			return json.Unmarshal(v, &e)
		})
	})
}
