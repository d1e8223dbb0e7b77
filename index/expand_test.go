package index

import (
	"slices"
	"testing"

	"faqbot/index/zh"
)

// TestExpandBuckets: expand finds the same synonym terms, in the same order,
// as trying every term, on the tune questions and on each synonym term
// itself (alone, inside a sentence, and glued to Chinese text).
func TestExpandBuckets(t *testing.T) {
	ix := memIndex(t)
	qs := tuneQuestions(t)
	for _, terms := range ix.syn {
		for _, st := range terms {
			qs = append(qs, st.folded, "请问 "+st.folded+" 怎么办", "我想问"+st.folded+"的事")
		}
	}
	found := 0
	for _, q := range qs {
		f := zh.Fold(q)
		got, want := ix.expand(f), ix.expandAll(f)
		if !slices.Equal(got, want) {
			t.Errorf("expand(%q) = %v, want %v", q, got, want)
		}
		found += len(got)
	}
	if found == 0 {
		t.Fatalf("no synonym found in %d questions", len(qs))
	}
}
