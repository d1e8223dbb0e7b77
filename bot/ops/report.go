package ops

import (
	"faqbot/kb"
	"fmt"
	"sort"
	"strings"
)

// FormatReport renders the curator's report as plain text: one screen that
// says what to write next.
func FormatReport(r kb.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "since %s: %d questions\n", r.Since.Format("2006-01-02 15:04"), r.Questions)
	b.WriteString("\nunanswered (most asked first):\n")
	if len(r.Unanswered) == 0 {
		b.WriteString("  none\n")
	}
	for _, g := range r.Unanswered {
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
