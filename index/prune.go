package index

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// A large knowledge base makes a full search walk every posting of the
// question's terms through Bleve's searchers, most of them in documents that
// can never reach the top maxHits. Pruning finds those that can, and lets
// Bleve score only them, so every hit and score is Bleve's own:
//
//   - At open, each term of the text field gets a compact copy of its
//     postings: document numbers and BM25 saturations (float32).
//   - A search adds up each clause's contribution per document in tight
//     loops over those arrays: the score Bleve would give, to within a
//     relative margin (float32 saturations, another order of addition).
//   - The maxHits-th largest lower bound is a score at least maxHits
//     documents reach; a document whose upper bound is below it cannot be
//     in the top, nor tie with its last hit.
//   - Bleve then runs the same disjunction over the other documents (a
//     conjunction with their ids at boost 0, which adds exactly 0 to each
//     score and nothing to the query norm), so the hits are the full
//     search's, document for document and bit for bit (TestPrunedSameHits).

// Bleve sums a disjunction's clause scores in clause order when it has at
// most DisjunctionHeapTakeover clauses, and in heap order (which depends on
// how the search got there) above that. A pruned search gets to a document
// by other steps than a full one, so only the clause-order sum gives the
// two the same score bits. Bleve documents the setting as the
// application's to adjust; faqbot's queries have at most maxQueryTerms
// clauses plus synonyms, and the slice search is no slower for them.
func init() { searcher.DisjunctionHeapTakeover = math.MaxInt }

// pruneMinDocs is the document count (of one language) from which searches
// are pruned: below it a full search is about as fast, and the compact
// postings are not worth their memory.
const pruneMinDocs = 20000

// margin is the relative error allowed between the summed contributions and
// Bleve's score: float32 saturations are within 6e-8 of Bleve's float64.
const margin = 1e-6

// maxSurvivors bounds the documents a pruned search hands to Bleve; past it
// the full search is as cheap.
const maxSurvivors = 2000

// prune gives every language with at least min documents compact postings
// (at open; tests lower min to prune small indexes).
func (ix *Index) prune(min uint64) error {
	ix.impacts = map[string]*impacts{}
	for lang, bi := range ix.bi {
		n, err := bi.DocCount()
		if err != nil {
			return fmt.Errorf("impacts: %w", err)
		}
		if n < min {
			continue
		}
		im, err := newImpacts(bi)
		if err != nil {
			return err
		}
		ix.impacts[lang] = im
	}
	return nil
}

// impacts are one language index's compact postings of the text field,
// fixed for its lifetime.
type impacts struct {
	docCount uint64
	maxDoc   uint64 // one past the largest document number
	terms    map[string]*termImpacts
}

// termImpacts are one term's postings.
type termImpacts struct {
	docs uint64    // documents holding it, as Bleve's scorer counts them
	doc  []uint32  // document numbers
	sat  []float32 // BM25 saturation tf·k1/(tf+k1·(1−b+b·len/avg)) in each
}

// newImpacts reads every posting of the text field once.
func newImpacts(bi bleve.Index) (*impacts, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("impacts: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("impacts: %w", err)
	}
	defer r.Close()
	im := &impacts{terms: map[string]*termImpacts{}}
	if im.docCount, err = r.DocCount(); err != nil {
		return nil, fmt.Errorf("impacts: %w", err)
	}
	card := 0
	if br, ok := r.(bindex.BM25Reader); ok {
		if card, err = br.FieldCardinality(fieldText); err != nil {
			return nil, fmt.Errorf("impacts: %w", err)
		}
	}
	if im.docCount == 0 || card == 0 {
		return im, nil
	}
	// As Bleve's term searcher computes it (bm25ScoreMetrics).
	avgLen := math.Ceil(float64(card) / float64(im.docCount))
	dict, err := r.FieldDict(fieldText)
	if err != nil {
		return nil, fmt.Errorf("impacts: %w", err)
	}
	defer dict.Close()
	ctx := context.Background()
	var tfd bindex.TermFieldDoc
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, fmt.Errorf("impacts: %w", err)
		}
		if e == nil {
			break
		}
		tfr, err := r.TermFieldReader(ctx, []byte(e.Term), fieldText, true, true, false)
		if err != nil {
			return nil, fmt.Errorf("impacts %q: %w", e.Term, err)
		}
		t := &termImpacts{docs: tfr.Count()}
		t.doc, t.sat = make([]uint32, 0, t.docs), make([]float32, 0, t.docs)
		for {
			d, err := tfr.Next(tfd.Reset())
			if err != nil {
				tfr.Close()
				return nil, fmt.Errorf("impacts %q: %w", e.Term, err)
			}
			if d == nil {
				break
			}
			n := d.ID.Value()
			if n > math.MaxUint32 {
				tfr.Close()
				return nil, fmt.Errorf("impacts %q: document number %d", e.Term, n)
			}
			t.doc = append(t.doc, uint32(n))
			t.sat = append(t.sat, float32(saturation(d.Freq, d.Norm, avgLen)))
			im.maxDoc = max(im.maxDoc, n+1)
		}
		tfr.Close()
		im.terms[e.Term] = t
	}
	return im, nil
}

// saturation is the term-frequency part of Bleve's BM25 term score
// (scorer.TermQueryScorer.docScore).
func saturation(freq uint64, norm, avgLen float64) float64 {
	tf := math.Sqrt(float64(freq))
	fieldLength := 1 / (norm * norm)
	return (tf * search.BM25_k1) / (tf + search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLength/avgLen)))
}

