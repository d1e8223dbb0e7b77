package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/scorer"
	bindex "github.com/blevesearch/bleve_index_api"
)

// A search scores the documents of one language with Bleve's BM25
// disjunction of the question's term queries. Bleve's searchers do it one
// posting at a time through iterators, a merge of the terms and a collector;
// at 5,000 articles that is most of a question's time. The same sums come
// from flat arrays in tight loops:
//
//   - At open, each term of the text field gets a copy of its postings:
//     document numbers, and the query-independent part of Bleve's BM25 term
//     score, idf·tf·k1/(tf+k1·(1−b+b·len/avg)), computed as Bleve's scorer
//     computes it, from the frequencies and norms Bleve stored.
//   - A search multiplies each by its clause's query weight
//     (boost·idf·queryNorm) and adds them per document in the order Bleve's
//     disjunction keeps its clauses, then applies the coord factor (matched
//     over total clauses): Bleve's score, operation for operation.
//   - The hits are ordered as Bleve's collector orders them: score, then
//     document number.
//
// TestPostingsMatchBleve checks every hit and score bit against Bleve's own
// search over every tune question, on a corpus of copies that makes ties.

// postings are one language index's text-field postings in flat arrays,
// fixed for its lifetime.
type postings struct {
	docCount uint64
	ids      []string // external id by document number
	refs     []docRef // ids parsed
	terms    map[string]*termPostings
}

// termPostings are one term's postings, by document number.
type termPostings struct {
	count uint64 // documents holding it, as Bleve's term reader counts them
	doc   []uint32
	base  []float64 // the term's score in the document before the query weight
}

// bm25IDF is scorer.TermQueryScorer.computeIDF for BM25.
func bm25IDF(docTotal, docTerm uint64) float64 {
	return math.Log(1 + (float64(docTotal)-float64(docTerm)+0.5)/
		(float64(docTerm)+0.5))
}

// baseScore is scorer.TermQueryScorer.docScore for BM25, in its order of
// operations.
func baseScore(idf float64, freq uint64, norm, avgDocLength float64) float64 {
	var tf float64
	if freq < scorer.MaxSqrtCache {
		tf = scorer.SqrtCache[int(freq)]
	} else {
		tf = math.Sqrt(float64(freq))
	}
	fieldLength := 1 / (norm * norm)
	return idf * (tf * search.BM25_k1) /
		(tf + search.BM25_k1*(1-search.BM25_b+(search.BM25_b*fieldLength/avgDocLength)))
}

// newPostings reads every posting of the text field once.
func newPostings(bi bleve.Index) (*postings, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("postings: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("postings: %w", err)
	}
	defer r.Close()
	p := &postings{terms: map[string]*termPostings{}}
	if p.docCount, err = r.DocCount(); err != nil {
		return nil, fmt.Errorf("postings: %w", err)
	}
	if p.docCount == 0 {
		return p, nil
	}
	br, ok := r.(bindex.BM25Reader)
	if !ok {
		return nil, errors.New("postings: the index reader keeps no field lengths")
	}
	card, err := br.FieldCardinality(fieldText)
	if err != nil {
		return nil, fmt.Errorf("postings: %w", err)
	}
	// As Bleve's term searcher computes it (bm25ScoreMetrics).
	avgLen := math.Ceil(float64(card) / float64(p.docCount))
	dict, err := r.FieldDict(fieldText)
	if err != nil {
		return nil, fmt.Errorf("postings: %w", err)
	}
	defer dict.Close()
	var maxDoc uint64
	for {
		e, err := dict.Next()
		if err != nil {
			return nil, fmt.Errorf("postings: %w", err)
		}
		if e == nil {
			break
		}
		t, err := readTerm(r, e.Term, p.docCount, avgLen)
		if err != nil {
			return nil, err
		}
		if n := len(t.doc); n > 0 {
			maxDoc = max(maxDoc, uint64(t.doc[n-1])+1)
		}
		p.terms[e.Term] = t
	}
	p.ids, p.refs = make([]string, maxDoc), make([]docRef, maxDoc)
	for n := range p.ids {
		if p.ids[n], err = r.ExternalID(bindex.NewIndexInternalID(nil, uint64(n))); err != nil {
			return nil, fmt.Errorf("postings: document %d: %w", n, err)
		}
		ref := &p.refs[n]
		ref.art, ref.kind, ref.i, ref.ok = parseDocID(p.ids[n])
	}
	return p, nil
}

