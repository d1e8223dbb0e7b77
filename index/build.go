package index

import (
	"context"
	"errors"
	"faqbot/index/zh"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bolterrors "go.etcd.io/bbolt/errors"

	"faqbot/kb"
)

// Index is a searchable knowledge base: the Bleve index plus the term
// statistics the confidence score needs. It is safe for concurrent searches.
type Index struct {
	bi map[string]bleve.Index // one per language: a search never filters by language
	kb *kb.KB
	an analysis.Analyzer
	// fillers are the words that never count as missing (missing.go).
	fillers fillers
	langs   map[string]*langStats
	syn     [][]synTerm
	// synTerms are the synonym groups' terms as expand looks for them.
	synTerms TermGroups
	params   Params
	// vocab counts the Latin words of the articles and synonyms, for
	// correcting English typos.
	vocab map[string]int
	// recent are the last questions analyzed (analyzed.go).
	recent recent
	// postings are each language's postings in flat arrays, which the
	// searches score (postings.go).
	postings map[string]*postings
}

// langStats holds, per language, how many articles use each token, and each
// article's token sets (compact.go): the base of the coverage score.
type langStats struct {
	n       int
	df      map[string]int
	weight  map[string]float64 // token → IDF, for tokens the articles use
	unknown float64            // IDF of a token no article uses
	compact *compactStats      // each article's token sets as masks over ids
}

// phrasing is one title or alternate question as a weighted token set.
type phrasing struct {
	tokens map[string]bool
	weight float64 // sum of the tokens' IDF
}

type synTerm struct {
	folded string
	tokens []string
}

// Build indexes every article of k. With dir == "" the index lives in memory;
// otherwise it is created at dir, which must not exist yet.
func Build(ctx context.Context, k *kb.KB, dir string) (*Index, error) {
	bis := map[string]bleve.Index{}
	closeAll := func() {
		for _, bi := range bis {
			bi.Close()
		}
	}
	for _, lang := range kb.Languages {
		m, err := newMapping(k.WordTexts("stopwords-zh"))
		if err != nil {
			return nil, err
		}
		path := ""
		if dir != "" {
			path = filepath.Join(dir, lang)
		}
		// Scorch with an empty path keeps its segments in memory: much faster
		// to search than NewMemOnly's upsidedown/gtreap store.
		bi, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, nil)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("create index: %w", err)
		}
		bis[lang] = bi
		if err := fill(ctx, bi, k, lang); err != nil {
			closeAll()
			return nil, err
		}
	}
	ix, err := wrap(bis, k)
	if err != nil {
		closeAll()
		return nil, err
	}
	return ix, nil
}

// fill indexes the articles of one language: a document per phrasing (title
// and alternate questions) and one per passage (heading and text).
func fill(ctx context.Context, bi bleve.Index, k *kb.KB, lang string) error {
	batch := bi.NewBatch()
	for _, a := range k.Articles(lang) {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i, q := range append([]string{a.Title}, a.Questions...) {
			if err := batch.Index(docID(a.ID, "q", i), map[string]any{fieldKind: "q", fieldText: zh.Fold(q)}); err != nil {
				return fmt.Errorf("index %s: %w", a.File, err)
			}
		}
		for i, p := range a.Passages() {
			if err := batch.Index(docID(a.ID, "p", i), map[string]any{fieldKind: "p", fieldText: zh.Fold(p.Heading + "\n" + p.Body)}); err != nil {
				return fmt.Errorf("index %s: %w", a.File, err)
			}
		}
	}
	if err := bi.Batch(batch); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

// ErrLocked is returned by Open (and OpenOrBuild, OpenCurrent) when another
// process holds the index: a second faqbot on the same data directory.
var ErrLocked = errors.New("index is in use by another faqbot")

// LockTimeout is how long Open waits for another process's lock on the
// index before it returns ErrLocked.
var LockTimeout = 2 * time.Second

// Open opens an index built earlier at dir for the same knowledge base k.
//
// When another process holds the index, Open fails with ErrLocked after
// LockTimeout instead of waiting for ever.
func Open(k *kb.KB, dir string) (*Index, error) {
	bis := map[string]bleve.Index{}
	for _, lang := range kb.Languages {
		// Another process holding the index (a second server on the same
		// -data) makes bbolt wait for its lock: give up after LockTimeout.
		bi, err := bleve.OpenUsing(filepath.Join(dir, lang), map[string]any{"bolt_timeout": LockTimeout.String()})
		if err != nil {
			for _, b := range bis {
				b.Close()
			}
			if errors.Is(err, bolterrors.ErrTimeout) {
				return nil, fmt.Errorf("open index %s: %w", dir, ErrLocked)
			}
			return nil, fmt.Errorf("open index %s: %w", dir, err)
		}
		bis[lang] = bi
	}
	ix, err := wrap(bis, k)
	if err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

func wrap(bis map[string]bleve.Index, k *kb.KB) (*Index, error) {
	an := bis[kb.Languages[0]].Mapping().AnalyzerNamed(analyzerName)
	if an == nil {
		return &Index{bi: bis}, errors.New("index has no faqbot analyzer: rebuild it")
	}
	an = fastAnalyzer(an)
	ix := &Index{bi: bis, kb: k, an: an, fillers: newFillers(k, an), langs: map[string]*langStats{}, params: DefaultParams, vocab: map[string]int{}}
	sets := map[string]*sets{}
	for _, lang := range kb.Languages {
		vocab := ix.vocab
		if lang != "en" {
			vocab = nil
		}
		ix.langs[lang], sets[lang] = newLangStats(an, k.Articles(lang), vocab)
	}
	for _, g := range k.Synonyms() {
		var terms []synTerm
		for _, t := range g {
			f := zh.Fold(t)
			terms = append(terms, synTerm{folded: f, tokens: analyze(an, f)})
			latinWords(f, ix.vocab)
		}
		ix.syn = append(ix.syn, terms)
	}
	ix.synTerms = NewTermGroups(k.Synonyms()...)
	for lang, st := range ix.langs {
		st.buildCompact(sets[lang], ix.syn)
	}
	ix.postings = map[string]*postings{}
	for lang, bi := range bis {
		p, err := newPostings(bi)
		if err != nil {
			return ix, err
		}
		ix.postings[lang] = p
	}
	return ix, nil
}

// KB returns the knowledge base the index was built from.
func (ix *Index) KB() *kb.KB { return ix.kb }

// DocCount returns the number of indexed documents (phrasings and passages).
func (ix *Index) DocCount() (uint64, error) {
	var n uint64
	for _, bi := range ix.bi {
		c, err := bi.DocCount()
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// Close releases the index files.
func (ix *Index) Close() error {
	var errs []error
	for _, bi := range ix.bi {
		errs = append(errs, bi.Close())
	}
	return errors.Join(errs...)
}

// idf is a token's inverse document frequency over the language's articles.
func (st *langStats) idf(t string) float64 {
	if w, ok := st.weight[t]; ok {
		return w
	}
	return st.unknown
}

func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

func docID(id, kind string, i int) string {
	return id + "/" + kind + strconv.Itoa(i)
}

func parseDocID(s string) (id, kind string, i int, ok bool) {
	id, rest, found := strings.Cut(s, "/")
	if !found || len(rest) < 2 {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(rest[1:])
	if err != nil {
		return "", "", 0, false
	}
	return id, rest[:1], n, true
}

// Current returns ix itself: an Index is its own generation, so one built
// for a test or a one-shot command serves the engine like a Live.
func (ix *Index) Current() *Index { return ix }
