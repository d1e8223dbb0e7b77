package index

import (
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"

	"faqbot/index/zh"
	"faqbot/kb"
)

// sets are one language's article token sets as maps of strings: what the
// compact sets (compact.go) are made from at open. They are then dropped (at
// 5,000 articles they took 800 MiB); tests rebuild them as oracles.
type sets struct {
	tokens    map[string]map[string]bool   // article id → tokens
	phrasings map[string][]phrasing        // article id → each title/question
	head      map[string]map[string]bool   // article id → tokens of title, questions, tags
	units     map[string][]map[string]bool // article id → tokens of each phrasing and passage
}

// newLangStats analyzes one language's articles into token statistics and
// sets. The Latin words of the articles are counted into vocab (nil: not).
func newLangStats(an analysis.Analyzer, articles []*kb.Article, vocab map[string]int) (*langStats, *sets) {
	st := &langStats{df: map[string]int{}}
	s := &sets{tokens: map[string]map[string]bool{}, phrasings: map[string][]phrasing{}, head: map[string]map[string]bool{}, units: map[string][]map[string]bool{}}
	for _, a := range articles {
		set := map[string]bool{}
		var text strings.Builder
		for _, h := range append(append([]string{a.Title}, a.Questions...), a.Tags...) {
			text.WriteString(h + "\n")
		}
		for _, p := range a.Passages() {
			text.WriteString(p.Heading + "\n" + p.Body + "\n")
		}
		if vocab != nil {
			latinWords(zh.Fold(text.String()), vocab)
		}
		for _, t := range analyze(an, zh.Fold(text.String())) {
			set[t] = true
			st.df[t]++
		}
		s.tokens[a.ID] = set
		head := map[string]bool{}
		for _, h := range append(append([]string{a.Title}, a.Questions...), a.Tags...) {
			u := map[string]bool{}
			for _, t := range analyze(an, zh.Fold(h)) {
				head[t], u[t] = true, true
			}
			s.units[a.ID] = append(s.units[a.ID], u)
		}
		s.head[a.ID] = head
		for _, p := range a.Passages() {
			u := map[string]bool{}
			for _, t := range analyze(an, zh.Fold(p.Heading+"\n"+p.Body)) {
				u[t] = true
			}
			s.units[a.ID] = append(s.units[a.ID], u)
		}
		st.n++
	}
	st.weight = make(map[string]float64, len(st.df))
	for t, df := range st.df {
		st.weight[t] = idf(st.n, df)
	}
	st.unknown = idf(st.n, 0)
	for _, a := range articles {
		for _, q := range append([]string{a.Title}, a.Questions...) {
			ph := phrasing{tokens: map[string]bool{}}
			for _, t := range analyze(an, zh.Fold(q)) {
				ph.tokens[t] = true
				ph.weight += st.idf(t)
			}
			s.phrasings[a.ID] = append(s.phrasings[a.ID], ph)
		}
	}
	return st, s
}

// tokenSet is a set of tokens: a map (oracles) or one part of an article's
// compact sets.
type tokenSet interface{ has(t string) bool }

type mapSet map[string]bool

func (m mapSet) has(t string) bool { return m[t] }

// partSet is one part (partAll, partHead) of an article's compact sets.
type partSet struct {
	c    *compactStats
	a    *artData
	part int
}

func (p partSet) has(t string) bool {
	id, ok := p.c.vocab[t]
	if !ok {
		return false
	}
	i, ok := slices.BinarySearch(p.a.ids, id)
	return ok && bit(p.a.masks[i*p.a.words:], p.a.words, 0, p.part)
}
