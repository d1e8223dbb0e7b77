// Package bot is faqbot's channel-agnostic answer engine.
//
// Engine.Ask turns a Question into an Answer: the best article's matching
// passage with its region and date, close runners-up and the disclaimer; an
// honest "unsure" with the closest articles and where to ask a person; or a
// reply for a message that gets no article (empty, another language,
// greeting, medical, no-match). One fitted confidence model and one
// threshold decide every turn, the follow-ups of a conversation included
// (followup.go): a question answered alone is never read in context. Every
// question is read from one index generation (Searcher.Current). The word
// lists it reads messages with are content (content/words.txt, words.go).
//
// Channels live in sub-packages (bot/telegram, bot/wechat, bot/web) and
// depend only on the Asker interface declared here; they never touch the
// index or the state store. Operator work (reindex, admin routes, reports,
// the curator console) is in bot/ops; the HTTP error type the front ends
// share in bot/httperr; test fakes shared by channels in bot/bottest.
//
// Caveat: a search keeps the 60 best documents, and ties at that cut fall by
// Bleve's internal document numbers, which the build does not fix: a few
// questions can score differently from one build to the next.
package bot