// factors are, per clause, what turns a saturation into the clause's share
// of a document's score: idf·(boost·idf·queryNorm), as Bleve's term scorer
// multiplies them (computeIDF for BM25, Weight, SetQueryNorm).
func (im *impacts) factors(cs []clause) []float64 {
	idf := make([]float64, len(cs))
	var sum float64
	for i, c := range cs {
		var d float64
		if t := im.terms[c.term]; t != nil {
			d = float64(t.docs)
		}
		idf[i] = math.Log(1 + (float64(im.docCount)-d+0.5)/(d+0.5))
		w := c.boost * idf[i]
		sum += w * w
	}
	norm := 1 / math.Sqrt(sum)
	f := make([]float64, len(cs))
	for i, c := range cs {
		f[i] = idf[i] * (c.boost * idf[i] * norm)
	}
	return f
}

// clause is one term query of a search's disjunction.
type clause struct {
	term  string
	boost float64
}

// disjunction is the search's query: one term query per clause, in order.
func disjunction(cs []clause) *query.DisjunctionQuery {
	qs := make([]query.Query, len(cs))
	for i, c := range cs {
		tq := bleve.NewTermQuery(c.term)
		tq.SetField(fieldText)
		tq.SetBoost(c.boost)
		qs[i] = tq
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// searchFull runs the disjunction over every document.
func searchFull(ctx context.Context, bi bleve.Index, cs []clause, size int) ([]*search.DocumentMatch, error) {
	res, err := bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(disjunction(cs), size, 0, false))
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return res.Hits, nil
}

// pruneStats counts how pruned searches ended, for tests and benchmarks.
type pruneStats struct {
	pruned, full atomic.Int64
}

// searchPruned returns the top size hits of the clauses' disjunction, the
// same as searchFull.
func (ix *Index) searchPruned(ctx context.Context, bi bleve.Index, im *impacts, cs []clause, size int) ([]*search.DocumentMatch, error) {
	acc := accumulators.Get().(*accumulator)
	defer accumulators.Put(acc)
	acc.add(im, cs)
	docs := acc.survivors(size, len(cs))
	if len(docs) > maxSurvivors {
		ix.pruned.full.Add(1)
		return searchFull(ctx, bi, cs, size)
	}
	ix.pruned.pruned.Add(1)
	if len(docs) == 0 {
		return nil, nil
	}
	adv, err := bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		if ids[i], err = r.ExternalID(bindex.NewIndexInternalID(nil, uint64(d))); err != nil {
			r.Close()
			return nil, fmt.Errorf("search: %w", err)
		}
	}
	if err := r.Close(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	filter := bleve.NewDocIDQuery(ids)
	filter.SetBoost(0) // adds 0 to each score and 0 to the query norm
	q := bleve.NewConjunctionQuery(filter, disjunction(cs))
	res, err := bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, size, 0, false))
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return res.Hits, nil
}

// accumulator is one pruned search's sums, by document number.
type accumulator struct {
	sum     []float64 // the clauses' contributions
	matched []uint16  // how many clauses the document holds
	touched []uint32  // documents with matched > 0
	heap    []float64
}

var accumulators = sync.Pool{New: func() any { return new(accumulator) }}

// add sums the clauses' contributions over their compact postings.
func (a *accumulator) add(im *impacts, cs []clause) {
	for _, d := range a.touched { // the last search's, maybe of another index
		a.sum[d], a.matched[d] = 0, 0
	}
	a.touched = a.touched[:0]
	n := int(im.maxDoc)
	if cap(a.sum) < n {
		a.sum, a.matched = make([]float64, n), make([]uint16, n)
	}
	a.sum, a.matched = a.sum[:n], a.matched[:n]
	for i, f := range im.factors(cs) {
		t := im.terms[cs[i].term]
		if t == nil {
			continue
		}
		sat := t.sat[:len(t.doc)]
		for j, d := range t.doc {
			if a.matched[d] == 0 {
				a.touched = append(a.touched, d)
			}
			a.sum[d] += f * float64(sat[j])
			a.matched[d]++
		}
	}
}

// score is the document's summed score times coord (matched over total
// clauses), as Bleve's disjunction scores it.
func (a *accumulator) score(d uint32, total int) float64 {
	return a.sum[d] * float64(a.matched[d]) / float64(total)
}

// survivors are the documents that may be among the top size: those whose
// score, raised by the margin, reaches the size-th largest score lowered
// by it (all documents that match anything when fewer than size do).
func (a *accumulator) survivors(size, total int) []uint32 {
	var theta float64
	if len(a.touched) >= size {
		h := a.heap[:0] // min-heap of the size largest lower bounds
		for _, d := range a.touched {
			v := a.score(d, total) * (1 - margin)
			if len(h) < size {
				h = append(h, v)
				up(h, len(h)-1)
			} else if v > h[0] {
				h[0] = v
				down(h, 0)
			}
		}
		theta, a.heap = h[0], h
	}
	var out []uint32
	for _, d := range a.touched {
		if a.score(d, total)*(1+margin) >= theta {
			out = append(out, d)
		}
	}
	return out
}

func up(h []float64, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func down(h []float64, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		if r := l + 1; r < len(h) && h[r] < h[l] {
			l = r
		}
		if h[i] <= h[l] {
			return
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
}
