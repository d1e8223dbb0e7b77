package state

import (
	"errors"
	"faqbot/kb"
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

// TestStore runs each operation sequence on a fresh store and checks the
// store's consistency after it.
func TestStore(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, s *Store)
	}{
		{"offset survives", func(t *testing.T, s *Store) {
			if v, _ := s.Offset("telegram"); v != 0 {
				t.Errorf("fresh offset = %d", v)
			}
			if err := s.SetOffset("telegram", 4242); err != nil {
				t.Fatal(err)
			}
			if v, _ := s.Offset("telegram"); v != 4242 {
				t.Errorf("offset = %d", v)
			}
		}},
		{"user language", func(t *testing.T, s *Store) {
			u := s.HashUser("tg:1")
			if err := s.SetUserLang(u, "en"); err != nil {
				t.Fatal(err)
			}
			if l, _ := s.UserLang(u); l != "en" {
				t.Errorf("lang = %q", l)
			}
			if err := s.SetUserLang(u, ""); err != nil {
				t.Fatal(err)
			}
			if l, _ := s.UserLang(u); l != "" {
				t.Errorf("forgotten lang = %q", l)
			}
		}},
		{"hashed ids", func(t *testing.T, s *Store) {
			h := s.HashUser("wx:oUser123")
			if h == "" || strings.Contains(h, "oUser123") || h == s.HashUser("wx:oUser124") || h != s.HashUser("wx:oUser123") {
				t.Errorf("hash %q is not a stable, distinct, opaque id", h)
			}
			if s.HashUser("") != "" {
				t.Error("empty user hashed")
			}
		}},
		{"temp expires", func(t *testing.T, s *Store) {
			if err := s.PutTemp("seen", "m1", []byte("reply"), time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := s.PutTemp("seen", "m2", []byte("old"), -time.Second); err != nil {
				t.Fatal(err)
			}
			if v, ok, _ := s.GetTemp("seen", "m1"); !ok || string(v) != "reply" {
				t.Errorf("m1 = %q %v", v, ok)
			}
			if _, ok, _ := s.GetTemp("seen", "m2"); ok {
				t.Error("expired value returned")
			}
			if n, err := s.Sweep(time.Now(), 0); err != nil || n != 1 {
				t.Errorf("sweep removed %d (%v), want 1", n, err)
			}
		}},
		{"claim once", func(t *testing.T, s *Store) {
			ok, _, err := s.ClaimTemp("msg", "42", []byte("first"), time.Minute)
			if err != nil || !ok {
				t.Fatalf("first claim = %v %v", ok, err)
			}
			ok, prev, _ := s.ClaimTemp("msg", "42", []byte("second"), time.Minute)
			if ok || string(prev) != "first" {
				t.Errorf("second claim = %v %q, want refused with the first value", ok, prev)
			}
		}},
		{"vote replaces", func(t *testing.T, s *Store) {
			u := s.HashUser("tg:7")
			for _, up := range []bool{true, false} {
				if err := s.RecordVote(kb.Vote{UserHash: u, Article: "lost-card", Lang: "zh", Channel: "telegram", Up: up}); err != nil {
					t.Fatal(err)
				}
			}
			var votes []kb.Vote
			s.Votes(time.Time{}, func(v kb.Vote) error { votes = append(votes, v); return nil })
			if len(votes) != 1 || votes[0].Up || votes[0].UserHash != u {
				t.Errorf("votes = %+v, want one down vote", votes)
			}
			if err := s.RecordVote(kb.Vote{Article: "a/b"}); err == nil {
				t.Error("accepted article id with a slash")
			}
		}},
		{"log and retention", func(t *testing.T, s *Store) {
			now := time.Now()
			for i, age := range []time.Duration{100 * 24 * time.Hour, time.Hour, time.Minute} {
				e := kb.LogEntry{Time: now.Add(-age), Channel: "api", Lang: "zh", Question: "q" + string(rune('a'+i))}
				if err := s.RecordQuestion(e); err != nil {
					t.Fatal(err)
				}
			}
			n, err := s.Sweep(now, 90*24*time.Hour)
			if err != nil || n != 1 {
				t.Errorf("sweep removed %d (%v), want the 100-day-old entry", n, err)
			}
			var got []string
			s.Log(time.Time{}, func(e kb.LogEntry) error { got = append(got, e.Question); return nil })
			if strings.Join(got, ",") != "qb,qc" {
				t.Errorf("log = %v", got)
			}
		}},
		{"report groups", func(t *testing.T, s *Store) {
			for _, q := range []string{"公积金怎么取？", "公积金 怎么取", "ＡＢＣ"} {
				s.RecordQuestion(kb.LogEntry{Channel: "wechat", Lang: "zh", Question: q})
			}
			s.RecordQuestion(kb.LogEntry{Channel: "telegram", Lang: "zh", Question: "医保卡丢了", ID: "lost-card"})
			s.RecordQuestion(kb.LogEntry{Channel: "web", Lang: "zh", Question: "打胰岛素医保报吗", Reason: "unsure"})
			s.RecordVote(kb.Vote{UserHash: "u1", Article: "lost-card", Lang: "zh", Channel: "telegram", Up: false})
			r, err := s.Report(time.Now().Add(-time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Unanswered) != 2 || r.Unanswered[0].Count != 2 || r.Unanswered[0].Key != "公积金怎么取" {
				t.Errorf("unanswered = %+v", r.Unanswered)
			}
			if len(r.Unsure) != 1 || r.Unsure[0].Key != "打胰岛素医保报吗" || r.Unsure[0].Count != 1 {
				t.Errorf("unsure = %+v", r.Unsure)
			}
			if len(r.ThumbsDown) != 1 || r.ThumbsDown[0].ID != "lost-card" || r.ByChannel["telegram"].Rate != 1 || r.ByChannel["wechat"].Rate != 0 {
				t.Errorf("report = %+v", r)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTestStore(t, t.TempDir())
			defer s.Close()
			tt.run(t, s)
			if err := s.Check(); err != nil {
				t.Errorf("inconsistent after %s: %v", tt.name, err)
			}
		})
	}
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

func TestStoreReopenKeepsSalt(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	h := s.HashUser("x")
	s.Close()
	s = openTestStore(t, dir)
	defer s.Close()
	if s.HashUser("x") != h {
		t.Error("salt changed across restarts: stored user hashes would be orphaned")
	}
}

// TestQueryLogSurvivesClose: entries still waiting for the background writer
// are written by Close.
func TestQueryLogSurvivesClose(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, dir)
	for i := range 100 {
		if err := s.RecordQuestion(kb.LogEntry{Channel: "api", Lang: "zh", Question: "q" + string(rune('0'+i%10))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordQuestion(kb.LogEntry{Question: "late"}); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v", err)
	}
	s = openTestStore(t, dir)
	defer s.Close()
	n := 0
	s.Log(time.Time{}, func(kb.LogEntry) error { n++; return nil })
	if n != 100 {
		t.Errorf("%d of 100 entries after reopening", n)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}
