// Package statetest is the conformance suite of faqbot's state backends: the
// bbolt store (kb/state) and the PostgreSQL store (kb/state/postgres) both run
// it, so they keep the same behaviour behind the channels' interfaces.
//
// It is imported only by tests.
package statetest

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"faqbot/kb"
)

// Store is the state backend under test (kb.Store).
type Store = kb.Store

// Run runs every behaviour test, each on a fresh, empty store from open,
// and checks the store's consistency (Check) after each. open registers
// whatever cleanup it needs; Run closes the store itself.
func Run(t *testing.T, open func(t *testing.T) Store) {
	for _, tt := range behaviours {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			defer s.Close()
			tt.run(t, s)
			if err := s.Check(); err != nil {
				t.Errorf("inconsistent after %s: %v", tt.name, err)
			}
		})
	}
}

// RunDurable runs the tests that close a store and open it again: open
// returns a fresh store and a function that opens the same data anew (called
// only after the previous store is closed).
func RunDurable(t *testing.T, open func(t *testing.T) (Store, func() Store)) {
	t.Run("salt survives reopen", func(t *testing.T) {
		s, reopen := open(t)
		h := s.HashUser("x")
		u := s.HashUser("tg:1")
		if err := s.SetUserLang(u, "en"); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = reopen()
		defer s.Close()
		if s.HashUser("x") != h {
			t.Error("salt changed across restarts: stored user hashes would be orphaned")
		}
		if l, _ := s.UserLang(s.HashUser("tg:1")); l != "en" {
			t.Errorf("language after reopen = %q", l)
		}
	})
	t.Run("query log survives close", func(t *testing.T) {
		s, reopen := open(t)
		for i := range 100 {
			if err := s.RecordQuestion(kb.LogEntry{Channel: "api", Lang: "zh", Question: "q" + string(rune('0'+i%10))}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordQuestion(kb.LogEntry{Question: "late"}); err == nil {
			t.Error("write after close accepted")
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		s = reopen()
		defer s.Close()
		if n := countLog(t, s, time.Time{}); n != 100 {
			t.Errorf("%d of 100 entries after reopening", n)
		}
		if err := s.Check(); err != nil {
			t.Error(err)
		}
	})
}

// RunReplicas runs the tests of several processes sharing one database:
// open returns two stores on the same, fresh data (two replicas).
func RunReplicas(t *testing.T, open func(t *testing.T) (a, b Store)) {
	t.Run("one salt", func(t *testing.T) {
		a, b := open(t)
		if a.HashUser("wx:o1") != b.HashUser("wx:o1") {
			t.Error("replicas hash one user differently: reports would split users")
		}
	})
	t.Run("language shared", func(t *testing.T) {
		a, b := open(t)
		u := a.HashUser("wx:o1")
		if err := a.SetUserLang(u, "en"); err != nil {
			t.Fatal(err)
		}
		if l, err := b.UserLang(u); err != nil || l != "en" {
			t.Errorf("other replica sees %q, %v", l, err)
		}
	})
	t.Run("claim once across replicas", func(t *testing.T) {
		a, b := open(t)
		for round := range 5 {
			key := fmt.Sprint("update-", round)
			winners := claimRace(t, []Store{a, b}, key, 20)
			if winners != 1 {
				t.Errorf("round %d: %d of 20 claims across two replicas won, want 1", round, winners)
			}
		}
	})
	t.Run("temp shared", func(t *testing.T) {
		a, b := open(t)
		if err := a.PutTemp("wechat-msg", "m1", []byte("reply"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := b.GetTemp("wechat-msg", "m1"); err != nil || !ok || string(v) != "reply" {
			t.Errorf("other replica: %q %v %v", v, ok, err)
		}
	})
	t.Run("report merges replicas", func(t *testing.T) {
		a, b := open(t)
		a.RecordQuestion(kb.LogEntry{Channel: "wechat", Lang: "zh", Question: "公积金怎么取"})
		b.RecordQuestion(kb.LogEntry{Channel: "telegram", Lang: "zh", Question: "公积金怎么取？"})
		a.RecordVote(kb.Vote{UserHash: a.HashUser("u"), Article: "lost-card", Lang: "zh", Channel: "wechat"})
		b.RecordVote(kb.Vote{UserHash: b.HashUser("u"), Article: "lost-card", Lang: "zh", Channel: "wechat", Up: true})
		for _, s := range []Store{a, b} {
			if err := s.FlushLog(); err != nil {
				t.Fatal(err)
			}
		}
		for i, s := range []Store{a, b} {
			r, err := s.Report(time.Now().Add(-time.Hour), 10)
			if err != nil {
				t.Fatal(err)
			}
			if r.Questions != 2 || len(r.Unanswered) != 1 || r.Unanswered[0].Count != 2 {
				t.Errorf("replica %d: report %+v, want both questions in one group", i, r)
			}
			if o := r.ByChannel["wechat"]; o.Up != 1 || o.Down != 0 {
				t.Errorf("replica %d: wechat votes %+v, want the user's latest vote only", i, o)
			}
		}
	})
	t.Run("concurrent sweeps", func(t *testing.T) {
		a, b := open(t)
		for i := range 50 {
			a.PutTemp("seen", fmt.Sprint(i), nil, -time.Second)
		}
		var total atomic.Int64
		var wg sync.WaitGroup
		for _, s := range []Store{a, b, a, b} {
			wg.Go(func() {
				n, err := s.Sweep(time.Now(), time.Hour)
				if err != nil {
					t.Errorf("sweep: %v", err)
				}
				total.Add(int64(n))
			})
		}
		wg.Wait()
		if total.Load() != 50 {
			t.Errorf("sweeps removed %d in all, want 50", total.Load())
		}
	})
}

// claimRace has n goroutines, spread over the stores, claim one key at once
// and returns how many won.
func claimRace(t *testing.T, stores []Store, key string, n int) int {
	t.Helper()
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		s := stores[i%len(stores)]
		wg.Go(func() {
			<-start
			ok, prev, err := s.ClaimTemp("telegram-update", key, []byte(fmt.Sprint(i)), time.Minute)
			if err != nil {
				t.Errorf("claim %d: %v", i, err)
				return
			}
			if ok {
				wins.Add(1)
			} else if len(prev) == 0 {
				t.Errorf("claim %d refused without the winner's value", i)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(wins.Load())
}

func countLog(t *testing.T, s Store, since time.Time) int {
	t.Helper()
	n := 0
	if err := s.Log(since, func(kb.LogEntry) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

var behaviours = []struct {
	name string
	run  func(t *testing.T, s Store)
}{
	{"offset survives", func(t *testing.T, s Store) {
		if v, _ := s.Offset("telegram"); v != 0 {
			t.Errorf("fresh offset = %d", v)
		}
		for _, v := range []int64{4242, 1 << 40, 7} {
			if err := s.SetOffset("telegram", v); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Offset("telegram"); got != v {
				t.Errorf("offset = %d, want %d", got, v)
			}
		}
		if v, _ := s.Offset("other"); v != 0 {
			t.Errorf("unrelated offset = %d", v)
		}
	}},
	{"user language", func(t *testing.T, s Store) {
		u := s.HashUser("tg:1")
		if l, err := s.UserLang(u); l != "" || err != nil {
			t.Errorf("fresh lang = %q %v", l, err)
		}
		if err := s.SetUserLang(u, "en"); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.UserLang(u); l != "en" {
			t.Errorf("lang = %q", l)
		}
		if err := s.SetUserLang(u, "zh"); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.UserLang(u); l != "zh" {
			t.Errorf("changed lang = %q", l)
		}
		if err := s.SetUserLang(u, ""); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.UserLang(u); l != "" {
			t.Errorf("forgotten lang = %q", l)
		}
		if err := s.SetUserLang(u, ""); err != nil {
			t.Errorf("forgetting twice: %v", err)
		}
	}},
	{"hashed ids", func(t *testing.T, s Store) {
		h := s.HashUser("wx:oUser123")
		if h == "" || strings.Contains(h, "oUser123") || h == s.HashUser("wx:oUser124") || h != s.HashUser("wx:oUser123") {
			t.Errorf("hash %q is not a stable, distinct, opaque id", h)
		}
		if len(h) != 24 {
			t.Errorf("hash %q: %d characters, want 24", h, len(h))
		}
		if s.HashUser("") != "" {
			t.Error("empty user hashed")
		}
	}},
	{"temp expires", func(t *testing.T, s Store) {
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
		if _, ok, err := s.GetTemp("seen", "never"); ok || err != nil {
			t.Errorf("missing value: %v %v", ok, err)
		}
		if _, ok, _ := s.GetTemp("session", "m1"); ok {
			t.Error("kinds share keys")
		}
		if n, err := s.Sweep(time.Now(), 0); err != nil || n != 1 {
			t.Errorf("sweep removed %d (%v), want 1", n, err)
		}
		if v, ok, _ := s.GetTemp("seen", "m1"); !ok || string(v) != "reply" {
			t.Errorf("m1 after sweep = %q %v", v, ok)
		}
	}},
	{"temp overwrite and binary values", func(t *testing.T, s Store) {
		bin := []byte{0, 1, 2, 0xff, 0}
		s.PutTemp("session", "u", []byte("a"), time.Hour)
		if err := s.PutTemp("session", "u", bin, time.Hour); err != nil {
			t.Fatal(err)
		}
		if v, ok, _ := s.GetTemp("session", "u"); !ok || string(v) != string(bin) {
			t.Errorf("value = %v %v", v, ok)
		}
		s.PutTemp("session", "empty", nil, time.Hour)
		if v, ok, _ := s.GetTemp("session", "empty"); !ok || len(v) != 0 {
			t.Errorf("empty value = %v %v", v, ok)
		}
	}},
	{"claim once", func(t *testing.T, s Store) {
		ok, _, err := s.ClaimTemp("msg", "42", []byte("first"), time.Minute)
		if err != nil || !ok {
			t.Fatalf("first claim = %v %v", ok, err)
		}
		ok, prev, _ := s.ClaimTemp("msg", "42", []byte("second"), time.Minute)
		if ok || string(prev) != "first" {
			t.Errorf("second claim = %v %q, want refused with the first value", ok, prev)
		}
		if v, ok, _ := s.GetTemp("msg", "42"); !ok || string(v) != "first" {
			t.Errorf("claimed value = %q %v", v, ok)
		}
	}},
	{"claim after release or expiry", func(t *testing.T, s Store) {
		s.ClaimTemp("msg", "r", []byte("a"), time.Minute)
		// A released claim (as Telegram does when stopping mid-update) is
		// claimable again.
		if err := s.PutTemp("msg", "r", nil, -time.Second); err != nil {
			t.Fatal(err)
		}
		if ok, _, err := s.ClaimTemp("msg", "r", []byte("b"), time.Minute); err != nil || !ok {
			t.Errorf("claim after release = %v %v", ok, err)
		}
		if ok, _, _ := s.ClaimTemp("msg", "x", []byte("a"), -time.Second); !ok {
			t.Error("claim with an expired ttl refused")
		}
		if ok, _, _ := s.ClaimTemp("msg", "x", []byte("b"), time.Minute); !ok {
			t.Error("claim over an expired claim refused")
		}
	}},
	{"claim race", func(t *testing.T, s Store) {
		for round := range 5 {
			if n := claimRace(t, []Store{s}, fmt.Sprint("k", round), 20); n != 1 {
				t.Errorf("round %d: %d of 20 concurrent claims won, want 1", round, n)
			}
		}
	}},
	{"vote replaces", func(t *testing.T, s Store) {
		u := s.HashUser("tg:7")
		for _, up := range []bool{true, false} {
			if err := s.RecordVote(kb.Vote{UserHash: u, Article: "lost-card", Lang: "zh", Channel: "telegram", Up: up}); err != nil {
				t.Fatal(err)
			}
		}
		// Another language is another vote.
		s.RecordVote(kb.Vote{UserHash: u, Article: "lost-card", Lang: "en", Channel: "telegram", Up: true})
		var votes []kb.Vote
		s.Votes(time.Time{}, func(v kb.Vote) error { votes = append(votes, v); return nil })
		if len(votes) != 2 {
			t.Fatalf("votes = %+v, want two", votes)
		}
		for _, v := range votes {
			if v.UserHash != u || v.Article != "lost-card" || v.Channel != "telegram" || v.Time.IsZero() || v.Up != (v.Lang == "en") {
				t.Errorf("vote %+v", v)
			}
		}
		if err := s.RecordVote(kb.Vote{Article: "a/b"}); err == nil {
			t.Error("accepted article id with a slash")
		}
		if err := s.RecordVote(kb.Vote{UserHash: u}); err == nil {
			t.Error("accepted a vote without article")
		}
	}},
	{"votes since", func(t *testing.T, s Store) {
		now := time.Now()
		s.RecordVote(kb.Vote{UserHash: "u1", Article: "a", Lang: "zh", Time: now.Add(-2 * time.Hour)})
		s.RecordVote(kb.Vote{UserHash: "u2", Article: "a", Lang: "zh", Time: now.Add(-time.Minute)})
		n := 0
		s.Votes(now.Add(-time.Hour), func(v kb.Vote) error { n++; return nil })
		if n != 1 {
			t.Errorf("%d votes in the last hour, want 1", n)
		}
		if removed, err := s.Sweep(now, 90*time.Minute); err != nil || removed != 1 {
			t.Errorf("sweep removed %d (%v), want the old vote", removed, err)
		}
	}},
	{"log and retention", func(t *testing.T, s Store) {
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
		if n := countLog(t, s, now.Add(-30*time.Minute)); n != 1 {
			t.Errorf("%d entries in the last 30 minutes, want 1", n)
		}
	}},
	{"report counts swept questions per day", func(t *testing.T, s Store) {
		// Entries the sweep removes (past the retention) still count in
		// the report, as per-day aggregates by channel, language and
		// article; a report since later does not count them.
		now := time.Now()
		old := now.Add(-10 * 24 * time.Hour)
		for _, e := range []kb.LogEntry{
			{Time: old, Channel: "api", Lang: "zh", Question: "医保卡丢了", ID: "lost-card"},
			{Time: old.Add(time.Minute), Channel: "api", Lang: "zh", Question: "医保卡丢了怎么办", ID: "lost-card"},
			{Time: old.Add(2 * time.Minute), Channel: "wechat", Lang: "en", Question: "weather", Reason: "out-of-scope"},
			{Time: now.Add(-time.Minute), Channel: "api", Lang: "zh", Question: "异地就医", ID: "remote-filing"},
		} {
			if err := s.RecordQuestion(e); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.Sweep(now, 7*24*time.Hour); err != nil || n != 3 {
			t.Fatalf("sweep removed %d (%v), want the 3 old entries", n, err)
		}
		if n := countLog(t, s, time.Time{}); n != 1 {
			t.Errorf("%d log entries left, want 1", n)
		}
		r, err := s.Report(now.Add(-30*24*time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		api, wechat, zh := r.ByChannel["api"], r.ByChannel["wechat"], r.ByLang["zh"]
		if r.Questions != 4 || api.Asked != 3 || api.Answered != 3 || wechat.Asked != 1 || wechat.Answered != 0 || zh.Asked != 3 {
			t.Errorf("report over 30 days: %d questions, api %+v, wechat %+v, zh %+v; want 4, api 3/3, wechat 1/0, zh 3", r.Questions, api, wechat, zh)
		}
		if len(r.TopArticles) != 2 || r.TopArticles[0].ID != "lost-card" || r.TopArticles[0].Count != 2 || r.TopArticles[1].Count != 1 {
			t.Errorf("top articles over 30 days: %+v", r.TopArticles)
		}
		r, err = s.Report(now.Add(-24*time.Hour), 10)
		if err != nil || r.Questions != 1 || len(r.TopArticles) != 1 {
			t.Errorf("report over a day: %d questions, %+v, %v; want only the recent one", r.Questions, r.TopArticles, err)
		}
		// A second sweep adds to the same day's aggregates.
		if err := s.RecordQuestion(kb.LogEntry{Time: old.Add(3 * time.Minute), Channel: "api", Lang: "zh", Question: "医保卡", ID: "lost-card"}); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Sweep(now, 7*24*time.Hour); err != nil || n != 1 {
			t.Fatalf("second sweep removed %d (%v)", n, err)
		}
		if r, err = s.Report(now.Add(-30*24*time.Hour), 10); err != nil || r.Questions != 5 || r.TopArticles[0].Count != 3 {
			t.Errorf("after a second sweep: %d questions, %+v, %v; want 5, lost-card 3", r.Questions, r.TopArticles, err)
		}
		if err := s.Check(); err != nil {
			t.Error(err)
		}
	}},
	{"log entry round trip", func(t *testing.T, s Store) {
		e := kb.LogEntry{Time: time.Now().Add(-time.Second).Truncate(time.Millisecond), Channel: "wechat", Lang: "en",
			Question: "lost card?", ID: "lost-card", Reason: "", Score: 0.875, Latency: 1234 * time.Microsecond, Context: "family-bind"}
		u := kb.LogEntry{Channel: "api", Lang: "zh", Question: "天气", Reason: "out-of-scope", Score: 0.1}
		s.RecordQuestion(e)
		s.RecordQuestion(u)
		var got []kb.LogEntry
		if err := s.Log(time.Time{}, func(e kb.LogEntry) error { got = append(got, e); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("log = %+v", got)
		}
		if !got[0].Time.Equal(e.Time) {
			t.Errorf("time %v, want %v", got[0].Time, e.Time)
		}
		got[0].Time = e.Time
		if got[0] != e {
			t.Errorf("entry = %+v, want %+v", got[0], e)
		}
		if got[1].Time.IsZero() || got[1].Reason != "out-of-scope" || got[1].ID != "" {
			t.Errorf("entry without time = %+v", got[1])
		}
	}},
	{"log under load", func(t *testing.T, s Store) {
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 125 {
					if err := s.RecordQuestion(kb.LogEntry{Channel: "api", Lang: "zh", Question: fmt.Sprint(g, "-", i)}); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := countLog(t, s, time.Time{}); n != 1000 {
			t.Errorf("%d of 1000 entries", n)
		}
	}},
	{"report groups", func(t *testing.T, s Store) {
		for _, q := range []string{"公积金怎么取？", "公积金 怎么取", "ＡＢＣ"} {
			s.RecordQuestion(kb.LogEntry{Channel: "wechat", Lang: "zh", Question: q})
		}
		s.RecordQuestion(kb.LogEntry{Channel: "telegram", Lang: "zh", Question: "医保卡丢了", ID: "lost-card"})
		s.RecordVote(kb.Vote{UserHash: "u1", Article: "lost-card", Lang: "zh", Channel: "telegram", Up: false})
		r, err := s.Report(time.Now().Add(-time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Unanswered) != 2 || r.Unanswered[0].Count != 2 || r.Unanswered[0].Key != "公积金怎么取" {
			t.Errorf("unanswered = %+v", r.Unanswered)
		}
		if len(r.ThumbsDown) != 1 || r.ThumbsDown[0].ID != "lost-card" || r.ByChannel["telegram"].Rate != 1 || r.ByChannel["wechat"].Rate != 0 {
			t.Errorf("report = %+v", r)
		}
	}},
	{"report exact", func(t *testing.T, s Store) {
		now := time.Now()
		base := now.Add(-30 * time.Minute)
		entries := []kb.LogEntry{
			{Channel: "wechat", Lang: "zh", Question: "公积金怎么取？"},
			{Channel: "wechat", Lang: "zh", Question: "公积金 怎么取"},
			{Channel: "api", Lang: "en", Question: "ABC"},
			{Channel: "telegram", Lang: "zh", Question: "医保卡丢了", ID: "lost-card"},
			{Channel: "telegram", Lang: "en", Question: "lost card", ID: "lost-card"},
			{Channel: "api", Lang: "zh", Question: "异地就医", ID: "remote-care"},
			{Channel: "wechat", Lang: "zh", Question: "公积金怎么取？"},
			{Channel: "wechat", Lang: "zh", Question: "公积金怎么取!"},
			{Channel: "wechat", Lang: "zh", Question: "公积金怎么取。"},
			{Channel: "api", Lang: "zh", Question: "？？"},
			{Channel: "api", Lang: "en", Question: "ＡＢＣ"},
			{Channel: "wechat", Lang: "zh", Question: "打胰岛素医保报吗", Reason: "unsure"},
			{Channel: "wechat", Lang: "zh", Question: "打胰岛素医保报吗？", Reason: "unsure"},
		}
		for i, e := range entries {
			e.Time = base.Add(time.Duration(i) * time.Second)
			if err := s.RecordQuestion(e); err != nil {
				t.Fatal(err)
			}
		}
		s.RecordQuestion(kb.LogEntry{Time: now.Add(-2 * time.Hour), Channel: "api", Lang: "zh", Question: "old question"})
		for _, v := range []kb.Vote{
			{UserHash: "u1", Article: "lost-card", Lang: "zh", Channel: "telegram"},
			{UserHash: "u2", Article: "lost-card", Lang: "en", Channel: "telegram"},
			{UserHash: "u3", Article: "lost-card", Lang: "zh", Channel: "wechat", Up: true},
			{UserHash: "u1", Article: "remote-care", Lang: "zh", Channel: "api", Up: true},
			{UserHash: "u4", Article: "remote-care", Lang: "zh", Channel: "api"},
			{UserHash: "u5", Article: "never-answered", Lang: "zh", Channel: "wechat"},
			{UserHash: "u6", Article: "lost-card", Lang: "zh", Channel: "wechat", Time: now.Add(-2 * time.Hour)},
		} {
			if err := s.RecordVote(v); err != nil {
				t.Fatal(err)
			}
		}
		since := now.Add(-time.Hour)
		got, err := s.Report(since, 10)
		if err != nil {
			t.Fatal(err)
		}
		rates := func(o kb.Outcome) kb.Outcome { return o.WithRates() }
		want := kb.Report{
			Since:     since,
			Questions: 13,
			Unanswered: []kb.Group{
				{Key: "公积金怎么取", Count: 5, Examples: []string{"公积金怎么取？", "公积金 怎么取", "公积金怎么取!"}},
				{Key: "abc", Count: 2, Examples: []string{"ABC", "ＡＢＣ"}},
			},
			Unsure: []kb.Group{
				{Key: "打胰岛素医保报吗", Count: 2, Examples: []string{"打胰岛素医保报吗", "打胰岛素医保报吗？"}},
			},
			ThumbsDown: []kb.ArticleCount{
				{ID: "lost-card", Count: 2, Up: 1, Down: 2},
				{ID: "never-answered", Count: 1, Down: 1},
				{ID: "remote-care", Count: 1, Up: 1, Down: 1},
			},
			TopArticles: []kb.ArticleCount{
				{ID: "lost-card", Count: 2, Up: 1, Down: 2},
				{ID: "remote-care", Count: 1, Up: 1, Down: 1},
			},
			ByChannel: map[string]kb.Outcome{
				"wechat":   rates(kb.Outcome{Asked: 7, Up: 1, Down: 1}),
				"api":      rates(kb.Outcome{Asked: 4, Answered: 1, Up: 1, Down: 1}),
				"telegram": rates(kb.Outcome{Asked: 2, Answered: 2, Down: 2}),
			},
			ByLang: map[string]kb.Outcome{
				"zh": rates(kb.Outcome{Asked: 10, Answered: 2, Up: 2, Down: 3}),
				"en": rates(kb.Outcome{Asked: 3, Answered: 1, Down: 1}),
			},
		}
		if !got.Since.Equal(want.Since) {
			t.Errorf("since = %v, want %v", got.Since, want.Since)
		}
		got.Since = want.Since
		// Each group says when it was last asked (the console's "last
		// asked"); a backend may keep microseconds only.
		for _, l := range []struct {
			g    []kb.Group
			last int
		}{{got.Unanswered, 8}, {got.Unanswered[1:], 10}, {got.Unsure, 12}} {
			if len(l.g) == 0 {
				continue
			}
			if d := l.g[0].Last.Sub(base.Add(time.Duration(l.last) * time.Second)); d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("group %q last asked %v, want entry %d's time", l.g[0].Key, l.g[0].Last, l.last)
			}
			l.g[0].Last = time.Time{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("report:\n got %+v\nwant %+v", got, want)
		}
		top1, err := s.Report(since, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(top1.Unanswered) != 1 || len(top1.ThumbsDown) != 1 || len(top1.TopArticles) != 1 ||
			top1.Unanswered[0].Key != "公积金怎么取" || top1.ThumbsDown[0].ID != "lost-card" || top1.TopArticles[0].ID != "lost-card" {
			t.Errorf("top 1: %+v", top1)
		}
		all, err := s.Report(time.Time{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if all.Questions != 14 || len(all.Unanswered) != 3 || len(all.Unsure) != 1 || all.ThumbsDown[0].Down != 3 {
			t.Errorf("whole history: %+v", all)
		}
	}},
	{"empty report", func(t *testing.T, s Store) {
		r, err := s.Report(time.Now().Add(-time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		if r.Questions != 0 || r.Unanswered != nil || r.ThumbsDown != nil || r.TopArticles != nil ||
			r.ByChannel == nil || len(r.ByChannel) != 0 || r.ByLang == nil || len(r.ByLang) != 0 {
			t.Errorf("empty report = %#v", r)
		}
	}},
}
