// Package telegram is the Telegram front end of faqbot: it turns Bot API
// updates into questions for the engine (bot.Asker) and the engine's answers
// into Telegram messages.
//
// A private message, a group message that mentions the bot or replies to it
// (an anonymous group admin's too: it comes from GroupAnonymousBot on behalf
// of the group), or an inline query (@bot question in any chat) is asked
// once; the reply is
// an HTML card (title, passage, region and date line, disclaimer) with an
// inline keyboard: helpful / not helpful votes, the full article, and the
// runners-up. A question without an answer gets the engine's polite reply
// with topic buttons. In a forum supergroup every message about a question
// asked in a topic (the answer, button replies, every part of a long reply)
// carries the topic's message_thread_id, which the adapter reads and sends
// itself (v5.5.1 of the library has no field for it). Stickers, photos,
// voice and files in a private chat get a polite "text only"; service
// messages (pinned message, auto-delete timer, write access allowed, shared
// chats or users) get nothing. Commands: /start and /help, /topics, /a <id> (a whole
// article), /lang zh|en|auto, and for the operators in Config.Operators
// /reindex and /stats, which run through the [Operator] the serve command
// passes in.
//
// Updates arrive by long polling (getUpdates) by default, or, when
// [Config].WebhookURL is set, by webhook: [Bot.Run] registers the webhook with
// a secret token and [Bot.ServeHTTP] receives the updates on the serve
// command's mux; a webhook update that does not decode is logged and
// acknowledged with 200 (an error would make Telegram redeliver it forever).
// Either way each update is claimed before it is handled, so a
// redelivery is answered once; when polling, one chat's updates are handled
// in order while chats proceed in parallel. Replies keep to Telegram's rate
// limits (30 messages a second, one a second per chat, a 429's retry_after
// honoured), and a user over 20 requests a minute gets one "slow down", then
// silence until the minute has room again; every button press is answered
// exactly once, the one that crosses the limit included.
//
// What it keeps goes through [State]: the getUpdates offset, the update claims,
// each user's chosen language and the votes, all under the hashed user id.
// The adapter never touches the search index or the state store directly
// (it sees only bot.Asker, State and Operator), and never logs the bot token,
// the webhook secret or a raw user id.
package telegram
