package state

import (
	"bytes"
	"faqbot/kb"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// onDisk opens a copy of the store's file, as a process killed right now
// would leave it, and returns the value kept there under kind and key.
func onDisk(t *testing.T, s *Store, kind, key string) ([]byte, bool) {
	t.Helper()
	data, err := os.ReadFile(s.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, File), data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	v, ok, err := c.GetTemp(kind, key)
	if err != nil {
		t.Fatal(err)
	}
	return v, ok
}

// TestBehindReadAtOnce: a value written behind is read back at once, the
// newest one wins, and an expired one is gone.
func TestBehindReadAtOnce(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	for i, v := range []string{"first", "second"} {
		if err := s.PutTempBehind("convo", "u1", []byte(v), time.Minute); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := s.GetTemp("convo", "u1"); err != nil || !ok || string(got) != v {
			t.Errorf("put %d: GetTemp = %q %v %v, want %q", i, got, ok, err, v)
		}
	}
	if err := s.PutTempBehind("convo", "u2", []byte("gone"), -time.Second); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.GetTemp("convo", "u2"); ok {
		t.Errorf("expired value read: %q", got)
	}
	// Behind is a Memory over the same values.
	m := s.Behind()
	if err := m.PutTemp("convo", "u3", []byte("via memory"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.GetTemp("convo", "u3"); !ok || string(got) != "via memory" {
		t.Errorf("Behind().PutTemp then GetTemp = %q %v", got, ok)
	}
	if err := s.FlushLog(); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := m.GetTemp("convo", "u1"); !ok || string(got) != "second" {
		t.Errorf("after the flush: %q %v", got, ok)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestBehindSurvivesClose: Close writes what is pending, so a clean restart
// keeps every value.
func TestBehindSurvivesClose(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	for _, k := range []string{"a", "b", "c"} {
		if err := s.PutTempBehind("convo", k, []byte("ctx "+k), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.PutTempBehind("convo", "late", nil, time.Minute); err == nil {
		t.Error("write behind after Close accepted")
	}
	s = openTestStore(t, dir)
	defer s.Close()
	for _, k := range []string{"a", "b", "c"} {
		if got, ok, _ := s.GetTemp("convo", k); !ok || string(got) != "ctx "+k {
			t.Errorf("%s after reopen: %q %v", k, got, ok)
		}
	}
}

// TestBehindCrashWindow: without Close, a value written behind is in the
// file within the batch window (what a kill -9 keeps), and stays readable
// while its transaction waits for the disk.
func TestBehindCrashWindow(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	start := time.Now()
	if err := s.PutTempBehind("convo", "u", []byte("ctx"), time.Minute); err != nil {
		t.Fatal(err)
	}
	for {
		if v, ok := onDisk(t, s, "convo", "u"); ok {
			if !bytes.Equal(v, []byte("ctx")) {
				t.Fatalf("on disk: %q", v)
			}
			break
		}
		// The window is 50 ms; a loaded machine gets slack, not a second.
		if time.Since(start) > 20*logBatchDelay {
			t.Fatalf("not on disk %s after the write", time.Since(start))
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("on disk after %s (window %s)", time.Since(start).Round(time.Millisecond), logBatchDelay)
}

// TestBehindNeverWaitsForDisk: while another write transaction holds bbolt's
// writer lock (a slow fsync, a big batch), writing behind, reading back and
// logging a question return at once, what waits for the writer is still
// read, and so is a value already on disk.
func TestBehindNeverWaitsForDisk(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	if err := s.PutTemp("convo", "on-disk", []byte("old"), time.Minute); err != nil {
		t.Fatal(err)
	}
	tx, err := s.db.Begin(true) // holds the writer lock
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for i := range 100 {
			if err := s.PutTempBehind("convo", "u", []byte{byte(i)}, time.Minute); err != nil {
				done <- err
				return
			}
			if v, ok, err := s.GetTemp("convo", "u"); err != nil || !ok || len(v) != 1 || v[0] != byte(i) {
				done <- fmt.Errorf("value %d written behind: %v %v %v", i, v, ok, err)
				return
			}
			time.Sleep(time.Millisecond) // let the writer take a batch and block on the lock
		}
		if v, ok, err := s.GetTemp("convo", "on-disk"); err != nil || !ok || string(v) != "old" {
			done <- fmt.Errorf("value on disk: %q %v %v", v, ok, err)
			return
		}
		done <- s.RecordQuestion(kb.LogEntry{Question: "q"})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		tx.Rollback()
		t.Fatal("writing behind waited for the writer lock")
	}
	s.mu.Lock()
	waiting := len(s.writing)
	s.mu.Unlock()
	if v, ok, _ := s.GetTemp("convo", "u"); !ok || v[0] != 99 {
		t.Errorf("value read while its batch waits: %v %v", v, ok)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := s.FlushLog(); err != nil {
		t.Fatal(err)
	}
	if v, ok, _ := s.GetTemp("convo", "u"); !ok || v[0] != 99 {
		t.Errorf("after the flush: %v %v", v, ok)
	}
	t.Logf("%d value(s) were waiting in the blocked batch", waiting)
}
