// Package bot is faqbot's channel-agnostic answer engine.
//
// Engine.Ask turns a Question into an Answer: the best article's matching
// passage with its region and date, close runners-up and the disclaimer, or
// an explicit no-answer reply (empty, greeting, medical, no-match). Channels
// live in sub-packages (bot/telegram, bot/wechat, bot/web) and depend only on
// the Asker interface declared here; they never touch the index or the state
// store. Operator work (reindex, admin routes, reports) is in bot/ops; test
// fakes shared by channels are in bot/bottest.
package bot
