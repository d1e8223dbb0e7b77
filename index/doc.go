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
// Cost: Bleve builds and stores the index; a search does not run through
// Bleve's searchers. At open, each term's postings are copied into flat
// arrays (document numbers and the query-independent part of the BM25 term
// score, postings.go), and a search adds them up in tight loops in the order
// and with the operations Bleve's disjunction uses, so its hits and scores
// are Bleve's to the last bit (TestPostingsMatchBleve runs Bleve's own
// search on every tune question). The time still grows with the postings of
// the question's terms (those in at most half the articles), but by a few
// nanoseconds a posting. The signals of each hit come from data made at
// open (compact.go), and the last questions' analyses are kept by hash
// (analyzed.go), shared by Search, Closest and Missing. Questions and the
// token sets are analyzed with a copy of Bleve's analyzer whose English
// stemmer skips tokens without an ASCII letter (stem.go): the same tokens,
// checked by TestFastAnalyzerMatchesBleve.
//
// Caveats: the flat postings tie the index to Bleve's BM25 scorer and its
// disjunction's order of addition (by posting count); a Bleve upgrade that
// changes either makes TestPostingsMatchBleve fail rather than the answers
// drift; so does an analyzer change that fastAnalyzer does not know. The
// map forms of the token sets are made at open, turned into the compact ones
// and dropped.
//
// Nothing outside index imports Bleve.
package index
