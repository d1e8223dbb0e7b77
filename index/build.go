package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"

	"faqbot/kb"
)

// Index is a searchable knowledge base: the Bleve index plus the term
// statistics the confidence score needs. It is safe for concurrent searches.
type Index struct {
	bi     bleve.Index
	kb     *kb.KB
	an     analysis.Analyzer
	langs  map[string]*langStats
	syn    [][]synTerm
	params Params
}

// langStats holds, per language, how many articles use each token, and each
// article's token set: the base of the coverage score.
type langStats struct {
	n      int
	df     map[string]int
	tokens map[string]map[string]bool // article id → tokens
}

type synTerm struct {
	folded string
	tokens []string
}

// Build indexes every article of k. With dir == "" the index lives in memory;
// otherwise it is created at dir, which must not exist yet.
func Build(ctx context.Context, k *kb.KB, dir string) (*Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	var bi bleve.Index
	if dir == "" {
		bi, err = bleve.NewMemOnly(m)
	} else {
		bi, err = bleve.New(dir, m)
	}
	if err != nil {
		return nil, fmt.Errorf("create index: %w", err)
	}
	ix, err := wrap(bi, k)
	if err != nil {
		bi.Close()
		return nil, err
	}
	batch := bi.NewBatch()
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			if err := ctx.Err(); err != nil {
				bi.Close()
				return nil, err
			}
			for i, q := range append([]string{a.Title}, a.Questions...) {
				if err := batch.Index(docID(lang, a.ID, "q", i), map[string]any{
					fieldKind: "q", fieldLang: lang, fieldText: Fold(q),
				}); err != nil {
					bi.Close()
					return nil, fmt.Errorf("index %s: %w", a.File, err)
				}
			}
			for i, p := range a.Passages() {
				if err := batch.Index(docID(lang, a.ID, "p", i), map[string]any{
					fieldKind: "p", fieldLang: lang, fieldText: Fold(p.Body), fieldHeading: Fold(p.Heading),
				}); err != nil {
					bi.Close()
					return nil, fmt.Errorf("index %s: %w", a.File, err)
				}
			}
		}
	}
	if err := bi.Batch(batch); err != nil {
		bi.Close()
		return nil, fmt.Errorf("write index: %w", err)
	}
	return ix, nil
}

// Open opens an index built earlier at dir for the same knowledge base k.
func Open(k *kb.KB, dir string) (*Index, error) {
	bi, err := bleve.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", dir, err)
	}
	ix, err := wrap(bi, k)
	if err != nil {
		bi.Close()
		return nil, err
	}
	return ix, nil
}

func wrap(bi bleve.Index, k *kb.KB) (*Index, error) {
	an := bi.Mapping().AnalyzerNamed(analyzerName)
	if an == nil {
		return nil, errors.New("index has no faqbot analyzer: rebuild it")
	}
	ix := &Index{bi: bi, kb: k, an: an, langs: map[string]*langStats{}, params: DefaultParams}
	for _, lang := range kb.Languages {
		st := &langStats{df: map[string]int{}, tokens: map[string]map[string]bool{}}
		for _, a := range k.Articles(lang) {
			set := map[string]bool{}
			var text strings.Builder
			for _, s := range append(append([]string{a.Title}, a.Questions...), a.Tags...) {
				text.WriteString(s + "\n")
			}
			for _, p := range a.Passages() {
				text.WriteString(p.Heading + "\n" + p.Body + "\n")
			}
			for _, t := range analyze(an, Fold(text.String())) {
				set[t] = true
				st.df[t]++
			}
			st.tokens[a.ID] = set
			st.n++
		}
		ix.langs[lang] = st
	}
	for _, g := range k.Synonyms() {
		var terms []synTerm
		for _, t := range g {
			f := Fold(t)
			terms = append(terms, synTerm{folded: f, tokens: analyze(an, f)})
		}
		ix.syn = append(ix.syn, terms)
	}
	return ix, nil
}

// KB returns the knowledge base the index was built from.
func (ix *Index) KB() *kb.KB { return ix.kb }

// DocCount returns the number of indexed documents (phrasings and passages).
func (ix *Index) DocCount() (uint64, error) { return ix.bi.DocCount() }

// Close releases the index files.
func (ix *Index) Close() error { return ix.bi.Close() }

func (st *langStats) idf(t string) float64 {
	df := float64(st.df[t])
	n := float64(st.n)
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

func docID(lang, id, kind string, i int) string {
	return lang + "/" + id + "/" + kind + strconv.Itoa(i)
}

func parseDocID(s string) (lang, id, kind string, i int, ok bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 || len(parts[2]) < 2 {
		return "", "", "", 0, false
	}
	n, err := strconv.Atoi(parts[2][1:])
	if err != nil {
		return "", "", "", 0, false
	}
	return parts[0], parts[1], parts[2][:1], n, true
}
