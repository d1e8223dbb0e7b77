// Package kb is faqbot's knowledge base: the article model, loading and strict
// validation of the curated content/ tree (front matter, sections, disclaimer,
// synonyms, scope), the labelled-question files every evaluator reads, and the
// records users leave (votes, asked questions) that the state store keeps.
//
// kb holds no state and imports no database; the state store is kb/state.
package kb
