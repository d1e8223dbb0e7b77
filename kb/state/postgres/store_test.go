package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"faqbot/kb"

	"faqbot/kb/state/postgres/pgtest"
	"faqbot/kb/state/statetest"
)

// baseURL is the test server (started by TestMain, or $FAQBOT_TEST_POSTGRES);
// skip says why there is none.
var baseURL, skip string

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &baseURL, &skip)) }

// freshURL is a URL to an empty schema of its own; it skips the test when
// PostgreSQL is not installed.
func freshURL(t testing.TB) string {
	t.Helper()
	if baseURL == "" {
		t.Skip(skip)
	}
	return pgtest.Fresh(t, baseURL)
}

func openURL(t testing.TB, url string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T) {
	statetest.Run(t, func(t *testing.T) statetest.Store { return openURL(t, freshURL(t), Options{}) })
}

func TestStoreDurable(t *testing.T) {
	statetest.RunDurable(t, func(t *testing.T) (statetest.Store, func() statetest.Store) {
		url := freshURL(t)
		return openURL(t, url, Options{}), func() statetest.Store { return openURL(t, url, Options{}) }
	})
}

func TestStoreReplicas(t *testing.T) {
	statetest.RunReplicas(t, func(t *testing.T) (statetest.Store, statetest.Store) {
		url := freshURL(t)
		a, b := openURL(t, url, Options{}), openURL(t, url, Options{})
		t.Cleanup(func() { a.Close(); b.Close() })
		return a, b
	})
}

// TestMigrations: replicas starting at once on an empty database all open it,
// each migration is applied once, and opening again changes nothing.
func TestMigrations(t *testing.T) {
	ms := migrations()
	for i, m := range ms {
		if m.version != i+1 {
			t.Fatalf("migration %d has version %d: versions must run 1, 2, 3...", i, m.version)
		}
	}
	url := freshURL(t)
	errs := make(chan error, 8)
	stores := make(chan *Store, 8)
	for range 8 {
		go func() {
			s, err := Open(context.Background(), url, Options{})
			errs <- err
			stores <- s
		}()
	}
	var salts []string
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		s := <-stores
		salts = append(salts, string(s.salt))
		defer s.Close()
	}
	for _, salt := range salts {
		if salt != salts[0] {
			t.Fatal("replicas starting at once made different salts")
		}
	}
	s := openURL(t, url, Options{})
	defer s.Close()
	var n, max int
	if err := s.pool.QueryRow(context.Background(), `SELECT count(*), max(version) FROM faqbot_schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != len(ms) || max != len(ms) {
		t.Errorf("%d migrations recorded, latest %d; want %d", n, max, len(ms))
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestOpenErrors: a bad URL or an absent server fails Open with a message
// naming the database but not the password.
func TestOpenErrors(t *testing.T) {
	if _, err := Open(context.Background(), "mysql://x", Options{}); err == nil {
		t.Error("accepted a mysql URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Open(ctx, "postgres://faqbot:s3cret@127.0.0.1:1/faqbot?connect_timeout=2", Options{})
	if err == nil {
		t.Fatal("opened a database on port 1")
	}
	if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error %q", err)
	}
}

// TestLogQueueBounded: while the database does not take the log, at most
// LogQueue entries wait, the oldest are dropped and counted.
func TestLogQueueBounded(t *testing.T) {
	var mu sync.Mutex
	drops := 0
	s := openURL(t, freshURL(t), Options{LogQueue: 10, OnError: func(op string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if op == "log_drop" {
			drops++
		}
	}})
	defer s.Close()
	s.flushMu.Lock() // the writer cannot send anything meanwhile
	for i := range 25 {
		s.RecordQuestion(kb.LogEntry{Channel: "api", Lang: "zh", Question: fmt.Sprint("q", i)})
	}
	if n := s.Pending(); n != 10 {
		t.Errorf("%d pending, want 10", n)
	}
	s.flushMu.Unlock()
	var got []string
	s.Log(time.Time{}, func(e kb.LogEntry) error { got = append(got, e.Question); return nil })
	mu.Lock()
	defer mu.Unlock()
	if drops != 15 || len(got) != 10 || got[0] != "q15" {
		t.Errorf("dropped %d, kept %v", drops, got)
	}
}
