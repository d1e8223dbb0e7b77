package index

import (
	"context"
	"testing"

	"faqbot/content"
	"faqbot/index/zh"
	"faqbot/kb"
)

// TestCompactSignals: the compact sets give every signal exactly (bit for
// bit) what the map forms give, for the regression questions against every
// article.
func TestCompactSignals(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Build(context.Background(), k, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	f, _ := content.FS.Open("regression.tsv")
	cases, err := kb.ParseLabelled(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range append(cases, kb.Labelled{Question: "医保 insurance 新农合 報銷 异地 a b"}) {
		for _, lang := range kb.Languages {
			st := ix.langs[lang]
			folded := ix.correct(zh.Fold(c.Question))
			var tokens []string
			for _, tok := range analyze(ix.an, folded) {
				if len(tok) > 1 {
					tokens = append(tokens, tok)
				}
			}
			syns := ix.expand(folded)
			var sig signals
			sig.reset(st.compact, st.question(tokens, ix.params.UnigramWeight, nil), syns)
			for _, id := range k.IDs() {
				art := st.compact.arts[id]
				if art == nil {
					continue
				}
				got := []float64{sig.coverageOf(art.tokens), sig.coverageOf(art.head), sig.unitCoverage(art),
					sig.similarity(art.phrasings), sig.containment(art.phrasings), sig.distinct(st.n, art.tokens)}
				want := []float64{ix.coverage(st, id, tokens, syns), ix.coverageOf(st, st.head[id], tokens, syns),
					ix.unitCoverage(st, id, tokens, syns), similarity(st, st.phrasings[id], tokens),
					containment(st, st.phrasings[id], tokens), distinct(st, id, tokens)}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s %q %s: signal %d = %v, maps give %v", lang, c.Question, id, i, got[i], want[i])
					}
				}
			}
		}
	}
	if !isUnigram("医") || isUnigram("医保") || isUnigram("a") || isUnigram("") {
		t.Error("isUnigram")
	}
}

// TestClosestInverted: Closest over the inverted lists is the similarity to
// every other exemplar, bit for bit.
func TestClosestInverted(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Build(context.Background(), k, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	f, _ := content.FS.Open("regression.tsv")
	cases, err := kb.ParseLabelled(f)
	if err != nil {
		t.Fatal(err)
	}
	var qs []string
	for _, c := range cases {
		qs = append(qs, c.Question)
	}
	ex := ix.NewExemplars(qs[:len(qs)/2])
	for _, q := range qs {
		for _, lang := range kb.Languages {
			st := ix.langs[lang]
			var tokens []string
			for _, tok := range analyze(ix.an, ix.correct(zh.Fold(q))) {
				if len(tok) > 1 {
					tokens = append(tokens, tok)
				}
			}
			var phs []phrasing
			for _, e := range ex.byLang[lang] {
				if e.text != q {
					phs = append(phs, e.ph)
				}
			}
			if got, want := ix.Closest(ex, q, lang), similarity(st, phs, tokens); got != want {
				t.Fatalf("%s %q: Closest %v, similarity %v", lang, q, got, want)
			}
		}
	}
}
