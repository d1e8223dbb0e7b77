// Package zh holds faqbot's Chinese text helpers: folding Traditional to
// Simplified (and full-width to half-width, case, control characters),
// rendering Simplified text back in Traditional, and telling a question's
// language. Channels use it to render Traditional replies without importing
// the index.
//
// The Traditional↔Simplified table is generated from Unicode's
// Unihan_Variants.txt and keeps only unambiguous pairs; ToTraditional is
// character by character, good enough to echo a Traditional question's script
// but not a translation.
package zh

//go:generate sh -c "bzcat /usr/share/unicode/Unihan_Variants.txt.bz2 > /tmp/Unihan_Variants.txt && go run ./internal/unihangen -in /tmp/Unihan_Variants.txt | gofmt > table.go"
