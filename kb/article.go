package kb

import "strings"

// Languages are the reply languages faqbot supports, in display order.
var Languages = []string{"zh", "en"}

// Article is one curated answer in one language, as written in
// content/<lang>/<id>.md.
type Article struct {
	ID        string
	Lang      string
	Title     string
	Topic     string
	Questions []string
	Tags      []string
	Region    string
	Updated   string
	// Sources name where the facts come from: a document's title and
	// number, a page's address, or a seed page, each with its date.
	Sources []string
	Related []string

	// Lead is the one-line direct answer before the first section.
	Lead string
	// Sections are the article's passages in order; each can be shown alone.
	Sections []Section

	// File and line numbers locate errors for curators.
	File string
	line map[string]int
}

// Section is one passage of an article: the unit the bot replies with.
type Section struct {
	Heading string
	Body    string
	Line    int
}

// Passages returns the lead (with the article title as heading) followed by the
// sections: everything the index stores and the bot can reply with.
func (a *Article) Passages() []Section {
	out := make([]Section, 0, len(a.Sections)+1)
	if a.Lead != "" {
		out = append(out, Section{Heading: a.Title, Body: a.Lead})
	}
	return append(out, a.Sections...)
}

// Regional reports whether the article's facts are local to one place.
func (a *Article) Regional() bool {
	r := strings.ToLower(strings.TrimSpace(a.Region))
	return r != "" && r != "全国" && r != "national" && r != "nationwide"
}

// Markdown renders the article body back as plain Markdown (for "full article").
func (a *Article) Markdown() string {
	var b strings.Builder
	b.WriteString(a.Lead)
	for _, s := range a.Sections {
		b.WriteString("\n\n## ")
		b.WriteString(s.Heading)
		b.WriteString("\n")
		b.WriteString(s.Body)
	}
	return strings.TrimSpace(b.String())
}
