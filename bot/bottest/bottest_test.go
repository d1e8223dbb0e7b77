package bottest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"faqbot/bot"
	"faqbot/index/zh"
	"faqbot/kb"
)

func TestAsker(t *testing.T) {
	t.Parallel()
	f := NewAsker(t)
	for _, tc := range []struct {
		q, id, reason string
		trad          bool
	}{
		{q: "医保卡丢了怎么去医院看病", id: "lost-card"},
		{q: "醫保卡丟了怎麼去醫院看病？", id: "lost-card", trad: true},
		{q: "你好", reason: bot.ReasonGreeting},
		{q: "😀", reason: bot.ReasonEmpty},
		{q: "随便问问", reason: bot.ReasonNoMatch},
	} {
		a, err := f.Ask(context.Background(), bot.Question{Text: tc.q, User: "u"})
		if err != nil {
			t.Fatal(err)
		}
		if a.ID != tc.id || a.Reason != tc.reason || a.Answered != (tc.id != "") || a.Traditional != tc.trad {
			t.Errorf("%q: got id=%q reason=%q trad=%v", tc.q, a.ID, a.Reason, a.Traditional)
		}
		if a.Disclaimer == "" || a.Text == "" {
			t.Errorf("%q: no disclaimer or text", tc.q)
		}
	}
	if n := len(f.Asked()); n != 5 {
		t.Errorf("recorded %d questions, want 5", n)
	}
}

// TestAskerUnsure: a question listed in Unsure gets reason "unsure" with
// those articles as suggestions and the engine's text (honest sentence,
// numbered suggestions, hand-off, disclaimer), in Traditional when asked in
// it; bot.UnsureParts finds the suggestions in that text.
func TestAskerUnsure(t *testing.T) {
	t.Parallel()
	f := NewAsker(t)
	k := KB(t)
	f.Unsure["糖尿病医保管不管"] = []string{"drug-class-a-b", "no-such-article", "surgery-coverage"}
	f.Unsure["糖尿病醫保管不管"] = []string{"drug-class-a-b"}
	f.Unsure["Is insulin covered?"] = []string{"drug-class-a-b", "surgery-coverage", "dental-coverage"}
	intro := map[string]string{"zh": "我没有找到确切回答这个问题的内容", "en": "I don't have an article that answers this exactly"}
	for _, tc := range []struct {
		q, lang string
		n       int
		trad    bool
	}{
		{"糖尿病医保管不管", "zh", 2, false}, // an unknown id is left out
		{"糖尿病醫保管不管", "zh", 1, true},
		{"Is insulin covered?", "en", 3, false},
	} {
		a, err := f.Ask(context.Background(), bot.Question{Text: tc.q})
		if err != nil {
			t.Fatal(err)
		}
		if a.Answered || a.Reason != bot.ReasonUnsure || a.ID != "" || a.Lang != tc.lang || a.Traditional != tc.trad {
			t.Fatalf("%q: %+v", tc.q, a)
		}
		if len(a.Alternatives) != tc.n {
			t.Errorf("%q: %d suggestions, want %d: %+v", tc.q, len(a.Alternatives), tc.n, a.Alternatives)
		}
		conv := func(s string) string { return s }
		if tc.trad {
			conv = zh.ToTraditional
		}
		for _, want := range []string{conv(intro[tc.lang]), conv(k.Handoff(tc.lang)), conv(k.Disclaimer(tc.lang)), "1. " + a.Alternatives[0].Title} {
			if !strings.Contains(a.Text, want) {
				t.Errorf("%q: text lacks %q:\n%s", tc.q, want, a.Text)
			}
		}
		head, label, tail, ok := bot.UnsureParts(a)
		if !ok || !strings.HasPrefix(head, conv(intro[tc.lang])) || label == "" || !strings.HasSuffix(tail, conv(k.Disclaimer(tc.lang))) ||
			!strings.Contains(tail, conv(k.Handoff(tc.lang))) || strings.Contains(head+tail, a.Alternatives[0].Title) {
			t.Errorf("%q: UnsureParts = %q, %q, %q, %v", tc.q, head, label, tail, ok)
		}
	}
	if _, _, _, ok := bot.UnsureParts(bot.Answer{Reason: bot.ReasonNoMatch, Text: "x"}); ok {
		t.Error("UnsureParts split a no-match reply")
	}
}

func TestStateClaimOnce(t *testing.T) {
	t.Parallel()
	s := NewState()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 20 {
		wg.Go(func() {
			ok, _, err := s.ClaimTemp("k", "1", []byte("x"), time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				won++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d claims won, want 1", won)
	}
	now := time.Now()
	s.Now = func() time.Time { return now.Add(2 * time.Minute) }
	if ok, _, _ := s.ClaimTemp("k", "1", nil, time.Minute); !ok {
		t.Error("expired claim not reclaimable")
	}
	u := s.HashUser("alice")
	s.RecordVote(kb.Vote{UserHash: u, Article: "lost-card", Lang: "zh", Up: true})
	s.RecordVote(kb.Vote{UserHash: u, Article: "lost-card", Lang: "zh", Up: false})
	if v := s.Votes(); len(v) != 1 || v[0].Up {
		t.Errorf("votes %+v, want one thumbs-down", v)
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }

func TestNoSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		text string
		leak bool
	}{
		{"token=123456:ABCDEFGHIJKLMNOP", true},
		{"token=123456:ABCDEF", true}, // a 12-byte prefix is enough
		{"token=[redacted]", false},
	} {
		r := &recorder{TB: t}
		NoSecrets(r, tc.text, "123456:ABCDEFGHIJKLMNOP", "")
		if r.failed != tc.leak {
			t.Errorf("%q: flagged=%v, want %v", tc.text, r.failed, tc.leak)
		}
	}
}
