// Package telegram is the Telegram front end of faqbot: it turns Bot API
// updates into questions for the engine (bot.Asker) and the engine's answers
// into Telegram messages.
//
// A private message, a group message that mentions the bot or replies to it,
// or an inline query (@bot question in any chat) is asked once; the reply is
// an HTML card (title, passage, region and date line, disclaimer) with an
// inline keyboard: helpful / not helpful votes, the full article, and the
// runners-up. A question without an answer gets the engine's polite reply
// with topic buttons. Commands: /start and /help, /topics, /a <id> (a whole
// article), /lang zh|en|auto, and for the operators in Config.Operators
// /reindex and /stats, which run through the [Operator] the serve command
// passes in.
//
// Updates arrive by long polling (getUpdates) by default, or, when
// [Config].WebhookURL is set, by webhook: [Bot.Run] registers the webhook with
// a secret token and [Bot.ServeHTTP] receives the updates on the serve
// command's mux. Either way each update is claimed before it is handled, so a
// redelivery is answered once; when polling, one chat's updates are handled
// in order while chats proceed in parallel. Replies keep to Telegram's rate
// limits (30 messages a second, one a second per chat, a 429's retry_after
// honoured), and a user over 20 requests a minute gets one "slow down", then
// silence until the minute has room again.
//
// What it keeps goes through [State]: the getUpdates offset, the update claims,
// each user's chosen language and the votes, all under the hashed user id.
// The adapter never touches the search index or the state store directly
// (it sees only bot.Asker, State and Operator), and never logs the bot token,
// the webhook secret or a raw user id.
package telegram
