package index

import (
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
)

// analyzerName is the one analyzer for both languages: English articles quote
// Chinese names in brackets, and people mix scripts in one question.
const analyzerName = "faqbot"

// Field names of the indexed documents.
const (
	fieldKind = "kind" // "q" phrasing, "p" passage
	fieldText = "text" // the phrasing, or the passage heading and body
)

// newMapping is the index mapping: the faqbot analyzer, whose Chinese stop
// words (function and question words, in almost every question and saying
// nothing about which article is meant) are the knowledge base's
// [stopwords-zh] list (content/words.txt). The mapping is stored with the
// index, so an index keeps the list it was built with.
func newMapping(stopWords []string) (mapping.IndexMapping, error) {
	stopList := make([]any, len(stopWords))
	for i, w := range stopWords {
		stopList[i] = w
	}
	im := bleve.NewIndexMapping()
	im.ScoringModel = "bm25"
	if err := im.AddCustomTokenMap("stop_zh_map", map[string]any{
		"type": tokenmap.Name, "tokens": stopList,
	}); err != nil {
		return nil, fmt.Errorf("stop map: %w", err)
	}
	if err := im.AddCustomTokenFilter("stop_zh", map[string]any{
		"type": stop.Name, "stop_token_map": "stop_zh_map",
	}); err != nil {
		return nil, fmt.Errorf("stop filter: %w", err)
	}
	if err := im.AddCustomTokenFilter("bigram_uni", map[string]any{
		"type": cjk.BigramName, "output_unigram": true,
	}); err != nil {
		return nil, fmt.Errorf("bigram filter: %w", err)
	}
	if err := im.AddCustomAnalyzer(analyzerName, map[string]any{
		"type":      custom.Name,
		"tokenizer": unicode.Name,
		"token_filters": []any{
			lowercase.Name, "bigram_uni", "stop_zh", en.PossessiveName, en.StopName, en.SnowballStemmerName,
		},
	}); err != nil {
		return nil, fmt.Errorf("analyzer: %w", err)
	}
	im.DefaultAnalyzer = analyzerName

	kw := bleve.NewKeywordFieldMapping()
	kw.Analyzer = keyword.Name
	kw.Store = false
	kw.IncludeInAll = false
	text := bleve.NewTextFieldMapping()
	text.Analyzer = analyzerName
	text.Store = false
	text.IncludeInAll = false
	text.IncludeTermVectors = false

	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldKind, kw)
	doc.AddFieldMappingsAt(fieldText, text)
	im.DefaultMapping = doc
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im, nil
}

// analyze returns the distinct tokens of folded text, in order of appearance.
func analyze(a analysis.Analyzer, folded string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range a.Analyze([]byte(folded)) {
		term := string(t.Term)
		if !seen[term] {
			seen[term] = true
			out = append(out, term)
		}
	}
	return out
}
