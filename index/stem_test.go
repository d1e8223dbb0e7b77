package index

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"

	"faqbot/content"
	"faqbot/index/zh"
	"faqbot/kb"
)

// TestFastAnalyzerMatchesBleve: the analyzer searches and the sets use
// gives exactly the tokens of Bleve's (the one the index was built with):
// terms, positions and offsets, on every article's text, every tune
// question and 20,000 random mixes of Latin, accented, CJK, digits and
// punctuation, folded and not.
func TestFastAnalyzerMatchesBleve(t *testing.T) {
	t.Parallel()
	ix := memIndex(t)
	bleveAn := ix.bi[kb.Languages[0]].Mapping().AnalyzerNamed(analyzerName)
	if d, ok := ix.an.(*analysis.DefaultAnalyzer); !ok || !slices.ContainsFunc(d.TokenFilters, func(f analysis.TokenFilter) bool {
		_, ok := f.(latinStemmer)
		return ok
	}) {
		t.Fatal("the index analyses without latinStemmer: nothing to compare")
	}
	check := func(text string) {
		t.Helper()
		want, got := bleveAn.Analyze([]byte(text)), ix.an.Analyze([]byte(text))
		if len(got) != len(want) {
			t.Fatalf("%q: %d tokens, Bleve's analyzer %d", text, len(got), len(want))
		}
		for i := range want {
			w, g := want[i], got[i]
			if string(g.Term) != string(w.Term) || g.Position != w.Position || g.Start != w.Start || g.End != w.End || g.Type != w.Type {
				t.Fatalf("%q token %d: %+v, Bleve's analyzer %+v", text, i, g, w)
			}
		}
	}
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			texts = append(texts, a.Title)
			texts = append(texts, a.Questions...)
			for _, p := range a.Passages() {
				texts = append(texts, p.Heading, p.Body)
			}
		}
	}
	texts = append(texts, tuneQuestions(t)...)
	for _, s := range texts {
		check(s)
		check(zh.Fold(s))
	}
	pieces := []string{"running", "insurance's", "Card", "cards", "ies", "sses", "y", "e", "ly", "'", "'s", "café", "naïve",
		"ñ", "ÉTÉ", "医保", "卡", "異地", "ｍｅｄｉｃａｌ", "12393", "2025", "3.5", "%", "-", " ", "  ", "\n", "?", "。", "，", "a", "i", "the"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20_000 {
		var b strings.Builder
		for range rng.IntN(10) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		check(b.String())
		check(zh.Fold(b.String()))
	}
}
