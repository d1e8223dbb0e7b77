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
	"sync"
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
	bis, err := buildBleve(ctx, k, dir)
	if err != nil {
		return nil, err
	}
	ix, err := wrap(bis, k)
	if err != nil {
		closeAll(bis)
		return nil, err
	}
	return ix, nil
}

// buildBleve makes and fills one Bleve index per language (in memory when
// dir is ""), the languages side by side: most of a segment's making is
// one goroutine's work.
func buildBleve(ctx context.Context, k *kb.KB, dir string) (map[string]bleve.Index, error) {
	built := make([]bleve.Index, len(kb.Languages))
	errs := make([]error, len(kb.Languages))
	var wg sync.WaitGroup
	for i, lang := range kb.Languages {
		wg.Go(func() {
			m, err := newMapping(k.WordTexts("stopwords-zh"))
			if err != nil {
				errs[i] = err
				return
			}
			path := ""
			if dir != "" {
				path = filepath.Join(dir, lang)
			}
			// Scorch with an empty path keeps its segments in memory: much
			// faster to search than NewMemOnly's upsidedown/gtreap store.
			bi, err := bleve.NewUsing(path, m, scorch.Name, scorch.Name, nil)
			if err != nil {
				errs[i] = fmt.Errorf("create index: %w", err)
				return
			}
			built[i] = bi
			errs[i] = fill(ctx, bi, k, lang)
		})
	}
	wg.Wait()
	bis := map[string]bleve.Index{}
	for i, lang := range kb.Languages {
		if built[i] != nil {
			bis[lang] = built[i]
		}
	}
	if err := errors.Join(errs...); err != nil {
		closeAll(bis)
		return nil, err
	}
	return bis, nil
}

func closeAll(bis map[string]bleve.Index) error {
	var errs []error
	for _, bi := range bis {
		errs = append(errs, bi.Close())
	}
	return errors.Join(errs...)
}

// fillBatch is about how many documents fill hands Bleve at once: a batch
// is analyzed and made into a segment in memory, so one batch of a
// 5,000-article language took gigabytes. Batches end at an article's end.
// The embedded content fits in one (one segment, as before).
const fillBatch = 10000

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
		if batch.Size() >= fillBatch {
			if err := bi.Batch(batch); err != nil {
				return fmt.Errorf("write index: %w", err)
			}
			batch.Reset()
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

// Open opens an index built earlier at dir for the same knowledge base k,
// deriving its search data (openGen loads it instead).
//
// When another process holds the index, Open fails with ErrLocked after
// LockTimeout instead of waiting for ever.
func Open(k *kb.KB, dir string) (*Index, error) {
	bis, err := openBleve(dir)
	if err != nil {
		return nil, err
	}
	ix, err := wrap(bis, k)
	if err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// openBleve opens the language indexes under dir.
func openBleve(dir string) (map[string]bleve.Index, error) {
	bis := map[string]bleve.Index{}
	for _, lang := range kb.Languages {
		// Another process holding the index (a second server on the same
		// -data) makes bbolt wait for its lock: give up after LockTimeout.
		bi, err := bleve.OpenUsing(filepath.Join(dir, lang), map[string]any{"bolt_timeout": LockTimeout.String()})
		if err != nil {
			closeAll(bis)
			if errors.Is(err, bolterrors.ErrTimeout) {
				return nil, fmt.Errorf("open index %s: %w", dir, ErrLocked)
			}
			return nil, fmt.Errorf("open index %s: %w", dir, err)
		}
		bis[lang] = bi
	}
	return bis, nil
}

// wrap makes the Index of the Bleve indexes bis, deriving what a search
// reads (newIndex, derive).
func wrap(bis map[string]bleve.Index, k *kb.KB) (*Index, error) {
	ix, err := newIndex(bis, k)
	if err != nil {
		return ix, err
	}
	return ix, ix.derive()
}

// newIndex is an Index without its search data: the analyzer and the
// synonyms, made at every open (a few milliseconds).
func newIndex(bis map[string]bleve.Index, k *kb.KB) (*Index, error) {
	var an analysis.Analyzer
	if len(bis) > 0 {
		an = bis[kb.Languages[0]].Mapping().AnalyzerNamed(analyzerName)
	} else if m, err := newMapping(k.WordTexts("stopwords-zh")); err == nil { // no Bleve index: the mapping Build uses
		an = m.AnalyzerNamed(analyzerName)
	}
	if an == nil {
		return &Index{bi: bis}, errors.New("index has no faqbot analyzer: rebuild it")
	}
	an = fastAnalyzer(an)
	ix := &Index{bi: bis, kb: k, an: an, fillers: newFillers(k, an), params: DefaultParams}
	for _, g := range k.Synonyms() {
		var terms []synTerm
		for _, t := range g {
			f := zh.Fold(t)
			terms = append(terms, synTerm{folded: f, tokens: analyze(an, f)})
		}
		ix.syn = append(ix.syn, terms)
	}
	ix.synTerms = NewTermGroups(k.Synonyms()...)
	return ix, nil
}

// derive makes what a search reads from the articles and the Bleve
// indexes: each language's statistics and compact sets, the flat postings,
// the Latin word counts.
func (ix *Index) derive() error {
	k := ix.kb
	ix.langs, ix.vocab = map[string]*langStats{}, map[string]int{}
	for _, lang := range kb.Languages {
		vocab := ix.vocab
		if lang != "en" {
			vocab = nil
		}
		ix.langs[lang] = newLangStats(ix.an, k.Articles(lang), ix.syn, vocab)
	}
	for _, g := range k.Synonyms() {
		for _, t := range g {
			latinWords(zh.Fold(t), ix.vocab)
		}
	}
	ix.postings = map[string]*postings{}
	for lang, bi := range ix.bi {
		p, err := newPostings(bi)
		if err != nil {
			return err
		}
		ix.postings[lang] = p
	}
	return nil
}

// KB returns the knowledge base the index was built from.
func (ix *Index) KB() *kb.KB { return ix.kb }

// DocCount returns the number of indexed documents (phrasings and passages).
func (ix *Index) DocCount() (uint64, error) {
	var n uint64
	if len(ix.bi) == 0 { // loaded without Bleve (Cached): the counts stored
		for _, p := range ix.postings {
			n += p.docCount
		}
		return n, nil
	}
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
func (ix *Index) Close() error { return closeAll(ix.bi) }

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
