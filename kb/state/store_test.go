package state

import (
	"errors"
	"faqbot/kb"
	"faqbot/kb/state/statetest"
	"fmt"
	"strings"
	"testing"
	"time"
)

func openTestStore(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStore runs the backend-neutral conformance suite (kb/state/statetest)
// on bbolt; kb/state/postgres runs the same suite on PostgreSQL.
func TestStore(t *testing.T) {
	statetest.Run(t, func(t *testing.T) statetest.Store { return openTestStore(t, t.TempDir()) })
}

func TestStoreDurable(t *testing.T) {
	statetest.RunDurable(t, func(t *testing.T) (statetest.Store, func() statetest.Store) {
		dir := t.TempDir()
		return openTestStore(t, dir), func() statetest.Store { return openTestStore(t, dir) }
	})
}

// TestStoreLocked: a second opener gets a clear error within the timeout,
// never a hang.
func TestStoreLocked(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	defer s.Close()
	start := time.Now()
	_, err := Open(dir)
	took := time.Since(start)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "in use by another faqbot (pid") && !strings.Contains(err.Error(), "(pid") {
		t.Errorf("error %q does not name the pid", err)
	}
	if took > 3*time.Second {
		t.Errorf("took %s to refuse", took)
	}
}

// TestWriteAfterClose: bbolt names its error.
func TestWriteAfterClose(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordQuestion(kb.LogEntry{Question: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
}

// TestLogLimit: with SetLogLimit, Sweep keeps the newest entries of the
// query log up to the bound, whatever the retention.
func TestLogLimit(t *testing.T) {
	s := openTestStore(t, t.TempDir())
	defer s.Close()
	s.SetLogLimit(100)
	t0 := time.Now().Add(-time.Hour)
	for i := range 250 {
		s.RecordQuestion(kb.LogEntry{Time: t0.Add(time.Duration(i) * time.Second), Channel: "api", Lang: "zh", Question: fmt.Sprint("q", i)})
	}
	n, err := s.Sweep(time.Now(), 0)
	if err != nil || n != 150 {
		t.Fatalf("Sweep removed %d, %v; want 150", n, err)
	}
	var kept []string
	s.Log(time.Time{}, func(e kb.LogEntry) error { kept = append(kept, e.Question); return nil })
	if len(kept) != 100 || kept[0] != "q150" || kept[99] != "q249" {
		t.Errorf("kept %d entries, %v ... %v; want q150 to q249", len(kept), kept[:1], kept[len(kept)-1:])
	}
}
