package postgres

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"faqbot/kb"
	"faqbot/kb/state"
	"faqbot/kb/state/postgres/pgtest"
	"faqbot/kb/state/resilient"
)

// questionWrites is what one answered question writes: its log entry, a
// claim of the update id, a vote.
type questionWrites interface {
	RecordQuestion(kb.LogEntry) error
	ClaimTemp(kind, key string, val []byte, ttl time.Duration) (bool, []byte, error)
	RecordVote(kb.Vote) error
	Close() error
}

// TestWriteLatency prints p50/p99 of a question's writes on bbolt and on
// PostgreSQL (a durable server: fsync and synchronous_commit on, over a Unix
// socket) in the same run, one writer and eight at once. It runs only with
// FAQBOT_STATE_LATENCY=1:
//
//	FAQBOT_STATE_LATENCY=1 go test -run TestWriteLatency -v ./kb/state/postgres
func TestWriteLatency(t *testing.T) {
	if os.Getenv("FAQBOT_STATE_LATENCY") == "" {
		t.Skip("set FAQBOT_STATE_LATENCY=1 to measure")
	}
	srv, err := pgtest.Start("fsync=on", "synchronous_commit=on")
	if err != nil {
		t.Skip(err)
	}
	defer srv.Close()
	backends := []struct {
		name string
		open func() questionWrites
	}{
		{"bbolt", func() questionWrites {
			s, err := state.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"postgres", func() questionWrites {
			s, err := Open(context.Background(), pgtest.Fresh(t, srv.URL("postgres")), Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"postgres+resilient", func() questionWrites {
			s, err := Open(context.Background(), pgtest.Fresh(t, srv.URL("postgres")), Options{})
			if err != nil {
				t.Fatal(err)
			}
			return resilient.New(s, resilient.Options{})
		}},
	}
	t.Logf("machine: %s/%s, %d CPUs (GOMAXPROCS %d), temp dir %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0), os.TempDir())
	const perWriter = 1000
	for _, writers := range []int{1, 8} {
		for _, b := range backends {
			s := b.open()
			lat := make([]time.Duration, 0, writers*perWriter)
			var mu sync.Mutex
			var wg sync.WaitGroup
			start := time.Now()
			for w := range writers {
				wg.Go(func() {
					mine := make([]time.Duration, 0, perWriter)
					for i := range perWriter {
						t0 := time.Now()
						key := fmt.Sprint(w, "-", i)
						if err := s.RecordQuestion(kb.LogEntry{Channel: "telegram", Lang: "zh", Question: "医保卡丢了怎么办", ID: "lost-card", Score: 0.9}); err != nil {
							t.Error(err)
						}
						if ok, _, err := s.ClaimTemp("telegram-update", key, nil, time.Hour); !ok || err != nil {
							t.Error(ok, err)
						}
						if err := s.RecordVote(kb.Vote{UserHash: key, Article: "lost-card", Lang: "zh", Channel: "telegram", Up: true}); err != nil {
							t.Error(err)
						}
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				})
			}
			wg.Wait()
			wall := time.Since(start)
			s.Close()
			slices.Sort(lat)
			q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))].Round(time.Microsecond) }
			t.Logf("%-19s %d writer(s): p50 %-9s p99 %-9s max %-9s  %5.0f questions/s",
				b.name, writers, q(0.50), q(0.99), lat[len(lat)-1].Round(time.Microsecond), float64(len(lat))/wall.Seconds())
		}
	}
}
