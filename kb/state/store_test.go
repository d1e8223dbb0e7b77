package state

import (
	"errors"
	"faqbot/kb"
	"faqbot/kb/state/statetest"
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
