// Package kb is faqbot's knowledge base: the article model, loading and strict
// validation of the curated content/ tree (front matter, sections, disclaimer,
// synonyms), and the bbolt state store for what must survive a restart
// (Telegram offset, user languages, seen message ids, votes, unanswered log).
//
// Nothing outside kb imports bbolt.
package kb
