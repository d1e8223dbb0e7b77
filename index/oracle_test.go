package index

import (
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"

	"faqbot/index/zh"
	"faqbot/kb"
)

// The map-based signal computations the compact ones (compact.go) replaced,
// kept as test oracles: TestCompactSignals checks both give bit-identical
// signals on the real content.

// mapSets builds a language's token sets as maps, the form the index's
// compact sets are checked against.
func (ix *Index) mapSets(lang string) *sets {
	_, s := newMapSets(ix.an, ix.kb.Articles(lang), nil)
	return s
}

// coverage is the IDF-weighted share of question tokens the article holds; a
// token also counts when it belongs to a synonym term whose alternative the
// article holds in full.
func (ix *Index) coverage(st *langStats, s *sets, id string, tokens []string, syns []synMatch) float64 {
	return ix.coverageOf(st, s.tokens[id], tokens, syns)
}

// coverageOf is coverage against one token set.
func (ix *Index) coverageOf(st *langStats, set map[string]bool, tokens []string, syns []synMatch) float64 {
	covered := map[string]bool{}
	for _, m := range syns {
		for _, alt := range ix.syn[m.group] {
			if len(alt.tokens) > 0 && all(mapSet(set), alt.tokens) {
				for _, t := range ix.syn[m.group][m.term].tokens {
					covered[t] = true
				}
				break
			}
		}
	}
	var got, total float64
	for _, t := range tokens {
		w := st.idf(t)
		if isUnigram(t) {
			w *= ix.params.UnigramWeight
		}
		total += w
		if set[t] || covered[t] {
			got += w
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// distinct is the IDF-weighted share of the question's distinctive tokens
// (used by few articles, not single CJK characters) that article id holds.
func distinct(st *langStats, s *sets, id string, tokens []string) float64 {
	set := s.tokens[id]
	var got, total float64
	for _, t := range tokens {
		df := st.df[t]
		if df == 0 || float64(df) > distinctShare*float64(st.n) || isUnigram(t) {
			continue
		}
		w := st.idf(t)
		total += w
		if set[t] {
			got += w
		}
	}
	if total == 0 {
		return 1
	}
	return got / total
}

// unitCoverage is the best coverage of the question by one phrasing or
// passage of article id.
func (ix *Index) unitCoverage(st *langStats, s *sets, id string, tokens []string, syns []synMatch) float64 {
	best := 0.0
	for _, u := range s.units[id] {
		best = max(best, ix.coverageOf(st, u, tokens, syns))
	}
	return best
}

// similarity is the best IDF-weighted overlap-over-union of the question's
// tokens with one of the phrasings.
func similarity(st *langStats, phrasings []phrasing, tokens []string) float64 {
	var qw float64
	for _, t := range tokens {
		qw += st.idf(t)
	}
	best := 0.0
	for _, ph := range phrasings {
		inter := phrasingInter(st, ph, tokens)
		if union := qw + ph.weight - inter; union > 0 {
			best = max(best, inter/union)
		}
	}
	return best
}

// phrasingInter is the IDF weight of the question tokens a phrasing holds.
func phrasingInter(st *langStats, ph phrasing, tokens []string) float64 {
	var inter float64
	for _, t := range tokens {
		if ph.tokens[t] {
			inter += st.idf(t)
		}
	}
	return inter
}

// containment is the best IDF-weighted share of a phrasing's tokens the
// question holds.
func containment(st *langStats, phrasings []phrasing, tokens []string) float64 {
	best := 0.0
	for _, ph := range phrasings {
		inter := phrasingInter(st, ph, tokens)
		if ph.weight > 0 {
			best = max(best, inter/ph.weight)
		}
	}
	return best
}

// expandAll is expand before TermGroups: every synonym term of every group
// tried on every question.
func (ix *Index) expandAll(folded string) []synMatch {
	words := wordsOf(folded)
	var out []synMatch
	for g, terms := range ix.syn {
		for i, t := range terms {
			if hasTerm(folded, words, t.folded, " "+t.folded+" ") {
				out = append(out, synMatch{g, i})
			}
		}
	}
	return out
}

// newMapSets analyzes one language's articles into token statistics and
// sets, as maps: the oracle of the compact sets (derive.go). The Latin words of the articles are counted into vocab (nil: not).
func newMapSets(an analysis.Analyzer, articles []*kb.Article, vocab map[string]int) (*langStats, *sets) {
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
