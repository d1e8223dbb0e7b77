package index

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"faqbot/index/zh"
)

// Params are the ranking knobs, tuned on the labelled questions
// (see TestRanking and `faqbot eval`).
type Params struct {
	PhrasingBoost float64 // title and alternate questions
	BodyBoost     float64 // passage heading and text
	SynonymBoost  float64 // tokens added by synonym expansion
	PassageWeight float64 // share of the best passage score in the article score
	UnigramWeight float64 // share of a single CJK character in the coverage score
	// CoverageWeight is the share of coverage (vs. the BM25 score relative to
	// the best hit) in the rank of an article.
	CoverageWeight float64
	// PhrasingWeight adds the similarity of the question to the article's
	// closest title or alternate question (IDF-weighted token overlap over
	// union): a question worded like a curated phrasing wins.
	PhrasingWeight float64
}

// SetParams changes the ranking knobs (for tuning; not safe during searches).
func (ix *Index) SetParams(p Params) { ix.params = p }

// DefaultParams are the tuned ranking knobs.
var DefaultParams = Params{
	PhrasingBoost:  1.0,
	BodyBoost:      1.2,
	SynonymBoost:   0.6,
	PassageWeight:  1.0,
	UnigramWeight:  0.4,
	CoverageWeight: 0.6,
	PhrasingWeight: 0.4,
}

// Hit is one article found for a question.
type Hit struct {
	ID      string
	Section int // index into kb.Article.Passages() of the best-matching passage
	// Raw is the Bleve (BM25) article score.
	Raw float64
	// Rank orders the hits of one question: BM25 relative to the best hit,
	// blended with Coverage.
	Rank float64
	// Coverage is the share (0..1) of the question's IDF-weighted tokens the
	// article contains: comparable across questions.
	Coverage float64

	// The signals below feed the engine's confidence model (bot.Features).

	// Similarity is the IDF-weighted overlap over union of the question with
	// the article's closest title or alternate question (1: worded like it).
	Similarity float64
	// Contain is the largest IDF-weighted share of one of the article's
	// phrasings that the question contains (a long story that holds a
	// curated question's words).
	Contain float64
	// Distinct is the IDF-weighted share of the question's distinctive tokens
	// (those few articles use) that the article holds; 1 when the question
	// has none.
	Distinct float64
	// Head is the coverage by the article's title, questions and tags only:
	// what the article is about, not what its body mentions in passing.
	Head float64
	// Unit is the best coverage by one unit of the article: a phrasing or a
	// passage (words of the question scattered over sections do not add up).
	Unit float64
	// RawAbs is Raw, kept unnormalized for the model.
	RawAbs float64
	// Margin is Rank minus the Rank of the next hit (Rank when it is last).
	Margin float64
	// Tokens and Unknown count the question's tokens and those no article of
	// the language uses (the same for every hit of one question).
	Tokens, Unknown int
}

// maxHits bounds how many documents one search reads.
const maxHits = 60

