// Package content holds faqbot's default knowledge base: the curated articles
// (zh/ and en/), the disclaimer in each language and the synonym list. It is
// embedded into the binary so the bot runs with no files; `-content DIR` points
// at a checkout's content/ instead. See docs/content-format.md.
package content

import "embed"

// FS is the embedded content tree.
//
//go:embed zh en *.txt *.tsv
var FS embed.FS
