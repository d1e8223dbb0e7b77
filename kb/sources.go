package kb

import (
	"regexp"
	"strings"
)

// genericSources are the words that name no source at all: an article that
// cites only these cannot be checked by a reader.
var genericSources = []string{"公开资料整理", "公开资料", "网络资料", "compiled from public sources", "public sources", "internet"}

// specificSource matches what makes a source checkable: an address, a
// document title in 《》, a document number (医保发〔2024〕19号), or one of
// the seed pages the project started from (seeds/NNN).
var specificSource = regexp.MustCompile(`https?://\S+|《[^》]+》|〔\d{4}〕|\[\d{4}\]|seeds/\d{3}`)

// SpecificSource reports whether a sources: entry names something a reader
// can find and check, not a generic "compiled from public sources".
func SpecificSource(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	for _, g := range genericSources {
		if l == g {
			return false
		}
	}
	return specificSource.MatchString(s)
}

// checkSources requires at least one specific source (lint).
func checkSources(a *Article, errs *Errors) {
	line := a.line["sources"]
	if line == 0 {
		errs.add(a.File, 1, "missing sources: list at least one specific source (a document's title and number, a page's address, or a seed page), with its date")
		return
	}
	for _, s := range a.Sources {
		if SpecificSource(s) {
			return
		}
	}
	errs.add(a.File, line, "sources names no specific source: give a document's title and number (《…》, 〔2024〕), a page's address (https://…) or a seed page (seeds/NNN), with its date")
}