// Search returns up to n articles of lang for question, best first. Question
// text is analyzed into terms; it is never parsed as query syntax.
func (ix *Index) Search(ctx context.Context, question, lang string, n int) ([]Hit, error) {
	st, ok := ix.langs[lang]
	if !ok {
		return nil, fmt.Errorf("search: unknown language %q", lang)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	q := ix.analyzed(question)
	tokens := searchTokens(q)
	if len(tokens) == 0 {
		return nil, nil
	}
	p := ix.params
	should := ix.clauses(st, tokens, q.syns)
	if len(should) == 0 {
		return nil, nil // nothing in the question occurs in the knowledge base
	}
	found := ix.postings[lang].search(should, maxHits)

	type agg struct {
		phrasing, passage float64
		section           int
		hasPassage        bool
	}
	byID := map[string]*agg{}
	var order []string
	for _, h := range found {
		id, kind, i, ok := parseDocID(h.id)
		if !ok {
			continue
		}
		a := byID[id]
		if a == nil {
			a = &agg{}
			byID[id] = a
			order = append(order, id)
		}
		switch kind {
		case "q":
			a.phrasing = max(a.phrasing, h.score*p.PhrasingBoost)
		case "p":
			s := h.score * p.BodyBoost
			if !a.hasPassage || s > a.passage {
				a.passage, a.section, a.hasPassage = s, i, true
			}
		}
	}
	qt := st.question(tokens, p.UnigramWeight, nil)
	unknown := 0
	for _, q := range qt {
		if q.df == 0 {
			unknown++
		}
	}
	var sig signals
	sig.reset(st.compact, qt, q.syns)
	arts := make([]*artData, len(order))
	for k, id := range order {
		if arts[k] = st.compact.arts[id]; arts[k] == nil {
			arts[k] = noSets // an index opened for other content: no sets, as the maps had none
		}
	}
	sig.locate(arts)
	hits := make([]Hit, 0, len(order))
	for k, id := range order {
		a := byID[id]
		hs := sig.of(st.n, arts[k], k)
		hits = append(hits, Hit{
			ID:         id,
			Section:    a.section,
			Raw:        a.phrasing + p.PassageWeight*a.passage,
			Coverage:   hs.coverage,
			Head:       hs.head,
			Unit:       hs.unit,
			RawAbs:     a.phrasing + p.PassageWeight*a.passage,
			Similarity: hs.similarity,
			Contain:    hs.containment,
			Distinct:   hs.distinct,
			Tokens:     len(tokens),
			Unknown:    unknown,
		})
	}
	var best float64
	for _, h := range hits {
		best = max(best, h.Raw)
	}
	for i := range hits {
		if best > 0 {
			hits[i].Rank = (1-p.CoverageWeight)*hits[i].Raw/best + p.CoverageWeight*hits[i].Coverage +
				p.PhrasingWeight*hits[i].Similarity
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Rank != hits[j].Rank {
			return hits[i].Rank > hits[j].Rank
		}
		return hits[i].ID < hits[j].ID
	})
	for i := range hits {
		hits[i].Margin = hits[i].Rank
		if i+1 < len(hits) {
			hits[i].Margin -= hits[i+1].Rank
		}
	}
	if len(hits) > n {
		hits = hits[:n]
	}
	return hits, nil
}

// searchTokens are the analyzed question's tokens a search uses: a lone
// Latin letter or digit ("<b>", "class b") says nothing.
func searchTokens(q *analyzed) []string {
	return slices.DeleteFunc(slices.Clone(q.tokens), func(t string) bool { return len(t) == 1 })
}

// clauses are the question's query: its tokens at boost 1, then the tokens
// of its synonyms' alternatives at SynonymBoost, each once and only if some
// article of the language holds it.
func (ix *Index) clauses(st *langStats, tokens []string, syns []synMatch) []clause {
	var cs []clause
	have := map[string]bool{}
	for _, t := range queryTerms(st, tokens) {
		have[t] = true
		cs = append(cs, clause{term: t, boost: 1})
	}
	for _, m := range syns {
		for _, alt := range ix.syn[m.group] {
			for _, t := range alt.tokens {
				if !have[t] && st.df[t] > 0 {
					have[t] = true
					cs = append(cs, clause{term: t, boost: ix.params.SynonymBoost})
				}
			}
		}
	}
	return cs
}

// maxTermShare drops from the query terms that most articles contain (医保,
// 医, insurance): their BM25 weight is near zero but their posting lists are
// the longest. They still count in the coverage score.
const maxTermShare = 0.5

// maxQueryTerms bounds the work of one search: a long story keeps its most
// telling (highest IDF) terms.
const maxQueryTerms = 40

// queryTerms are the tokens worth searching for: those some article
// contains (a long story full of words the knowledge base never uses costs
// no posting-list walks for them), at most maxQueryTerms of them.
func queryTerms(st *langStats, tokens []string) []string {
	out := make([]string, 0, len(tokens))
	for _, t := range tokens {
		if df := st.df[t]; df > 0 && float64(df) <= maxTermShare*float64(st.n) {
			out = append(out, t)
		}
	}
	if len(out) > maxQueryTerms {
		slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(st.idf(b), st.idf(a)) })
		out = out[:maxQueryTerms]
	}
	return out
}

// synMatch is a synonym term found in a question.
type synMatch struct {
	group, term int
}

// expand finds the synonym terms a folded question contains, in group and
// term order.
func (ix *Index) expand(folded string) []synMatch {
	words := wordsOf(folded)
	var out []synMatch
	try := func(cands []synMatch) {
		for _, m := range cands {
			if t := ix.syn[m.group][m.term]; hasTerm(folded, words, t.folded, t.padded) {
				out = append(out, m)
			}
		}
	}
	for w := range strings.FieldsSeq(words) {
		try(ix.synFirst.word[w])
	}
	var prev rune
	for i, r := range folded {
		if r >= utf8.RuneSelf {
			try(ix.synFirst.rune[r])
		}
		if i > 0 && prev >= utf8.RuneSelf {
			try(ix.synFirst.pair[[2]rune{prev, r}])
		}
		prev = r
	}
	slices.SortFunc(out, func(a, b synMatch) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.term, b.term))
	})
	return slices.Compact(out)
}

