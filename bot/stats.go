package bot

import (
	"context"
	"faqbot/kb/state"
	"fmt"
	"sort"
	"strings"
)

// FormatReport renders the curator's report as plain text: one screen that
// says what to write next.
func FormatReport(r state.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "since %s: %d questions\n", r.Since.Format("2006-01-02 15:04"), r.Questions)
	b.WriteString("\nunanswered (most asked first):\n")
	if len(r.Unanswered) == 0 {
		b.WriteString("  none\n")
	}
	for _, g := range r.Unanswered {
		fmt.Fprintf(&b, "  %4d  %s\n", g.Count, strings.Join(g.Examples, " | "))
	}
	b.WriteString("\nunsure: about medical insurance, no article answers (write these next):\n")
	if len(r.Unsure) == 0 {
		b.WriteString("  none\n")
	}
	for _, g := range r.Unsure {
		fmt.Fprintf(&b, "  %4d  %s\n", g.Count, strings.Join(g.Examples, " | "))
	}
	b.WriteString("\nthumbs down:\n")
	if len(r.ThumbsDown) == 0 {
		b.WriteString("  none\n")
	}
	for _, c := range r.ThumbsDown {
		fmt.Fprintf(&b, "  %4d  %s (up %d)\n", c.Down, c.ID, c.Up)
	}
	b.WriteString("\nmost asked articles:\n")
	if len(r.TopArticles) == 0 {
		b.WriteString("  none\n")
	}
	for _, c := range r.TopArticles {
		fmt.Fprintf(&b, "  %4d  %s (up %d, down %d)\n", c.Count, c.ID, c.Up, c.Down)
	}
	outcomes := func(title string, m map[string]state.Outcome) {
		fmt.Fprintf(&b, "\n%s:\n", title)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			o := m[k]
			fmt.Fprintf(&b, "  %-10s asked %d, answered %.0f%%, votes %d up / %d down\n", k, o.Asked, 100*o.Rate, o.Up, o.Down)
		}
	}
	outcomes("by channel", r.ByChannel)
	outcomes("by language", r.ByLang)
	return b.String()
}

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
func (e *Engine) Suggest(ctx context.Context, groups []state.Group) ([]Suggestion, error) {
	var out []Suggestion
	for _, g := range groups {
		if len(g.Examples) == 0 {
			continue
		}
		q := g.Examples[0]
		lang := detectOr(q, "zh")
		hits, err := e.src.Search(ctx, q, lang, 1)
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
