// Package index builds and searches faqbot's Bleve index.
//
// Each article becomes several small documents: one per phrasing (title and
// alternate questions) and one per passage (lead and sections), so a search
// finds both the article people mean and the passage that answers them. Text is
// folded before analysis (Traditional→Simplified, full-width→half-width, case);
// the analyzer makes CJK bigrams plus unigrams (so 药 or 卡 alone still match),
// drops Chinese and English function words and stems English. Scoring is BM25.
// User text never reaches a query-string parser: queries are built from the
// analyzer's tokens as term queries, expanded with the curated synonyms.
//
// Cost: a search walks the posting lists of the question's terms (those in
// at most half the articles), so its time grows with the knowledge base;
// there is no early termination. The signals of each hit come from data
// made at build time (compact.go), and the last questions' analyses are
// kept by hash (analyzed.go), shared by Search, Closest and Missing.
//
// Nothing outside index imports Bleve.
package index
