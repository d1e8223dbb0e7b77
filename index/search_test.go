package index

import (
	"context"
	"faqbot/index/zh"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"faqbot/content"
	"faqbot/kb"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

var (
	memOnce sync.Once
	memIx   *Index
	memErr  error
)

// memIndex is the embedded content, indexed in memory once per test binary.
func memIndex(t testing.TB) *Index {
	t.Helper()
	memOnce.Do(func() {
		var k *kb.KB
		if k, memErr = kb.Load(content.FS); memErr == nil {
			memIx, memErr = Build(context.Background(), k, "")
		}
	})
	if memErr != nil {
		t.Fatal(memErr)
	}
	return memIx
}

// TestSearchInputs: single characters find something, query syntax and
// markup are plain text, junk finds nothing and never errors.
func TestSearchInputs(t *testing.T) {
	ix := memIndex(t)
	tests := []struct {
		q, lang  string
		wantHits bool
	}{
		{"药", "zh", true},
		{"卡", "zh", true},
		{"藥", "zh", true},
		{"醫保卡丟了", "zh", true},
		{"+xyzzy:x -plugh:*", "en", false}, // syntax of words no article holds
		{`"`, "en", false},
		{"title:医保卡 AND body:*", "zh", true},
		{"'; DELETE FROM xyzzy; --", "en", false},

		{"😀😀😀", "zh", false},
		{"", "zh", false},
		{"the a of", "en", false},
		{strings.Repeat("医保卡丢了怎么办", 500), "zh", true},
	}
	for _, tt := range tests {
		hits, err := ix.Search(context.Background(), tt.q, tt.lang, 3)
		if err != nil {
			t.Errorf("Search(%.40q): %v", tt.q, err)
			continue
		}
		if (len(hits) > 0) != tt.wantHits {
			t.Errorf("Search(%.40q) = %d hits, want hits: %v", tt.q, len(hits), tt.wantHits)
		}
		for _, h := range hits {
			if h.Coverage < 0 || h.Coverage > 1 {
				t.Errorf("coverage %v out of range", h.Coverage)
			}
		}
	}
	if _, err := ix.Search(context.Background(), "x", "fr", 1); err == nil {
		t.Error("unknown language accepted")
	}
}

// TestSynonymExpansion: a question using only an alias finds the article
// written with the other name.
func TestSynonymExpansion(t *testing.T) {
	ix := memIndex(t)
	syn := ix.expand(zh.Fold("我的农合断了一年"))
	if len(syn) == 0 {
		t.Fatal("农合 not recognised as a synonym term")
	}
	hits, err := ix.Search(context.Background(), "农合断了一年还能续上吗", "zh", 1)
	if err != nil || len(hits) == 0 || hits[0].ID != "cooperative-gap-restore" {
		t.Errorf("hits = %+v, %v", hits, err)
	}
	if got := FindTerm("How do I get a valid card?", []string{"id card"}); got != "" {
		t.Errorf("FindTerm matched %q inside another word", got)
	}
	if got := FindTerm("my ID card", []string{"id card"}); got != "id card" {
		t.Errorf("FindTerm missed a whole-word term")
	}
}

// TestRanking is a golden ranking test in the style of zoekt's: every
// labelled question of the project's regression set, with the rank of its
// expected article and what came first. Run with -update after a deliberate
// ranking change and review the diff.
func TestRanking(t *testing.T) {
	ix := memIndex(t)
	f, err := content.FS.Open("regression.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	rows, err := kb.ParseLabelled(f)
	if err != nil {
		t.Fatal(err)
	}
	top1, n := 0, 0
	for _, r := range rows {
		q, want := r.Question, r.Want
		if r.Kind() != kb.WantArticle {
			continue
		}
		hits, err := ix.Search(context.Background(), q, zh.Detect(q), 5)
		if err != nil {
			t.Fatal(err)
		}
		rank, first := "-", "-"
		for i, h := range hits {
			if h.ID == want && rank == "-" {
				rank = fmt.Sprint(i + 1)
			}
		}
		if len(hits) > 0 {
			first = hits[0].ID
		}
		if rank == "1" {
			top1++
		}
		n++
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", rank, want, first, q)
	}
	path := filepath.Join("testdata", "ranking.golden")
	got := b.String()
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./index -run TestRanking -update)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) && i < len(wl); i++ {
			if gl[i] != wl[i] {
				t.Errorf("ranking changed:\n got  %s\n want %s", gl[i], wl[i])
			}
		}
		if len(gl) != len(wl) {
			t.Errorf("ranking has %d lines, golden %d", len(gl), len(wl))
		}
	}
	if ratio := float64(top1) / float64(n); ratio < 0.88 {
		t.Errorf("top-1 on regression questions = %.3f, below 0.88", ratio)
	}
}
