package index

import (
	"context"
	"io/fs"
	"math"
	"os"
	"slices"
	"testing"

	"faqbot/content"
	"faqbot/internal/scale"
	"faqbot/kb"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
)

// copiesIndex indexes the embedded articles n times over (the originals and
// copies under new ids, their titles and questions numbered: scale.Copies),
// so that each passage has many equal rivals and the terms' statistics look
// like a large knowledge base's.
func copiesIndex(t *testing.T, n int) *Index {
	t.Helper()
	real, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	m, err := scale.Copies(content.FS, n*len(real.IDs()))
	if err != nil {
		t.Fatal(err)
	}
	k, err := kb.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Build(context.Background(), k, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// reopenedIndex is the embedded content built on disk, closed and opened
// again, as serve finds it after a restart.
func reopenedIndex(t *testing.T) *Index {
	t.Helper()
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ix, err := BuildOnDisk(context.Background(), k, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if ix, err = OpenCurrent(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// tuneQuestions are the tune sets' questions (the blind sets stay unread).
func tuneQuestions(t *testing.T) []string {
	t.Helper()
	var qs []string
	read := func(fsys fs.FS, name string) {
		f, err := fsys.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cases, err := kb.ParseLabelled(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			qs = append(qs, c.Question)
		}
	}
	read(content.FS, "regression.tsv")
	read(os.DirFS("../bot/testdata"), "uncovered.tsv")
	read(os.DirFS("../bot/testdata"), "nearmiss.tsv")
	return qs
}

// Bleve adds a disjunction's clause scores in a fixed order (by posting
// count) when it has at most DisjunctionHeapTakeover clauses, and in the
// order of a heap above that, which can differ from it in the last bit.
// Bleve's searchers are the oracle here, so the test takes the fixed order.
func init() { searcher.DisjunctionHeapTakeover = math.MaxInt }

// bleveSearch is the search as Bleve's own searchers run it.
func bleveSearch(ctx context.Context, bi bleve.Index, cs []clause, size int) ([]docHit, error) {
	qs := make([]query.Query, len(cs))
	for i, c := range cs {
		tq := bleve.NewTermQuery(c.term)
		tq.SetField(fieldText)
		tq.SetBoost(c.boost)
		qs[i] = tq
	}
	res, err := bi.SearchInContext(ctx, bleve.NewSearchRequestOptions(bleve.NewDisjunctionQuery(qs...), size, 0, false))
	if err != nil {
		return nil, err
	}
	hits := make([]docHit, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = docHit{id: h.ID, score: h.Score}
	}
	return hits, nil
}

// differences counts the questions' searches whose hits are not Bleve's,
// document for document and score bit for bit.
func differences(t *testing.T, ix *Index, qs []string) (diff, searched int) {
	t.Helper()
	ctx := context.Background()
	for _, q := range qs {
		for lang, st := range ix.langs {
			a := ix.analyzed(q)
			toks := searchTokens(a)
			cs := ix.clauses(st, toks, st.question(toks, ix.params.UnigramWeight, nil), a.syns)
			if len(cs) == 0 {
				continue
			}
			want, err := bleveSearch(ctx, ix.bi[lang], cs, maxHits)
			if err != nil {
				t.Fatal(err)
			}
			searched++
			if !slices.EqualFunc(want, ix.postings[lang].search(cs, maxHits), sameHit) {
				diff++
			}
		}
	}
	return diff, searched
}

func sameHit(a, b docHit) bool {
	return a.id == b.id && math.Float64bits(a.score) == math.Float64bits(b.score)
}

// TestPostingsMatchBleve: a search over the flat postings returns exactly
// Bleve's hits and scores, in Bleve's order, on the real articles in memory
// and reopened from disk, and on a corpus where every passage has equal
// rivals (ties); with one term score in a hundred a bit off, the same
// comparison finds differences.
//
// With -short: every fifth question, and not the copies.
func TestPostingsMatchBleve(t *testing.T) {
	qs := sampled(tuneQuestions(t))
	type corpus struct {
		name string
		ix   *Index
	}
	corpora := []corpus{{"real", memIndex(t)}, {"on disk, reopened", reopenedIndex(t)}}
	var copies *Index
	if !testing.Short() { // the copies take most of the time
		copies = copiesIndex(t, 4)
		corpora = append(corpora, corpus{"copies", copies})
	}
	for _, tc := range corpora {
		diff, n := differences(t, tc.ix, qs)
		t.Logf("%s: %d searches compared", tc.name, n)
		if diff > 0 {
			t.Errorf("%s: %d of %d searches differ from Bleve's", tc.name, diff, n)
		}
		if n < len(qs) {
			t.Errorf("%s: only %d searches for %d questions", tc.name, n, len(qs))
		}
	}

	if copies == nil {
		return
	}
	// The same index with one term score in a hundred a bit off (in copies
	// of the postings, put back after).
	orig := copies.postings
	defer func() { copies.postings = orig }()
	off := map[string]*postings{}
	for lang, p := range copies.postings {
		q := *p
		q.terms = make(map[string]*termPostings, len(p.terms))
		for term, tp := range p.terms {
			tq := *tp
			tq.base = slices.Clone(tp.base)
			for j := 0; j < len(tq.base); j += 100 {
				tq.base[j] = math.Nextafter(tq.base[j], 0)
			}
			q.terms[term] = &tq
		}
		off[lang] = &q
	}
	copies.postings = off
	if diff, n := differences(t, copies, qs); diff == 0 {
		t.Errorf("scores a bit off: all %d searches still the same; the comparison cannot fail", n)
	}
}
