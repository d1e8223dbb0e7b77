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
// Cost: Bleve builds and stores the index, and stays its record; a search
// does not run through Bleve's searchers. Each term's postings are copied
// into flat arrays (document numbers and the query-independent part of the
// BM25 term score, postings.go), and a search adds them up in tight loops
// in the order and with the operations Bleve's disjunction uses, so its
// hits and scores are Bleve's to the last bit (TestPostingsMatchBleve runs
// Bleve's own search on every tune question). The time still grows with
// the postings of the question's terms (those in at most half the
// articles), but by a few nanoseconds a posting. The signals of each hit
// come from each article's compact token sets (compact.go, made directly
// from the analyzed articles by derive.go), and the last questions'
// analyses are kept by hash (analyzed.go), shared by Search, Closest and
// Missing. Questions and the token sets are analyzed with a copy of
// Bleve's analyzer whose English stemmer skips tokens without an ASCII
// letter (stem.go): the same tokens, checked by
// TestFastAnalyzerMatchesBleve.
//
// Stored, derived, consistent (disk.go, store.go). A generation on disk,
// <data>/index/gen-<n>/, holds:
//
//   - bleve/: the Bleve indexes, one per language (the index of record);
//   - content/: the content it was built from (what an offline reindex
//     compares against);
//   - search.bin: what a search reads, derived from those two once, when
//     the generation is built: per language the document count, the
//     external ids, each term's postings (count, document numbers, base
//     scores), the article statistics (n, document frequencies, IDF) and
//     compact sets (vocabulary, masks, phrasing weights, occurrence lists,
//     synonym token ids and clauses), and the Latin word counts. Its
//     header carries a format version and a CRC-32C of the payload, and
//     the payload starts with the content hash.
//
// Made at every open, from the articles and synonyms in a few milliseconds:
// the analyzer, the analyzed synonym terms and their matcher (terms.go),
// the parsed document ids (refs), the term and token maps over the stored
// arrays. An open reads search.bin into one buffer the arrays point into;
// at 5,040 articles (copy method) that is 145 MB loaded in 0.15 s, where
// deriving it from Bleve took most of a minute.
//
// A generation is consistent because nothing names it before it is whole:
// BuildOnDisk writes the snapshot and Bleve, closes Bleve (flushed),
// reopens it, derives the search data from what it reopened and writes
// search.bin (temporary file, synced, renamed), and only then replaces
// CURRENT by rename. A kill at any point leaves the previous generation
// current (TestCrashDuringReindex). At open the file is used only if its
// version is this code's searchVersion, its checksum holds, its content
// hash is the knowledge base's (CURRENT's, the snapshot's), every number
// in it is in range (document numbers rising and below the count, token
// ids in the vocabulary, occurrences naming real rows) and its document
// counts are Bleve's; otherwise (missing, damaged, from another
// version) the data is derived again from Bleve and the file rewritten
// (TestSearchFile). searchVersion is bumped whenever what is derived
// changes (analyzer, BM25 base score, compact layout, document ids).
//
// The one-shot commands (ask, chat, eval) build in memory and keep the
// same file in a cache directory under the content hash (Cached); a later
// run loads it alone, without Bleve, since a search reads nothing else.
//
// Caveats: the flat postings tie the index to Bleve's BM25 scorer and its
// disjunction's order of addition (by posting count); a Bleve upgrade that
// changes either makes TestPostingsMatchBleve fail rather than the answers
// drift; so does an analyzer change that fastAnalyzer does not know. A
// stored search.bin ties a generation to the code that derived it: a
// change to what is derived without a searchVersion bump would be loaded
// as it is (the tests compare loaded with derived answers). The arrays are
// stored as a little-endian machine lays them out; a big-endian one
// derives at every open.
//
// Nothing outside index imports Bleve.
package index
