package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"faqbot/kb"
	"faqbot/kb/state"
)

// TestStatsSuggest: unanswered questions close to an article are proposed
// as `questions` lines for it; far ones are not; nothing is written.
func TestStatsSuggest(t *testing.T) {
	data := t.TempDir()
	s, err := state.Open(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"医保卡丢了还能去医院看病吗", "医保卡丢了还能去医院看病吗", "南昌废品回收价格表", "医保卡丢了怎么去医院看病？", "公积金卡丢了怎么去医院看病"} {
		s.RecordQuestion(kb.LogEntry{Channel: "wechat", Lang: "zh", Question: q})
	}
	s.Close()

	out, _, err := runCmd(t, "", "stats", "-data", data)
	if err != nil || !strings.Contains(out, "   2  医保卡丢了还能去医院看病吗") || !strings.Contains(out, "wechat") {
		t.Fatalf("stats: %v\n%s", err, out)
	}
	out, _, err = runCmd(t, "", "stats", "-data", data, "-suggest")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "content/zh/lost-card.md  (asked 2×") || strings.Contains(out, "废品") || strings.Contains(out, "公积金") || strings.Contains(out, "怎么去医院看病？") {
		t.Errorf("suggestions:\n%s", out)
	}
}

// TestStatsMissingStore: stats on a directory without a state store (the
// README's `faqbot stats` run elsewhere than the server's -data) says so
// and creates nothing, rather than report 0 questions from a new store.
func TestStatsMissingStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	_, _, err := runCmd(t, "", "stats", "-data", dir)
	if err == nil || !strings.Contains(err.Error(), "no state store at "+filepath.Join(dir, state.File)) || !strings.Contains(err.Error(), "-server") {
		t.Errorf("stats on a missing store: %v", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stats created %s (%v)", dir, err)
	}
}
