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
// Values live in memory, at most DefaultVolatileMax of them; Close saves the
// unexpired ones to the file and the next Open reads them back and removes
// them from it, so a clean restart keeps every value and a crash loses them
// all (a follow-up asked across it is read on its own), never bringing back
// an older one.
//
// Beyond the maximum, eviction keeps active users: a value read back
// (GetTemp: a follow-up, or a user's next question looking for one) or
// written again while it lives is protected; a value written once is on
// probation. Room is made from probation first, oldest written first, so a
// flood of new user ids (100,000 of them in under a minute) evicts other
// newcomers, not the users in a conversation. Protected values are evicted
// (oldest first) only while probation holds less than a quarter of the
// maximum, so newcomers always have that quarter.
//
// Nothing here waits for the disk: a new user's context used to be a new
// key in the file's B-tree, about one 4 kB page written per user.
type Volatile struct{ v *volatile }

// volatile is the state behind Volatile, owned by the Store.
type volatile struct {
	mu      sync.Mutex
	vals    map[string]volEntry // by tempKey
	prob    fifo                // probation: written once
	prot    fifo                // protected: read back or written again
	nProt   int                 // protected values in vals
	max     int
	dropped uint64 // unexpired values dropped beyond max
	closed  bool
}

// volEntry is a value and its segment.
type volEntry struct {
	tempVal
	protected bool
}

// fifo is one segment's order of writes (or promotions), oldest first
// from head. A ref is stale once its key holds a newer value (another exp),
// none, or moved to the other segment.
type fifo struct {
	refs []volatileRef
	head int
}

// volatileRef is a value's place in its segment's order.
type volatileRef struct {
	key string
	exp int64
}

func newVolatile(max int) *volatile {
	return &volatile{vals: map[string]volEntry{}, max: max}
}

// Volatile returns the store's in-memory values.
func (s *Store) Volatile() Volatile { return Volatile{s.vol} }

// GetTemp returns a value unless it is missing or expired. A value read
// back is protected from eviction (see Volatile).
func (m Volatile) GetTemp(kind, key string) ([]byte, bool, error) {
	v := m.v
	k := kind + "\x00" + key
	now := time.Now().UnixNano()
	v.mu.Lock()
	e, ok := v.vals[k]
	if ok && e.exp >= now && !e.protected {
		v.protectLocked(k, e)
	}
	v.mu.Unlock()
	if !ok || e.exp < now {
		return nil, false, nil
	}
	return append([]byte(nil), e.val...), true, nil
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

// protectLocked moves a live value from probation to protected.
func (v *volatile) protectLocked(k string, e volEntry) {
	e.protected = true
	v.vals[k] = e
	v.nProt++
	v.prot.refs = append(v.prot.refs, volatileRef{k, e.exp})
	v.maybeCompactLocked()
}

// putLocked keeps tv under k (protected when k held a live value: a user
// active again), then drops expired values and, beyond max, makes room
// (see Volatile).
func (v *volatile) putLocked(k string, tv tempVal) {
	now := time.Now().UnixNano()
	old, had := v.vals[k]
	if had && old.protected {
		v.nProt--
	}
	e := volEntry{tempVal: tv, protected: had && old.exp >= now}
	v.vals[k] = e
	ref := volatileRef{k, tv.exp}
	if e.protected {
		v.nProt++
		v.prot.refs = append(v.prot.refs, ref)
	} else {
		v.prob.refs = append(v.prob.refs, ref)
	}
	v.trimLocked(&v.prob, false, now)
	v.trimLocked(&v.prot, true, now)
	for len(v.vals) > v.max {
		nProb := len(v.vals) - v.nProt
		f, prot := &v.prob, false
		if v.nProt > 0 && (nProb <= v.max/4 || nProb == 0) {
			f, prot = &v.prot, true
		}
		key, cur, ok := v.popLocked(f, prot)
		if !ok {
			break // cannot happen: the counts say a segment holds a value
		}
		v.dropLocked(key, cur, now)
	}
	v.maybeCompactLocked()
}

// live reports whether ref still names the value in segment prot.
func (v *volatile) live(ref volatileRef, prot bool) (volEntry, bool) {
	cur, ok := v.vals[ref.key]
	return cur, ok && cur.exp == ref.exp && cur.protected == prot
}

// trimLocked drops stale refs and expired values from the head of f.
func (v *volatile) trimLocked(f *fifo, prot bool, now int64) {
	for f.head < len(f.refs) {
		ref := f.refs[f.head]
		cur, live := v.live(ref, prot)
		if live && cur.exp >= now {
			return
		}
		if live {
			v.dropLocked(ref.key, cur, now)
		}
		f.refs[f.head] = volatileRef{}
		f.head++
	}
}

// popLocked removes and returns the oldest live value of f.
func (v *volatile) popLocked(f *fifo, prot bool) (string, volEntry, bool) {
	for f.head < len(f.refs) {
		ref := f.refs[f.head]
		f.refs[f.head] = volatileRef{}
		f.head++
		if cur, live := v.live(ref, prot); live {
			return ref.key, cur, true
		}
	}
	return "", volEntry{}, false
}

// dropLocked deletes a value, counting it when it had not expired.
func (v *volatile) dropLocked(k string, e volEntry, now int64) {
	delete(v.vals, k)
	if e.protected {
		v.nProt--
	}
	if e.exp >= now {
		v.dropped++
	}
}

// maybeCompactLocked compacts a segment whose stale refs are most of it.
func (v *volatile) maybeCompactLocked() {
	nProb := len(v.vals) - v.nProt
	if v.prob.head > len(v.prob.refs)/2 || len(v.prob.refs) > 2*nProb+64 {
		v.compactLocked(&v.prob, false)
	}
	if v.prot.head > len(v.prot.refs)/2 || len(v.prot.refs) > 2*v.nProt+64 {
		v.compactLocked(&v.prot, true)
	}
}

// compactLocked keeps only f's live refs, in order.
func (v *volatile) compactLocked(f *fifo, prot bool) {
	live := f.refs[:0]
	for _, ref := range f.refs[f.head:] {
		if _, ok := v.live(ref, prot); ok {
			live = append(live, ref)
		}
	}
	clear(f.refs[len(live):])
	f.refs, f.head = live, 0
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
	for k, e := range v.vals {
		if e.exp < now.UnixNano() {
			delete(v.vals, k)
			if e.protected {
				v.nProt--
			}
			n++
		}
	}
	if n > 0 {
		v.compactLocked(&v.prob, false)
		v.compactLocked(&v.prot, true)
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
	for k, e := range v.vals {
		if e.exp < now {
			continue
		}
		if err := b.Put([]byte(k), append(binary.BigEndian.AppendUint64(nil, uint64(e.exp)), e.val...)); err != nil {
			return err
		}
	}
	return nil
}
