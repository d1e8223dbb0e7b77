package index

import (
	"slices"
	"unicode/utf8"
)

// The signals of a hit (coverage, head, unit, similarity, containment,
// distinct) compare a question's few tokens with an article's token sets.
// Built as maps of strings, that is a string hash per token, per set, per
// hit, per question. compactStats holds the same sets as sorted vocabulary
// ids, made once at build time, and a question is turned into ids once per
// search: the signals computed from them are the same numbers, summed in
// the same order (TestCompactSignals checks them against the map forms).

// compactStats is one language's article data as vocabulary ids.
type compactStats struct {
	vocab map[string]int32 // token → id: the articles' tokens, then the synonyms'
	arts  map[string]*artData
	// syn[group][term] are the ids of a synonym term's tokens (as ix.syn).
	syn [][][]int32
}

// artData is one article's token sets, each sorted.
type artData struct {
	tokens    []int32   // all its tokens (langStats.tokens)
	head      []int32   // title, questions, tags (langStats.head)
	units     [][]int32 // each phrasing and passage (langStats.units)
	phrasings []cPhrasing
}

type cPhrasing struct {
	tokens []int32
	weight float64 // phrasing.weight
}

// qtok is one question token, looked up once per search.
type qtok struct {
	id  int32 // -1: neither an article nor a synonym uses it
	df  int
	idf float64
	cw  float64 // weight in coverage: idf, × UnigramWeight for a single CJK character
	uni bool
}

// buildCompact derives the compact sets from the map forms; it runs once
// per language after the synonyms are analyzed.
func (st *langStats) buildCompact(syn [][]synTerm) {
	c := &compactStats{vocab: make(map[string]int32, len(st.df)), arts: make(map[string]*artData, len(st.tokens))}
	intern := func(t string) int32 {
		id, ok := c.vocab[t]
		if !ok {
			id = int32(len(c.vocab))
			c.vocab[t] = id
		}
		return id
	}
	for _, t := range slices.Sorted(mapKeys(st.df)) {
		intern(t)
	}
	for _, g := range syn {
		terms := make([][]int32, len(g))
		for i, t := range g {
			for _, tok := range t.tokens {
				terms[i] = append(terms[i], intern(tok))
			}
		}
		c.syn = append(c.syn, terms)
	}
	ids := func(set map[string]bool) []int32 {
		out := make([]int32, 0, len(set))
		for t := range set {
			out = append(out, intern(t))
		}
		slices.Sort(out)
		return out
	}
	for id, set := range st.tokens {
		a := &artData{tokens: ids(set), head: ids(st.head[id])}
		for _, u := range st.units[id] {
			a.units = append(a.units, ids(u))
		}
		for _, ph := range st.phrasings[id] {
			a.phrasings = append(a.phrasings, cPhrasing{tokens: ids(ph.tokens), weight: ph.weight})
		}
		c.arts[id] = a
	}
	st.compact = c
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// question looks the tokens up once.
func (st *langStats) question(tokens []string, unigramWeight float64, into []qtok) []qtok {
	into = into[:0]
	for _, t := range tokens {
		q := qtok{id: -1, df: st.df[t], idf: st.idf(t), uni: isUnigram(t)}
		if id, ok := st.compact.vocab[t]; ok {
			q.id = id
		}
		q.cw = q.idf
		if q.uni {
			q.cw *= unigramWeight
		}
		into = append(into, q)
	}
	return into
}

// has reports whether sorted set holds id.
func has(set []int32, id int32) bool {
	if id < 0 {
		return false
	}
	_, ok := slices.BinarySearch(set, id)
	return ok
}

func allIDs(set, ids []int32) bool {
	for _, id := range ids {
		if !has(set, id) {
			return false
		}
	}
	return true
}

// signals computes a hit's signals for question tokens qt; scratch is
// reused between calls.
type signals struct {
	c       *compactStats
	qt      []qtok
	syns    []synMatch
	covered []int32
	qw      float64 // sum of the tokens' IDF (similarity)
}

func (s *signals) reset(c *compactStats, qt []qtok, syns []synMatch) {
	s.c, s.qt, s.syns = c, qt, syns
	s.qw = 0
	for _, q := range qt {
		s.qw += q.idf
	}
}

// coverageOf is Index.coverageOf on a compact set.
func (s *signals) coverageOf(set []int32) float64 {
	covered := s.covered[:0]
	for _, m := range s.syns {
		for _, alt := range s.c.syn[m.group] {
			if len(alt) > 0 && allIDs(set, alt) {
				covered = append(covered, s.c.syn[m.group][m.term]...)
				break
			}
		}
	}
	s.covered = covered
	var got, total float64
	for _, q := range s.qt {
		total += q.cw
		if has(set, q.id) || q.id >= 0 && slices.Contains(covered, q.id) {
			got += q.cw
		}
	}
	if total == 0 {
		return 0
	}
	return got / total
}

// unitCoverage is Index.unitCoverage.
func (s *signals) unitCoverage(a *artData) float64 {
	best := 0.0
	for _, u := range a.units {
		best = max(best, s.coverageOf(u))
	}
	return best
}

// distinct is the package's distinct.
func (s *signals) distinct(n int, set []int32) float64 {
	var got, total float64
	for _, q := range s.qt {
		if q.df == 0 || float64(q.df) > distinctShare*float64(n) || q.uni {
			continue
		}
		total += q.idf
		if has(set, q.id) {
			got += q.idf
		}
	}
	if total == 0 {
		return 1
	}
	return got / total
}

// similarity and containment are the package's functions of that name.
func (s *signals) similarity(phs []cPhrasing) float64 {
	best := 0.0
	for _, ph := range phs {
		inter := s.inter(ph.tokens)
		if union := s.qw + ph.weight - inter; union > 0 {
			best = max(best, inter/union)
		}
	}
	return best
}

func (s *signals) containment(phs []cPhrasing) float64 {
	best := 0.0
	for _, ph := range phs {
		inter := s.inter(ph.tokens)
		if ph.weight > 0 {
			best = max(best, inter/ph.weight)
		}
	}
	return best
}

func (s *signals) inter(set []int32) float64 {
	var inter float64
	for _, q := range s.qt {
		if has(set, q.id) {
			inter += q.idf
		}
	}
	return inter
}

// isUnigram reports whether t is a single CJK character.
func isUnigram(t string) bool {
	r, size := utf8.DecodeRuneInString(t)
	return len(t) > 0 && size == len(t) && r > 0x2E7F
}