// docRef is a document's external id, parsed once (parseDocID): its
// article, kind ("q" a phrasing, "p" a passage) and number.
type docRef struct {
	art, kind string
	i         int
	ok        bool
}

// readTerm copies one term's postings.
func readTerm(r bindex.IndexReader, term string, docCount uint64, avgLen float64) (*termPostings, error) {
	tfr, err := r.TermFieldReader(context.Background(), []byte(term), fieldText, true, true, false)
	if err != nil {
		return nil, fmt.Errorf("postings %q: %w", term, err)
	}
	defer tfr.Close()
	t := &termPostings{count: tfr.Count()}
	idf := bm25IDF(docCount, t.count)
	t.doc, t.base = make([]uint32, 0, t.count), make([]float64, 0, t.count)
	var tfd bindex.TermFieldDoc
	for {
		d, err := tfr.Next(tfd.Reset())
		if err != nil {
			return nil, fmt.Errorf("postings %q: %w", term, err)
		}
		if d == nil {
			return t, nil
		}
		n := d.ID.Value()
		if n >= math.MaxUint32 || (len(t.doc) > 0 && uint32(n) <= t.doc[len(t.doc)-1]) {
			return nil, fmt.Errorf("postings %q: document number %d out of order", term, n)
		}
		t.doc = append(t.doc, uint32(n))
		t.base = append(t.base, baseScore(idf, d.Freq, d.Norm, avgLen))
	}
}

// clause is one term query of a search's disjunction.
type clause struct {
	term  string
	boost float64
}

// weights returns the clauses in the order Bleve's disjunction keeps its
// searchers (searcher.OrderedSearcherList: by posting count, with sort.Sort,
// whose order for equal counts is fixed by its input), and each one's query
// weight boost·idf·queryNorm, the norm summed in that order
// (DisjunctionSliceSearcher.computeQueryNorm). Bleve adds a document's term
// scores in that order too. tps are the clauses' postings (nil: no document
// holds the term).
func (p *postings) weights(cs []clause) (order []int, ws []float64, tps []*termPostings) {
	counts := make([]uint64, len(cs))
	tps = make([]*termPostings, len(cs))
	for i, c := range cs {
		if t := p.terms[c.term]; t != nil {
			counts[i], tps[i] = t.count, t
		}
	}
	bc := byCount{order: make([]int, len(cs)), counts: counts}
	for i := range bc.order {
		bc.order[i] = i
	}
	sort.Sort(bc)
	idf := make([]float64, len(cs))
	var sumOfSquaredWeights float64
	for _, i := range bc.order {
		idf[i] = bm25IDF(p.docCount, counts[i])
		w := cs[i].boost * idf[i] // scorer.TermQueryScorer.Weight
		sumOfSquaredWeights += w * w
	}
	queryNorm := 1.0 / math.Sqrt(sumOfSquaredWeights)
	ws = make([]float64, len(cs))
	for i, c := range cs {
		ws[i] = c.boost * idf[i] * queryNorm
	}
	return bc.order, ws, tps
}

// byCount sorts clause indexes as searcher.OrderedSearcherList sorts
// searchers: the same Less and Swap on the same counts give sort.Sort the
// same permutation.
type byCount struct {
	order  []int
	counts []uint64
}

