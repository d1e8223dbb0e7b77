package postgres

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"faqbot/kb"
	"faqbot/kb/state"
	"faqbot/kb/state/postgres/pgtest"
	"faqbot/kb/state/resilient"
)

// TestRecordVotes: a batch is one upsert with RecordVote's rules: the latest
// by vote time wins, within the batch and against what is stored; bad votes
// are skipped.
func TestRecordVotes(t *testing.T) {
	s := openURL(t, freshURL(t), Options{})
	defer s.Close()
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	if err := s.RecordVote(kb.Vote{UserHash: "a", Article: "lost-card", Lang: "zh", Channel: "api", Up: true, Time: t0.Add(10 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	err := s.RecordVotes([]kb.Vote{
		{UserHash: "a", Article: "lost-card", Lang: "zh", Channel: "api", Up: false, Time: t0}, // older than stored: ignored
		{UserHash: "b", Article: "lost-card", Lang: "zh", Channel: "api", Up: true, Time: t0.Add(2 * time.Second)},
		{UserHash: "b", Article: "lost-card", Lang: "zh", Channel: "api", Up: false, Time: t0.Add(3 * time.Second)}, // later in the batch: wins
		{UserHash: "b", Article: "lost-card", Lang: "zh", Channel: "api", Up: true, Time: t0.Add(1 * time.Second)},
		{UserHash: "c", Article: "bad/id", Lang: "zh", Channel: "api", Up: true, Time: t0},
		{UserHash: "c", Article: "remote-filing", Lang: "en", Channel: "web", Up: true, Time: t0},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	s.Votes(time.Time{}, func(v kb.Vote) error { got[v.UserHash+"/"+v.Article] = v.Up; return nil })
	want := map[string]bool{"a/lost-card": true, "b/lost-card": false, "c/remote-filing": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("votes %v, want %v", got, want)
	}
}

// TestVotesAcrossOutage is the bar, scaled for a unit test: under a
// flood of votes from 8 writers, PostgreSQL stops for a few seconds and
// starts again; every acknowledged vote is stored soon after its return (the
// spool is written back in batches, faster than votes arrive), none is
// refused while the spool has room, and the spool's figures are reported.
// FAQBOT_OUTAGE_SECONDS sets the outage (default 3; the bar is 15).
func TestVotesAcrossOutage(t *testing.T) {
	srv, err := pgtest.Start()
	if errors.Is(err, pgtest.ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	outage := 3 * time.Second
	if n, err := strconv.Atoi(os.Getenv("FAQBOT_OUTAGE_SECONDS")); err == nil && n > 0 {
		outage = time.Duration(n) * time.Second
	}
	url := srv.URL("postgres")
	pg := openURL(t, url, Options{Timeout: time.Second})
	sp, err := state.OpenSpool(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var drops atomic.Int64
	s := resilient.New(pg, resilient.Options{Spool: sp, RetryEvery: 100 * time.Millisecond, OnError: func(op string, err error) {
		if op == "vote_drop" || op == "vote_refused" {
			drops.Add(1)
		}
	}})
	defer s.Close()

	var acked, refused atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(8 * time.Millisecond) // 8 writers: about 1,000 votes/s
			defer tick.Stop()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				err := s.RecordVote(kb.Vote{UserHash: fmt.Sprintf("w%d-%d", w, i), Article: "lost-card", Lang: "zh", Channel: "api", Up: true})
				switch {
				case err == nil:
					acked.Add(1)
				case errors.Is(err, kb.ErrBusy):
					refused.Add(1)
				default:
					t.Errorf("vote: %v", err)
					return
				}
			}
		}()
	}
	time.Sleep(time.Second)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	time.Sleep(outage)
	during := s.Spool()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	t.Logf("PostgreSQL stopped for %s; spool then held %d votes, lag %s", back.Sub(stopped).Round(time.Millisecond), during.Votes, during.Lag.Round(time.Millisecond))
	// The flood goes on after the return; the spool empties meanwhile.
	var drained time.Duration
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if drained == 0 && s.Spool().Votes == 0 {
			drained = time.Since(back)
		}
	}
	t.Logf("spool empty %s after PostgreSQL's return, under the flood (0: not within 2 s)", drained.Round(time.Millisecond))
	close(stop)
	wg.Wait()

	other := openURL(t, url, Options{})
	defer other.Close()
	want := acked.Load()
	var stored int64
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		stored = 0
		if err := other.pool.QueryRow(t.Context(), `SELECT count(*) FROM faqbot_votes`).Scan(&stored); err == nil && stored >= want && s.Spool().Votes == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("90 s after PostgreSQL's return: %d of %d acknowledged votes stored, spool %+v", stored, want, s.Spool())
		}
	}
	st := s.Spool()
	t.Logf("%d votes acknowledged, %d refused; all stored %s after PostgreSQL's return; %d written back from the spool", want, refused.Load(), time.Since(back).Round(time.Millisecond), st.Replayed)
	if stored != want {
		t.Errorf("%d votes stored, %d acknowledged", stored, want)
	}
	if refused.Load() != 0 || drops.Load() != 0 || during.Votes == 0 || st.Replayed < int64(during.Votes) {
		t.Errorf("refused %d, dropped %d, spooled during the outage %d, written back %d", refused.Load(), drops.Load(), during.Votes, st.Replayed)
	}
}

// TestSpoolFull: with the database away and the spool full, a vote is
// refused with kb.ErrBusy (the relay answers 503) instead of acknowledged
// and lost; what was acknowledged is stored when the database returns.
func TestSpoolFull(t *testing.T) {
	srv, err := pgtest.Start()
	if errors.Is(err, pgtest.ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pg := openURL(t, srv.URL("postgres"), Options{Timeout: time.Second})
	sp, err := state.OpenSpool(t.TempDir(), 50)
	if err != nil {
		t.Fatal(err)
	}
	s := resilient.New(pg, resilient.Options{Spool: sp, RetryEvery: 50 * time.Millisecond})
	defer s.Close()
	srv.Stop()
	acked, busy := 0, 0
	for i := range 60 {
		err := s.RecordVote(kb.Vote{UserHash: fmt.Sprint("u", i), Article: "lost-card", Lang: "zh", Channel: "api"})
		switch {
		case err == nil:
			acked++
		case errors.Is(err, kb.ErrBusy):
			busy++
		default:
			t.Fatal(err)
		}
	}
	if acked != 50 || busy != 10 || s.Spool().Refused != 10 {
		t.Errorf("%d acknowledged, %d refused (%+v); want 50 and 10", acked, busy, s.Spool())
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for deadline := time.Now().Add(30 * time.Second); n != 50; time.Sleep(50 * time.Millisecond) {
		n = 0
		pg.Votes(time.Time{}, func(kb.Vote) error { n++; return nil })
		if time.Now().After(deadline) {
			t.Fatalf("%d of 50 acknowledged votes stored", n)
		}
	}
}

// TestFirstCallsAfterRestart: after PostgreSQL restarts, the pool's old
// connections fail once each on first use; the query log's flush and the
// report retry those (nothing reached the server) instead of failing the
// first calls after the return (a 500 on /admin/stats).
func TestFirstCallsAfterRestart(t *testing.T) {
	srv, err := pgtest.Start()
	if errors.Is(err, pgtest.ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	s := openURL(t, srv.URL("postgres"), Options{MaxConns: 4})
	defer s.Close()
	// Fill the pool with idle connections.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { s.Report(time.Now().Add(-time.Hour), 10) })
	}
	wg.Wait()
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	s.RecordQuestion(kb.LogEntry{Channel: "api", Lang: "zh", Question: "医保卡丢了怎么办"})
	rep, err := s.Report(time.Now().Add(-time.Hour), 10)
	if err != nil || rep.Questions != 1 {
		t.Errorf("first report after the restart: %d questions, %v", rep.Questions, err)
	}
}

// TestLogMax: with Options.LogMax, Sweep keeps the newest entries of the
// query log up to the bound, whatever the retention.
func TestLogMax(t *testing.T) {
	s := openURL(t, freshURL(t), Options{LogMax: 100})
	defer s.Close()
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
