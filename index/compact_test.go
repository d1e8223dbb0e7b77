package index

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"faqbot/content"
	"faqbot/index/zh"
	"faqbot/kb"
)

// TestCompactSignals: the compact sets give every signal exactly (bit for
// bit) what the map forms give, for the regression questions against every
// article: on the real content (every article's parts fit one mask word)
// and with an article of 150 passages (three mask words).
//
// The map forms are slow oracles: with -short, every fifth question.
func TestCompactSignals(t *testing.T) {
	checkCompact(t, memIndex(t), 1)
	long, err := kb.Load(withLongArticle(t, 150))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Build(context.Background(), long, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	checkCompact(t, ix, 3)
	if !isUnigram("医") || isUnigram("医保") || isUnigram("a") || isUnigram("") {
		t.Error("isUnigram")
	}
}

// withLongArticle is the real content with one zh and one en article
// grown to n passages: each of its sections again under new headings.
func withLongArticle(t *testing.T, n int) fs.FS {
	m := fstest.MapFS{}
	err := fs.WalkDir(content.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(content.FS, path)
		m[path] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"zh/remote-filing.md", "en/remote-filing.md"} {
		data := m[path].Data
		var more strings.Builder
		for i := 0; more.Len() == 0 || strings.Count(more.String(), "\n## ") < n; i++ {
			for _, sec := range strings.Split(string(data), "\n## ")[1:] {
				head, body, _ := strings.Cut(sec, "\n")
				fmt.Fprintf(&more, "\n## %s %d\n%s\n", head, i, body)
			}
		}
		m[path] = &fstest.MapFile{Data: append(slices.Clone(data), more.String()...)}
	}
	return m
}

// sampled are every question with the full test set, every fifth with
// -short: the oracle comparisons are slow.
func sampled[T any](qs []T) []T {
	if !testing.Short() {
		return qs
	}
	var some []T
	for i := 0; i < len(qs); i += 5 {
		some = append(some, qs[i])
	}
	return some
}

func checkCompact(t *testing.T, ix *Index, maxWords int) {
	k := ix.KB()
	words := 0
	for _, st := range ix.langs {
		for _, a := range st.compact.arts {
			words = max(words, a.words)
		}
	}
	if words != maxWords {
		t.Fatalf("widest mask: %d words, want %d", words, maxWords)
	}
	f, _ := content.FS.Open("regression.tsv")
	cases, err := kb.ParseLabelled(f)
	if err != nil {
		t.Fatal(err)
	}
	mapSets := map[string]*sets{}
	for _, lang := range kb.Languages {
		mapSets[lang] = ix.mapSets(lang)
	}
	for _, c := range append(sampled(cases), kb.Labelled{Question: "医保 insurance 新农合 報銷 异地 a b"}) {
		for _, lang := range kb.Languages {
			st, ms := ix.langs[lang], mapSets[lang]
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
			var ids []string
			var arts []*artData
			for _, id := range k.IDs() {
				if art := st.compact.arts[id]; art != nil {
					ids, arts = append(ids, id), append(arts, art)
				}
			}
			sig.locate(arts)
			for hit, id := range ids {
				hs := sig.of(st.n, arts[hit], hit)
				got := []float64{hs.coverage, hs.head, hs.unit, hs.similarity, hs.containment, hs.distinct}
				want := []float64{ix.coverage(st, ms, id, tokens, syns), ix.coverageOf(st, ms.head[id], tokens, syns),
					ix.unitCoverage(st, ms, id, tokens, syns), similarity(st, ms.phrasings[id], tokens),
					containment(st, ms.phrasings[id], tokens), distinct(st, ms, id, tokens)}
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%s %q %s: signal %d = %v, maps give %v", lang, c.Question, id, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// TestClosestInverted: Closest over the inverted lists is the similarity to
// every other exemplar, bit for bit.
func TestClosestInverted(t *testing.T) {
	ix := memIndex(t)
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

// TestMissingCompact: Missing over the compact sets says what it said over
// the map sets, for every tune question (with -short, every fifth) against
// every article.
func TestMissingCompact(t *testing.T) {
	ix := memIndex(t)
	qs := sampled(tuneQuestions(t))
	compared := 0
	for _, lang := range kb.Languages {
		st, ms := ix.langs[lang], ix.mapSets(lang)
		for _, q := range qs {
			a := ix.analyzed(q)
			for id := range ms.tokens {
				want := ix.missing(st, mapSet(ms.tokens[id]), a.tokens, a.syns)
				h := ix.missing(st, mapSet(ms.head[id]), a.tokens, a.syns)
				want.HeadMax, want.HeadMass = h.Max, h.Mass
				if got := ix.Missing(q, lang, id); got != want {
					t.Fatalf("%s %q %s: Missing = %+v, map sets give %+v", lang, q, id, got, want)
				}
				compared++
			}
		}
	}
	if compared == 0 {
		t.Fatal("nothing compared")
	}
}
