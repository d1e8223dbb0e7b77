package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// crashCopy opens a copy of the store's file as a process killed right now
// would leave it.
func crashCopy(t *testing.T, s *Store) *Store {
	t.Helper()
	data, err := os.ReadFile(s.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, File), data, 0o600); err != nil {
		t.Fatal(err)
	}
	c := openTestStore(t, dir)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestVolatileReadAtOnce: a value is read back at once, the newest one
// wins, an expired one is gone, the caller's bytes are its own, and after
// Close nothing more is kept.
func TestVolatileReadAtOnce(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	m := s.Volatile()
	for i, v := range []string{"first", "second"} {
		if err := m.PutTemp("convo", "u1", []byte(v), time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := m.GetTemp("convo", "u1"); err != nil || !ok || string(got) != v {
			t.Errorf("put %d: GetTemp = %q %v %v, want %q", i, got, ok, err, v)
		}
	}
	got, _, _ := m.GetTemp("convo", "u1")
	got[0] = 'X'
	if again, _, _ := m.GetTemp("convo", "u1"); string(again) != "second" {
		t.Errorf("a caller's change reached the kept value: %q", again)
	}
	if _, ok, _ := m.GetTemp("other", "u1"); ok {
		t.Error("a value was read under another kind")
	}
	if err := m.PutTemp("convo", "u2", []byte("gone"), -time.Second); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := m.GetTemp("convo", "u2"); ok {
		t.Errorf("expired value read: %q", got)
	}
	if _, ok, _ := s.GetTemp("convo", "u1"); ok {
		t.Error("a volatile value was read from the file's expiring values")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.PutTemp("convo", "late", nil, time.Minute); !errors.Is(err, ErrClosed) {
		t.Errorf("PutTemp after Close = %v, want ErrClosed", err)
	}
}

// TestVolatileRestart: a clean Close saves the values and the next Open
// reads them back; the file then no longer holds them, so a crash after
// that loses them rather than bringing back values older than the ones
// the process went on to keep.
func TestVolatileRestart(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	for _, k := range []string{"a", "b", "c"} {
		if err := s.Volatile().PutTemp("convo", k, []byte("ctx "+k), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Volatile().PutTemp("convo", "expired", []byte("x"), -time.Second); err != nil {
		t.Fatal(err)
	}
	if c := crashCopy(t, s); c.vol.len() != 0 {
		t.Errorf("values reached the file before Close: %d", c.vol.len())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir)
	defer s.Close()
	for _, k := range []string{"a", "b", "c"} {
		if got, ok, _ := s.Volatile().GetTemp("convo", k); !ok || string(got) != "ctx "+k {
			t.Errorf("%s after a clean restart: %q %v", k, got, ok)
		}
	}
	if n := s.vol.len(); n != 3 {
		t.Errorf("%d values after the restart, want 3 (the expired one not saved)", n)
	}
	if err := s.Volatile().PutTemp("convo", "a", []byte("newer"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if c := crashCopy(t, s); c.vol.len() != 0 {
		if got, _, _ := c.Volatile().GetTemp("convo", "a"); string(got) == "ctx a" {
			t.Errorf("a crash would bring back the older value of a: %q", got)
		}
		t.Errorf("%d values still in the file after they were read back", c.vol.len())
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestVolatileBounded: beyond max values the oldest written goes first,
// rewriting a key makes it new again, and rewrites do not grow the order.
func TestVolatileBounded(t *testing.T) {
	t.Parallel()
	const max = 100
	m := Volatile{newVolatile(max)}
	put := func(k string) {
		t.Helper()
		if err := m.PutTemp("convo", k, []byte(k), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	has := func(k string) bool { _, ok, _ := m.GetTemp("convo", k); return ok }
	for i := range 150 {
		put(fmt.Sprint("k", i))
	}
	if n := m.v.len(); n != max {
		t.Fatalf("%d values kept, want %d", n, max)
	}
	if has("k49") || !has("k50") || !has("k149") {
		t.Errorf("not the newest %d kept: k49 %v, k50 %v, k149 %v", max, has("k49"), has("k50"), has("k149"))
	}
	if d := m.Dropped(); d != 50 {
		t.Errorf("Dropped = %d, want the 50 values that went for room", d)
	}
	put("k50") // the oldest, written again
	put("new")
	if !has("k50") || has("k51") || !has("new") {
		t.Errorf("after rewriting the oldest and adding one: k50 %v, k51 %v, new %v", has("k50"), has("k51"), has("new"))
	}
	for range 10_000 {
		put("k149")
	}
	if n, o := m.v.len(), len(m.v.prob.refs)-m.v.prob.head+len(m.v.prot.refs)-m.v.prot.head; n != max || o > 2*max+130 {
		t.Errorf("after 10,000 rewrites of one key: %d values, %d refs in the order", n, o)
	}
}

// TestVolatileFloodKeepsActiveUsers: a flood of new user ids, ten times
// the maximum (the 100,000 ids, scaled), does not evict the users in
// a conversation: those whose context was read back (a follow-up) or
// written again (a second question). The flood evicts its own, a newcomer
// just before the flood's end still finds its context, and the counts and
// orders stay bounded.
func TestVolatileFloodKeepsActiveUsers(t *testing.T) {
	t.Parallel()
	const max = 10_000
	m := Volatile{newVolatile(max)}
	put := func(k string) {
		if err := m.PutTemp("convo", k, []byte(k), 10*time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	has := func(k string) bool { _, ok, _ := m.GetTemp("convo", k); return ok }
	for i := range 3000 {
		k := fmt.Sprint("active", i)
		put(k)
		if i%2 == 0 {
			has(k) // a follow-up read its context
		} else {
			put(k) // a second question
		}
	}
	for i := range 10 * max {
		put(fmt.Sprint("flood", i))
		if i == 10*max-100 {
			put("newcomer")
		}
	}
	kept := 0
	for i := range 3000 {
		if has(fmt.Sprint("active", i)) {
			kept++
		}
	}
	if kept != 3000 {
		t.Errorf("%d of 3,000 active users kept their context through a flood of %d new ids", kept, 10*max)
	}
	if !has("newcomer") {
		t.Error("a newcomer just before the flood's end lost its context")
	}
	if n := m.v.len(); n != max {
		t.Errorf("%d values kept, want %d", n, max)
	}
	if d := m.Dropped(); d != uint64(10*max+3000+1-max) {
		t.Errorf("Dropped %d", d)
	}
	// The protected share is bounded: with more active users than three
	// quarters of the room, the oldest of them go, never the last quarter
	// of newcomers.
	for i := range max {
		k := fmt.Sprint("regular", i)
		put(k)
		has(k)
	}
	if m.v.nProt > max-max/4+1 { // a read may protect one more until the next write
		t.Errorf("%d protected values, want at most %d", m.v.nProt, max-max/4+1)
	}
	if !has("flood99999") {
		t.Error("the newest newcomer was evicted to keep protected values")
	}
}

// TestVolatileLoadKeepsNewest: values saved beyond max are read back
// newest first.
func TestVolatileLoadKeepsNewest(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	now := time.Now()
	err := s.db.Update(func(tx *bolt.Tx) error {
		for i := range 5 {
			exp := now.Add(time.Duration(i+1) * time.Minute)
			if err := tx.Bucket(bucketVolatile).Put(tempKey("convo", fmt.Sprint("k", i)), append(binary.BigEndian.AppendUint64(nil, uint64(exp.UnixNano())), 'v')); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	v := newVolatile(2)
	if err := s.db.Update(v.load); err != nil {
		t.Fatal(err)
	}
	m := Volatile{v}
	for i := range 5 {
		_, ok, _ := m.GetTemp("convo", fmt.Sprint("k", i))
		if want := i >= 3; ok != want {
			t.Errorf("k%d read back: %v, want %v", i, ok, want)
		}
	}
}

// TestVolatileSweep: Sweep drops expired values from memory and counts them.
func TestVolatileSweep(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	m := s.Volatile()
	for _, k := range []string{"a", "b"} {
		if err := m.PutTemp("convo", k, []byte(k), time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.PutTemp("convo", "c", []byte("c"), time.Hour); err != nil {
		t.Fatal(err)
	}
	n, err := s.Sweep(time.Now().Add(time.Minute), 0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || s.vol.len() != 1 {
		t.Errorf("Sweep removed %d, %d left; want 2 and 1", n, s.vol.len())
	}
	if _, ok, _ := m.GetTemp("convo", "c"); !ok {
		t.Error("the unexpired value was swept")
	}
}

// TestVolatileNeverWaitsForDisk: while another write transaction holds
// bbolt's writer lock (a slow fsync, a big batch), keeping and reading
// values and logging a question return at once.
func TestVolatileNeverWaitsForDisk(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	tx, err := s.db.Begin(true) // holds the writer lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	done := make(chan error, 1)
	go func() {
		m := s.Volatile()
		for i := range 100 {
			if err := m.PutTemp("convo", "u", []byte{byte(i)}, time.Minute); err != nil {
				done <- err
				return
			}
			if v, ok, err := m.GetTemp("convo", "u"); err != nil || !ok || len(v) != 1 || v[0] != byte(i) {
				done <- fmt.Errorf("value %d: %v %v %v", i, v, ok, err)
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a volatile value waited for the writer lock")
	}
}
