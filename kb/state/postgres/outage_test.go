package postgres

import (
	"errors"
	"sync"
	"testing"
	"time"

	"faqbot/kb"
	"faqbot/kb/state/postgres/pgtest"
	"faqbot/kb/state/resilient"
)

// TestOutage stops a real PostgreSQL under a replica (the store wrapped in
// resilient, as faqbot serve runs it), checks a question's state calls still
// succeed, starts the server again and checks that the writes made meanwhile
// reach the database.
func TestOutage(t *testing.T) {
	srv, err := pgtest.Start()
	if errors.Is(err, pgtest.ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := srv.URL("postgres")

	var mu sync.Mutex
	counted := map[string]int{}
	count := func(op string, err error) {
		mu.Lock()
		counted[op]++
		mu.Unlock()
	}
	pg := openURL(t, url, Options{Timeout: time.Second, OnError: count})
	s := resilient.New(pg, resilient.Options{OnError: count, RetryEvery: 50 * time.Millisecond})
	defer s.Close()

	u1, u2 := s.HashUser("wx:1"), s.HashUser("wx:2")
	s.SetUserLang(u1, "en")
	s.RecordQuestion(kb.LogEntry{Channel: "wechat", Lang: "en", Question: "before"})
	if err := s.FlushLog(); err != nil {
		t.Fatal(err)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	// One question's state calls, as a channel makes them.
	start := time.Now()
	if won, _, err := s.ClaimTemp("telegram-update", "1", nil, time.Hour); !won || err != nil {
		t.Errorf("claim during outage = %v %v", won, err)
	}
	if won, _, _ := s.ClaimTemp("telegram-update", "1", nil, time.Hour); won {
		t.Error("redelivery claimed twice in one replica during outage")
	}
	if l, err := s.UserLang(u1); err != nil || l != "" {
		t.Errorf("UserLang during outage = %q %v, want the default", l, err)
	}
	if err := s.SetUserLang(u2, "en"); err != nil {
		t.Errorf("SetUserLang during outage: %v", err)
	}
	for _, q := range []string{"during 1", "during 2", "during 3"} {
		if err := s.RecordQuestion(kb.LogEntry{Channel: "wechat", Lang: "zh", Question: q}); err != nil {
			t.Error(err)
		}
	}
	if err := s.RecordVote(kb.Vote{UserHash: u2, Article: "lost-card", Lang: "en", Channel: "wechat"}); err != nil {
		t.Error(err)
	}
	took := time.Since(start)
	t.Logf("one question's state calls during the outage: %s", took)
	if took > 3*time.Second {
		t.Errorf("state calls took %s during the outage", took)
	}
	time.Sleep(300 * time.Millisecond) // let the log writer fail at least once
	mu.Lock()
	if counted["claim"] == 0 || counted["log_write"] == 0 {
		t.Errorf("errors counted: %v", counted)
	}
	mu.Unlock()

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	// Another replica opens the database and waits for the first one's
	// queued writes.
	other := openURL(t, url, Options{})
	defer other.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, votes := 0, 0
		other.Log(time.Time{}, func(kb.LogEntry) error { n++; return nil })
		other.Votes(time.Time{}, func(kb.Vote) error { votes++; return nil })
		lang, _ := other.UserLang(u2)
		if n == 4 && votes == 1 && lang == "en" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %d of 4 log entries, %d of 1 votes, language %q (pending log %d)", n, votes, lang, pg.Pending())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if l, err := s.UserLang(u1); l != "en" || err != nil {
		t.Errorf("after restart UserLang = %q %v", l, err)
	}
	// Writes resume: a new claim goes to the database again.
	if won, _, err := s.ClaimTemp("telegram-update", "2", nil, time.Hour); !won || err != nil {
		t.Errorf("claim after restart = %v %v", won, err)
	}
	if won, _, _ := other.ClaimTemp("telegram-update", "2", nil, time.Hour); won {
		t.Error("after restart, the other replica won a claim already made")
	}
	r, err := other.Report(time.Now().Add(-time.Hour), 10)
	if err != nil || r.Questions != 4 {
		t.Errorf("report after restart: %d questions, %v", r.Questions, err)
	}
}
