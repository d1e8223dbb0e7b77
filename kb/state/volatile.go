package state

import (
	"cmp"
	"encoding/binary"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultVolatileMax is how many values Volatile keeps at most: 33 MiB of
// typical conversation contexts (measured; the longest subjects double
// it), ten minutes of 160 new users a second.
const DefaultVolatileMax = 100_000

// Volatile is a Memory (GetTemp, PutTemp) for short-lived values whose
// loss costs little: `faqbot serve` keeps conversation contexts in it.
// Values live in memory, at most DefaultVolatileMax of them (beyond that
// the oldest written goes first); Close saves the unexpired ones to the
// file and the next Open reads them back and removes them from it, so a
// clean restart keeps every value and a crash loses them all (a follow-up
// asked across it is read on its own), never bringing back an older one.
//
// Nothing here waits for the disk: a new user's context used to be a new
// key in the file's B-tree, about one 4 kB page written per user.
type Volatile struct{ v *volatile }

// volatile is the state behind Volatile, owned by the Store.
type volatile struct {
	mu      sync.Mutex
	vals    map[string]tempVal // by tempKey
	order   []volatileRef      // by time written, oldest first from head
	head    int
	max     int
	dropped uint64 // unexpired values dropped beyond max
	closed  bool
}

// volatileRef is a value's place in the order; it is stale once its key
// holds a newer value (another exp) or none.
type volatileRef struct {
	key string
	exp int64
}

func newVolatile(max int) *volatile {
	return &volatile{vals: map[string]tempVal{}, max: max}
}

// Volatile returns the store's in-memory values.
func (s *Store) Volatile() Volatile { return Volatile{s.vol} }

// GetTemp returns a value unless it is missing or expired.
func (m Volatile) GetTemp(kind, key string) ([]byte, bool, error) {
	v := m.v
	v.mu.Lock()
	mv, ok := v.vals[kind+"\x00"+key]
	v.mu.Unlock()
	if !ok || mv.exp < time.Now().UnixNano() {
		return nil, false, nil
	}
	return append([]byte(nil), mv.val...), true, nil
}

// Len is how many values are kept (some may have expired since); Dropped
// how many unexpired ones went for room. Both for /metrics: a Dropped that
// grows says conversations are forgotten before their time.
func (m Volatile) Len() int { return m.v.len() }

// Dropped: see Len.
func (m Volatile) Dropped() uint64 {
	m.v.mu.Lock()
	defer m.v.mu.Unlock()
	return m.v.dropped
}

// PutTemp keeps val under kind and key for ttl; after Close it returns
// ErrClosed.
func (m Volatile) PutTemp(kind, key string, val []byte, ttl time.Duration) error {
	v := m.v
	k, tv := kind+"\x00"+key, tempVal{exp: time.Now().Add(ttl).UnixNano(), val: append([]byte(nil), val...)}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return ErrClosed
	}
	v.putLocked(k, tv)
	return nil
}

// putLocked keeps tv under k, then drops expired values and, beyond max,
// the oldest written.
func (v *volatile) putLocked(k string, tv tempVal) {
	v.vals[k] = tv
	v.order = append(v.order, volatileRef{k, tv.exp})
	now := time.Now().UnixNano()
	for v.head < len(v.order) {
		ref := v.order[v.head]
		cur, ok := v.vals[ref.key]
		live := ok && cur.exp == ref.exp
		if live && cur.exp >= now && len(v.vals) <= v.max {
			break
		}
		if live {
			delete(v.vals, ref.key)
			if cur.exp >= now {
				v.dropped++
			}
		}
		v.order[v.head] = volatileRef{}
		v.head++
	}
	// Rewritten keys leave stale refs: compact when they are most of it.
	if v.head > len(v.order)/2 || len(v.order) > 2*len(v.vals)+64 {
		v.compactLocked()
	}
}

// compactLocked keeps only the live refs, in order.
func (v *volatile) compactLocked() {
	live := v.order[:0]
	for _, ref := range v.order[v.head:] {
		if cur, ok := v.vals[ref.key]; ok && cur.exp == ref.exp {
			live = append(live, ref)
		}
	}
	clear(v.order[len(live):])
	v.order, v.head = live, 0
}

// len is how many values are kept, expired ones not yet dropped included.
func (v *volatile) len() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.vals)
}

// sweep drops the values expired at now.
func (v *volatile) sweep(now time.Time) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for k, tv := range v.vals {
		if tv.exp < now.UnixNano() {
			delete(v.vals, k)
			n++
		}
	}
	if n > 0 {
		v.compactLocked()
	}
	return n
}

// load reads the values a clean Close saved, oldest first, and empties
// bucketVolatile, in tx: from now on they live only in memory.
func (v *volatile) load(tx *bolt.Tx) error {
	b := tx.Bucket(bucketVolatile)
	now := time.Now().UnixNano()
	var saved []volatileRef
	byKey := map[string][]byte{}
	if err := b.ForEach(func(k, val []byte) error {
		if len(val) >= 8 {
			if exp := int64(binary.BigEndian.Uint64(val[:8])); exp >= now {
				saved = append(saved, volatileRef{string(k), exp})
				byKey[string(k)] = append([]byte(nil), val[8:]...)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	// Oldest first, so that max keeps the newest.
	slices.SortFunc(saved, func(a, b volatileRef) int { return cmp.Compare(a.exp, b.exp) })
	v.mu.Lock()
	for _, ref := range saved {
		v.putLocked(ref.key, tempVal{exp: ref.exp, val: byKey[ref.key]})
	}
	v.mu.Unlock()
	if err := tx.DeleteBucket(bucketVolatile); err != nil {
		return err
	}
	_, err := tx.CreateBucket(bucketVolatile)
	return err
}

// save refuses further puts and writes the unexpired values into
// bucketVolatile, in tx.
func (v *volatile) save(tx *bolt.Tx) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.closed = true
	b := tx.Bucket(bucketVolatile)
	now := time.Now().UnixNano()
	for k, tv := range v.vals {
		if tv.exp < now {
			continue
		}
		if err := b.Put([]byte(k), append(binary.BigEndian.AppendUint64(nil, uint64(tv.exp)), tv.val...)); err != nil {
			return err
		}
	}
	return nil
}