// synFirst are the synonym terms by how they start, so that a question
// tries only those it may hold: a Latin term (looked for as whole words) by
// its first word, another by its first two runes (its rune when it has one).
type synFirst struct {
	word map[string][]synMatch
	pair map[[2]rune][]synMatch
	rune map[rune][]synMatch
}

func newSynFirst(syn [][]synTerm) synFirst {
	f := synFirst{word: map[string][]synMatch{}, pair: map[[2]rune][]synMatch{}, rune: map[rune][]synMatch{}}
	for g, terms := range syn {
		for i, t := range terms {
			m := synMatch{g, i}
			switch rs := []rune(t.folded); {
			case len(rs) == 0:
			case t.folded[0] < utf8.RuneSelf:
				w, _, _ := strings.Cut(t.folded, " ")
				f.word[w] = append(f.word[w], m)
			case len(rs) == 1:
				f.rune[rs[0]] = append(f.rune[rs[0]], m)
			default:
				k := [2]rune{rs[0], rs[1]}
				f.pair[k] = append(f.pair[k], m)
			}
		}
	}
	return f
}

func wordsOf(folded string) string {
	return " " + strings.Join(strings.FieldsFunc(folded, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x2E7F)
	}), " ") + " "
}

// hasTerm reports whether folded text holds a folded term: Latin terms as
// whole words ("id card" is not in "valid card"; padded is " term "),
// Chinese terms anywhere.
func hasTerm(folded, words, term, padded string) bool {
	switch {
	case term == "":
		return false
	case term[0] < 0x80:
		return strings.Contains(words, padded)
	default:
		return strings.Contains(folded, term)
	}
}

// FindTerm returns the first of terms that text contains, comparing folded
// forms with the same whole-word rule as synonym expansion; "" if none.
func FindTerm(text string, terms []string) string {
	return NewText(text).Find(NewTerms(terms...))
}

// Terms are terms folded once, to be looked for in many texts.
type Terms struct{ spelled, folded, padded []string }

// NewTerms folds terms.
func NewTerms(terms ...string) Terms {
	t := Terms{spelled: terms, folded: make([]string, len(terms)), padded: make([]string, len(terms))}
	for i, s := range terms {
		t.folded[i] = zh.Fold(s)
		t.padded[i] = " " + t.folded[i] + " "
	}
	return t
}

// Text is a text folded once, to look for many terms in (FindTerm folds
// both every time).
type Text struct{ folded, words string }

// NewText folds text.
func NewText(text string) Text {
	f := zh.Fold(text)
	return Text{f, wordsOf(f)}
}

// Find returns the first of terms the text holds, as terms spell it; ""
// if none.
func (t Text) Find(terms Terms) string {
	for i, f := range terms.folded {
		if hasTerm(t.folded, t.words, f, terms.padded[i]) {
			return terms.spelled[i]
		}
	}
	return ""
}

// TermGroups are groups of terms (a place's names, say) folded once, with
// the groups each folded term's first rune leads to: a text tries only the
// groups whose terms start with a rune it holds, not every group.
type TermGroups struct {
	groups []Terms
	first  map[rune][]int // ascending group indexes
}

// NewTermGroups folds the groups' terms.
func NewTermGroups(groups ...[]string) TermGroups {
	g := TermGroups{groups: make([]Terms, len(groups)), first: map[rune][]int{}}
	for i, terms := range groups {
		g.groups[i] = NewTerms(terms...)
		for _, f := range g.groups[i].folded {
			r, _ := utf8.DecodeRuneInString(f)
			if f != "" && !slices.Contains(g.first[r], i) {
				g.first[r] = append(g.first[r], i)
			}
		}
	}
	return g
}

// Each calls fn, in group order, with each group the text holds a term of
// and the first such term as the group spells it, until fn returns false.
func (g TermGroups) Each(t Text, fn func(group int, term string) bool) {
	var small [4]uint64
	cands := small[:]
	if n := (len(g.groups) + 63) / 64; n > len(small) {
		cands = make([]uint64, n)
	}
	for _, r := range t.folded {
		for _, i := range g.first[r] {
			cands[i/64] |= 1 << (i % 64)
		}
	}
	for w, set := range cands {
		for ; set != 0; set &= set - 1 {
			i := w*64 + bits.TrailingZeros64(set)
			if term := t.Find(g.groups[i]); term != "" && !fn(i, term) {
				return
			}
		}
	}
}

// distinctShare bounds the document frequency of a distinctive token: one
// that at most this share of the articles use.
const distinctShare = 0.125

func all(set tokenSet, tokens []string) bool {
	for _, t := range tokens {
		if !set.has(t) {
			return false
		}
	}
	return true
}
