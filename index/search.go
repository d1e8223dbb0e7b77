package index

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
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
	qt := st.question(tokens, p.UnigramWeight, nil)
	should := ix.clauses(st, tokens, qt, q.syns)
	if len(should) == 0 {
		return nil, nil // nothing in the question occurs in the knowledge base
	}
	post := ix.postings[lang]
	found := post.search(should, maxHits)

	type agg struct {
		phrasing, passage float64
		section           int
		hasPassage        bool
	}
	byID := make(map[string]int, len(found)) // into aggs and order
	aggs := make([]agg, 0, len(found))
	order := make([]string, 0, len(found))
	for _, h := range found {
		ref := &post.refs[h.doc]
		if !ref.ok {
			continue
		}
		id, kind, i := ref.art, ref.kind, ref.i
		k, seen := byID[id]
		if !seen {
			k = len(aggs)
			byID[id] = k
			aggs = append(aggs, agg{})
			order = append(order, id)
		}
		a := &aggs[k]
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
	unknown := 0
	for _, q := range qt {
		if q.df == 0 {
			unknown++
		}
	}
	sig := signalsPool.Get().(*signals)
	defer func() {
		sig.c, sig.qt, sig.syns = nil, nil, nil // keep no index alive from the pool
		signalsPool.Put(sig)
	}()
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
		a := &aggs[k]
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
// article of the language holds it. qt are tokens looked up (question).
func (ix *Index) clauses(st *langStats, tokens []string, qt []qtok, syns []synMatch) []clause {
	var cs []clause
	have := make(map[string]bool, 2*len(tokens))
	for _, t := range queryTerms(st, tokens, qt) {
		have[t] = true
		cs = append(cs, clause{term: t, boost: 1})
	}
	for _, m := range syns {
		for _, t := range st.compact.synClauses[m.group] {
			if !have[t] {
				have[t] = true
				cs = append(cs, clause{term: t, boost: ix.params.SynonymBoost})
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
// no posting-list walks for them), at most maxQueryTerms of them. qt[i] is
// tokens[i] looked up.
func queryTerms(st *langStats, tokens []string, qt []qtok) []string {
	keep := make([]int, 0, len(tokens))
	for i := range tokens {
		if df := qt[i].df; df > 0 && float64(df) <= maxTermShare*float64(st.n) {
			keep = append(keep, i)
		}
	}
	if len(keep) > maxQueryTerms {
		slices.SortStableFunc(keep, func(a, b int) int { return cmp.Compare(qt[b].idf, qt[a].idf) })
		keep = keep[:maxQueryTerms]
	}
	out := make([]string, len(keep))
	for k, i := range keep {
		out[k] = tokens[i]
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
	var out []synMatch
	ix.synTerms.each(Text{folded, wordsOf(folded)}, func(r termRef) bool {
		out = append(out, synMatch(r))
		return true
	})
	return out
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
