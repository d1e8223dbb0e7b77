// Package web is faqbot's HTTP chat channel: a JSON relay (Relay) for
// relays from other platforms and for the browser, and the browser chat
// page itself (Page).
//
// # Relay
//
// Mount the Relay at "/api/":
//
//	POST /api/ask       {"question": "…", "lang": "zh"|"en"|"", "user": "…"}
//	                    → the Answer object `faqbot ask -json` prints
//	POST /api/feedback  {"id": "lost-card", "lang": "zh"|"en", "up": true|false, "user": "…"}
//	                    → {"ok": true}
//	GET  /api/article?id=…&lang=…
//	                    → {"id", "lang", "title", "region", "updated", "lead",
//	                       "sections": [{"heading", "body"}]}
//
// POST bodies must be one JSON object with Content-Type application/json
// (415 otherwise, which also stops cross-site HTML forms), at most
// Config.MaxBody bytes (64 kB; 413 beyond). Fields are checked by type;
// unknown fields are ignored; a missing "question" is a 400, an empty one
// gets the polite empty-question reply. Every error is a status with a JSON
// body {"error": "…"} that does not repeat the request body; unexpected
// failures are 500 {"error": "internal error"}, with the cause only in the
// log.
//
// With Config.Secret (FAQBOT_RELAY_SECRET) set, a relay signs each POST:
// X-Faqbot-Timestamp is the Unix time in seconds and X-Faqbot-Signature is
// "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body); Sign computes
// it. A timestamp more than Config.Window (5 minutes) from the server's
// clock, a wrong signature and a replayed signature get 401. The page's own
// requests (Sec-Fetch-Site: same-origin) pass unsigned as channel "web",
// with their user ids kept apart as "web:<id>"; signed requests are channel
// "api". Without a secret, unsigned requests are accepted as "api" and
// signed ones refused, rather than pretending to check them. GET
// /api/article serves public content and needs no signature.
//
// # Page
//
// Page serves the chat page, one embedded HTML file with no build step and
// no external resources, on GET / under a Content-Security-Policy that
// allows only its own inline script and style.
//
// The package asks questions only through bot.Asker and records votes only
// through State: it never touches the search index or the state store.
package web
