package index

import (
	"faqbot/index/zh"
)

// Exemplars are labelled questions kept as weighted token sets, to tell how
// close a new question is to a kind of question (for instance, questions
// known to be about medical insurance but answered by no article).
type Exemplars struct {
	byLang map[string][]exemplar
	post   map[string]*exemplarPosts // lang → inverted lists into byLang[lang] (exemplar_fast.go)
}

type exemplar struct {
	text string
	ph   phrasing
}

// NewExemplars analyzes questions, each in the language zh.Detect finds.
func (ix *Index) NewExemplars(questions []string) *Exemplars {
	ex := &Exemplars{byLang: map[string][]exemplar{}}
	for _, q := range questions {
		lang := zh.Detect(q)
		st, ok := ix.langs[lang]
		if !ok {
			continue
		}
		ph := phrasing{tokens: map[string]bool{}}
		for _, t := range analyze(ix.an, ix.correct(zh.Fold(q))) {
			if len(t) > 1 {
				ph.tokens[t] = true
				ph.weight += st.idf(t)
			}
		}
		ex.byLang[lang] = append(ex.byLang[lang], exemplar{text: q, ph: ph})
	}
	ex.invert(ix.langs)
	return ex
}

// Closest is the highest similarity (IDF-weighted overlap over union, as
// for phrasings) of question to an exemplar of lang. An exemplar whose text
// is the question itself is skipped: scoring the exemplar set itself is
// then leave-one-out.
func (ix *Index) Closest(ex *Exemplars, question, lang string) float64 {
	sim, _ := ix.ClosestText(ex, question, lang)
	return sim
}

// ClosestText is Closest and the text of the closest exemplar ("" when
// none shares a token with question).
func (ix *Index) ClosestText(ex *Exemplars, question, lang string) (float64, string) {
	st, ok := ix.langs[lang]
	if !ok || ex == nil {
		return 0, ""
	}
	var tokens []string
	for _, t := range ix.analyzed(question).tokens {
		if len(t) > 1 {
			tokens = append(tokens, t)
		}
	}
	return ex.closest(tokens, st.question(tokens, 0, nil), question, lang)
}
