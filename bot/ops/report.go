package ops

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"faqbot/bot"
	"faqbot/index"
	"faqbot/kb"
)

// Report is the curator's report: the store's counts plus the answers given
// with low confidence. Its JSON is GET /admin/stats.
type Report struct {
	kb.Report
	// LowConfidence are questions answered with a score below
	// LowConfidenceBelow, most asked first: answers worth checking.
	LowConfidence []LowAnswer `json:"low_confidence"`
	// Totals are the period's outcomes, follow-ups, votes and latency,
	// from the query log (absent when the store has none to walk).
	Totals *Totals `json:"totals,omitempty"`
}

// Totals sum up a period of the query log and votes: what the console's
// overview shows above its charts, and `faqbot stats` on its first lines.
type Totals struct {
	Asked    int            `json:"asked"`
	Answered int            `json:"answered"`
	Unsure   int            `json:"unsure"`
	Declined map[string]int `json:"declined"` // by reason
	// FollowUps are the questions read with the user's previous one.
	FollowUps int     `json:"follow_ups"`
	Up        int     `json:"up"`
	Down      int     `json:"down"`
	P50Ms     float64 `json:"p50_ms"`
	P99Ms     float64 `json:"p99_ms"`
}

func totalsOf(b Bucket) *Totals {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return &Totals{Asked: b.Asked, Answered: b.Answered, Unsure: b.Unsure, Declined: b.Declined, FollowUps: b.FollowUps,
		Up: b.Up, Down: b.Down, P50Ms: ms(b.P50), P99Ms: ms(b.P99)}
}

// DeclinedTotal is how many questions were declined, whatever the reason.
func (t *Totals) DeclinedTotal() int {
	n := 0
	for _, v := range t.Declined {
		n += v
	}
	return n
}

// LowAnswer is one question answered with a low score.
type LowAnswer struct {
	Question string  `json:"question"`
	ID       string  `json:"id"`
	Lang     string  `json:"lang"`
	Count    int     `json:"count"`
	Score    float64 `json:"score"` // the lowest score it was answered with
}

// LowConfidenceBelow is the score (Answer.Score, as logged) under which an
// answer counts as low confidence. With the default engine options an
// answer scoring below 0.6 was given only because the question names an
// in-scope term (bot.DefaultOptions.SureCoverage is the bar without one).
// It is a plain number, not read from the engine's options, so a change in
// how the engine decides does not silently empty this section.
var LowConfidenceBelow = 0.6

// LowConfidence reads the query log since t and returns up to top questions
// answered with a score below LowConfidenceBelow, most asked first.
func LowConfidence(ql QueryLog, since time.Time, top int) ([]LowAnswer, error) {
	groups := map[string]*LowAnswer{}
	err := ql.Log(since, func(e kb.LogEntry) error {
		if e.ID == "" || e.Score >= LowConfidenceBelow {
			return nil
		}
		key := e.ID + "\x00" + kb.QuestionKey(e.Question)
		g := groups[key]
		if g == nil {
			g = &LowAnswer{Question: e.Question, ID: e.ID, Lang: e.Lang, Score: e.Score}
			groups[key] = g
		}
		g.Count++
		g.Score = min(g.Score, e.Score)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]LowAnswer, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		if out[i].Score != out[j].Score {
			return out[i].Score < out[j].Score
		}
		return out[i].Question < out[j].Question
	})
	if len(out) > top {
		out = out[:top]
	}
	return out, nil
}

// FilterSuggestions drops the proposals a curator cannot use: a question
// the knowledge base already lists (as a title or a `questions` line of any
// article of that language: lint refuses duplicates), and a question naming
// an out-of-scope subject (content/scope.txt "- term") that the proposed
// article is not about, since the bot must not answer it.
func FilterSuggestions(k *kb.KB, sugg []bot.Suggestion) []bot.Suggestion {
	known := map[string]bool{}
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			for _, q := range append([]string{a.Title}, a.Questions...) {
				known[lang+"\x00"+kb.QuestionKey(q)] = true
			}
		}
	}
	out := []bot.Suggestion{}
	for _, s := range sugg {
		if known[s.Lang+"\x00"+kb.QuestionKey(s.Question)] {
			continue
		}
		if term := index.FindTerm(s.Question, k.Scope().Out); term != "" && !bot.About(k, s.ID, term) {
			continue
		}
		out = append(out, s)
	}
	return out
}

// FormatReport renders the curator's report as plain text: one screen that
// says what to write next.
func FormatReport(r Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "since %s: %d questions\n", r.Since.Format("2006-01-02 15:04"), r.Questions)
	if t := r.Totals; t != nil && t.Asked > 0 {
		pct := func(n int) float64 { return 100 * float64(n) / float64(t.Asked) }
		var reasons []string
		for _, k := range sortedKeys(keysOf(t.Declined)) {
			reasons = append(reasons, fmt.Sprintf("%s %d", k, t.Declined[k]))
		}
		fmt.Fprintf(&b, "answered %d (%.0f%%), unsure %d (%.0f%%), declined %d (%.0f%%: %s)\n", t.Answered, pct(t.Answered),
			t.Unsure, pct(t.Unsure), t.DeclinedTotal(), pct(t.DeclinedTotal()), strings.Join(reasons, ", "))
		fmt.Fprintf(&b, "follow-ups %d (%.0f%%); votes %d up, %d down; latency p50 %.2f ms, p99 %.2f ms\n",
			t.FollowUps, pct(t.FollowUps), t.Up, t.Down, t.P50Ms, t.P99Ms)
	}
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
	fmt.Fprintf(&b, "\nanswered with low confidence (score below %.2f: check the answer; add the question to the right article's questions):\n", LowConfidenceBelow)
	if len(r.LowConfidence) == 0 {
		b.WriteString("  none\n")
	}
	for _, l := range r.LowConfidence {
		fmt.Fprintf(&b, "  %4d  %.2f  %s -> %s\n", l.Count, l.Score, l.Question, l.ID)
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
	outcomes := func(title string, m map[string]kb.Outcome) {
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
