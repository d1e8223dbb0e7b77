package bot

import (
	"context"
	"faqbot/kb"
)

// Suggestion proposes an unanswered question as a new `questions` line of an
// existing article. It is printed for a curator to review, never applied.
type Suggestion struct {
	Question string  `json:"question"`
	Count    int     `json:"count"`
	ID       string  `json:"id"`
	Lang     string  `json:"lang"`
	Coverage float64 `json:"coverage"`
}

// minSuggestCoverage is how much of an unanswered question an article must
// hold to be proposed as its home: below the answer bar, above noise.
const minSuggestCoverage = 0.3

// Suggest finds, for each unanswered question group, the article it is
// closest to, when it is close enough.
func (e *Engine) Suggest(ctx context.Context, groups []kb.Group) ([]Suggestion, error) {
	var out []Suggestion
	for _, g := range groups {
		if len(g.Examples) == 0 {
			continue
		}
		q := g.Examples[0]
		lang := detectOr(q, "zh")
		hits, err := e.src.Current().Search(ctx, q, lang, 1)
		if err != nil {
			return nil, err
		}
		if len(hits) == 0 || hits[0].Coverage < minSuggestCoverage {
			continue
		}
		out = append(out, Suggestion{Question: q, Count: g.Count, ID: hits[0].ID, Lang: lang, Coverage: round2(hits[0].Coverage)})
	}
	return out, nil
}
