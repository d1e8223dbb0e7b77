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

// zhStopWords are function words and question words: they are in almost every
// question and say nothing about which article is meant.
var zhStopWords = []any{
	"的", "了", "吗", "呢", "吧", "啊", "呀", "么", "是", "我", "你", "他", "她", "在", "和", "与",
	"就", "都", "也", "还", "要", "会", "能", "可", "这", "那", "个", "么", "怎", "什", "哪", "请",
	"怎么", "什么", "可以", "如何", "哪些", "哪里", "哪个", "请问", "一下", "我们", "自己", "如果",
	"需要", "是不", "不是", "有没", "没有", "能不", "吗?", "么办", "怎样", "为什", "为何", "我的",
	"我家", "有什", "么用", "一个", "这个", "那个", "的话", "时候", "还能", "能够",
}

func newMapping() (mapping.IndexMapping, error) {
	im := bleve.NewIndexMapping()
	im.ScoringModel = "bm25"
	if err := im.AddCustomTokenMap("stop_zh_map", map[string]any{
		"type": tokenmap.Name, "tokens": zhStopWords,
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
