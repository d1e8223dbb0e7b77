// Package bot is faqbot's answer engine and its channel adapters.
//
// The engine (Engine.Ask) turns a question into an Answer: the best article's
// matching passage, its region and date, close runners-up and the disclaimer,
// or an explicit no-answer reply. Adapters (Telegram, WeChat, the JSON relay,
// the web page, the terminal) turn a platform message into one Ask call and
// render the Answer back; they never touch the index or the state store
// directly, only the small interfaces they declare.
package bot
