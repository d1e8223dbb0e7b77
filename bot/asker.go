package bot

import (
	"context"

	"faqbot/kb"
)

// Asker is everything a channel needs from the engine: one Ask per question,
// and what a channel shows besides answers (a full article, the topic list,
// example questions, the disclaimer, the reply for a message that is no
// question). *Engine satisfies it; channel tests use bottest's fake.
type Asker interface {
	Ask(ctx context.Context, q Question) (Answer, error)
	// Article returns a whole article, for "full article" requests.
	Article(lang, id string) (*kb.Article, bool)
	// Topics returns the knowledge base grouped by catalog topic.
	Topics(lang string) []Topic
	// Examples returns up to n articles whose titles make good example questions.
	Examples(lang string, n int) []*kb.Article
	// Disclaimer is the notice every answer carries, in lang.
	Disclaimer(lang string) string
	// Reply is the text for a message answered without an article (one of
	// the Reason constants), e.g. a greeting or an empty message.
	Reply(lang, reason string) string
}

var _ Asker = (*Engine)(nil)

// Article returns a whole article for "full article" requests.
func (e *Engine) Article(lang, id string) (*kb.Article, bool) { return e.KB().Article(lang, id) }

// Topics returns the serving knowledge base grouped by topic.
func (e *Engine) Topics(lang string) []Topic { return GroupTopics(e.KB(), lang) }

// Examples returns up to n example questions (article titles) in lang.
func (e *Engine) Examples(lang string, n int) []*kb.Article {
	return ExampleArticles(e.KB(), lang, n)
}

// Disclaimer is the serving knowledge base's disclaimer in lang.
func (e *Engine) Disclaimer(lang string) string { return e.KB().Disclaimer(lang) }

// Reply is the no-article reply for reason in lang.
func (e *Engine) Reply(lang, reason string) string { return ReplyText(e.KB(), lang, reason) }

// ArticleAnswer shows an article's first passage (its direct answer) as an
// Answer, for a channel that offers an article the user picked.
func ArticleAnswer(art *kb.Article, disclaimer string) Answer {
	p := art.Passages()[0]
	return Answer{
		Question: art.Title, Answered: true, ID: art.ID, Lang: art.Lang, Title: art.Title, Score: 1,
		Section: p.Heading, Snippet: p.Body, Region: art.Region, Updated: art.Updated,
		Disclaimer: disclaimer, Alternatives: []Alternative{},
	}
}