func (b byCount) Len() int           { return len(b.order) }
func (b byCount) Less(i, j int) bool { return b.counts[b.order[i]] < b.counts[b.order[j]] }
func (b byCount) Swap(i, j int)      { b.order[i], b.order[j] = b.order[j], b.order[i] }

// docHit is one document a search found, with its score.
type docHit struct {
	id    string
	score float64
	doc   uint32 // its number (refs)
}

// search returns the top size documents of the clauses' disjunction, best
// first.
func (p *postings) search(cs []clause, size int) []docHit {
	acc := accumulators.Get().(*accumulator)
	defer accumulators.Put(acc)
	acc.add(p, cs)
	top := acc.top(size, len(cs))
	hits := make([]docHit, len(top))
	for i, d := range top {
		hits[i] = docHit{id: p.ids[d.doc], score: d.score, doc: d.doc}
	}
	return hits
}

// accumulator is one search's sums, by document number; pooled, since its
// array is as long as the index.
type accumulator struct {
	docs    []docSum // by document number
	touched []uint32 // documents with matched > 0
	heap    []scored
}

// docSum is one document's sum of the clauses' term scores, added in
// Bleve's order, and how many clauses it holds: side by side, one cache
// line for both.
type docSum struct {
	sum     float64
	matched uint32
}

type scored struct {
	doc   uint32
	score float64
}

var accumulators = sync.Pool{New: func() any { return new(accumulator) }}

// add sums the clauses' term scores.
func (a *accumulator) add(p *postings, cs []clause) {
	for _, d := range a.touched { // the last search's, maybe of another index
		a.docs[d] = docSum{}
	}
	a.touched = a.touched[:0]
	if n := len(p.ids); cap(a.docs) < n {
		a.docs = make([]docSum, n)
	} else {
		a.docs = a.docs[:n]
	}
	order, ws, tps := p.weights(cs)
	for _, i := range order {
		w, t := ws[i], tps[i]
		if t == nil {
			continue
		}
		base := t.base[:len(t.doc)]
		if w == 1.0 { // as scorer.TermQueryScorer.Score: no multiplication
			for j, d := range t.doc {
				ds := &a.docs[d]
				if ds.matched == 0 {
					a.touched = append(a.touched, d)
				}
				ds.sum += base[j]
				ds.matched++
			}
			continue
		}
		for j, d := range t.doc {
			ds := &a.docs[d]
			if ds.matched == 0 {
				a.touched = append(a.touched, d)
			}
			ds.sum += float64(base[j] * w) // rounded before the add, never fused: as Bleve
			ds.matched++
		}
	}
}

// before orders hits as Bleve's collector does (search.CompareScoreDescending,
// hits numbered in document order).
func before(x, y scored) bool {
	if x.score != y.score {
		return x.score > y.score
	}
	return x.doc < y.doc
}

// top returns the size best documents, best first, each scored as
// scorer.DisjunctionQueryScorer does: the sum times coord.
func (a *accumulator) top(size, total int) []scored {
	h := a.heap[:0] // the size best so far, the worst at h[0]
	for _, d := range a.touched {
		ds := a.docs[d]
		coord := float64(ds.matched) / float64(total)
		s := scored{doc: d, score: ds.sum * coord}
		if len(h) < size {
			h = append(h, s)
			up(h, len(h)-1)
		} else if before(s, h[0]) {
			h[0] = s
			down(h, 0)
		}
	}
	// Heapsort: the worst goes last, and so on; best first in the end
	// (before is a total order, so this is the one sorted order).
	for end := len(h) - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		down(h[:end], 0)
	}
	a.heap = h
	return slices.Clone(h)
}

// up and down keep h a heap with the worst hit first.
func up(h []scored, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !before(h[p], h[i]) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func down(h []scored, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		if r := l + 1; r < len(h) && before(h[l], h[r]) {
			l = r
		}
		if !before(h[i], h[l]) {
			return
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
}
