package index

import (
	"slices"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// fastAnalyzer is an's copy whose English stemmer only sees the tokens it
// can change. Bleve's snowball filter builds its state for every token,
// every CJK unigram and bigram included, though it leaves those as they
// are: that was a third of analysing a Chinese question. The tokens are the
// same (TestFastAnalyzerMatchesBleve), so the index Bleve built with an is
// searched with the terms it holds.
func fastAnalyzer(an analysis.Analyzer) analysis.Analyzer {
	d, ok := an.(*analysis.DefaultAnalyzer)
	if !ok {
		return an
	}
	c := *d
	c.TokenFilters = slices.Clone(d.TokenFilters)
	for i, f := range c.TokenFilters {
		if _, ok := f.(*en.EnglishStemmerFilter); ok {
			c.TokenFilters[i] = latinStemmer{f}
		}
	}
	return &c
}

// latinStemmer runs the stemmer on the tokens that hold an ASCII letter,
// one at a time (it changes its tokens in place).
type latinStemmer struct{ stem analysis.TokenFilter }

func (s latinStemmer) Filter(in analysis.TokenStream) analysis.TokenStream {
	for i, t := range in {
		if hasASCIILetter(t.Term) {
			s.stem.Filter(in[i : i+1])
		}
	}
	return in
}

func hasASCIILetter(b []byte) bool {
	for _, c := range b {
		if c|0x20 >= 'a' && c|0x20 <= 'z' {
			return true
		}
	}
	return false
}
