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
// Config.MaxBody bytes (64 kB; 413 beyond). Fields are checked by type and
// keys strictly: a key given twice, or a field's key in another case
// ("Question"), is a 400; unknown keys are ignored. Routes match exactly
// (/api/x/ask is a 404). A missing "question" is a 400, an empty one
// gets the polite empty-question reply. That reply (also for text with no
// Chinese or English in it) is in "lang", else in the first of Chinese and
// English that Accept-Language names, else Chinese. Every error is a status with a JSON
// body {"error": "…"} that does not repeat the request body; unexpected
// failures are 500 {"error": "internal error"}, with the cause only in the
// log.
//
// With Config.Secret (FAQBOT_RELAY_SECRET) set, a relay signs each POST:
// X-Faqbot-Timestamp is the Unix time in seconds and X-Faqbot-Signature is
// "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body); Sign computes
// it. A timestamp more than Config.Window (5 minutes) from the server's
// clock, a wrong signature and a replayed signature get 401.
//
// A relay that may legitimately send the same body twice within a second
// (two users asking the same thing) names each request: X-Faqbot-Request-Id
// is 1-128 characters A-Z a-z 0-9 _ - (no "."), unique per request, and the
// signed string becomes timestamp + "." + id + "." + body (SignRequest).
// Replay detection then keys on the id: one id is accepted once within the
// window, the same body under two ids twice. A request without the header
// is signed and checked as before. (The two formats cannot be confused: a
// request id holds no ".", and a JSON body cannot start with an id
// character.)
//
// The page's own requests (Sec-Fetch-Site: same-origin) pass unsigned as
// channel "web"; signed requests are channel "api"; without a secret,
// other unsigned requests are accepted as "api" too (and signed ones
// refused, rather than pretending to check them). Any script can send an
// unsigned request, so every unsigned request, whether or not a secret is
// set, is untrusted:
//
//   - it is rate-limited per client: token buckets for /api/ask
//     (Config.AskLimit, 30 a minute, burst 10) and /api/feedback
//     (Config.FeedbackLimit, 20 a minute, burst 5), beyond which the client
//     gets 429 with Retry-After, counted through Config.Metrics as
//     rate-limited on its channel ("web" or "api");
//   - its "user" is namespaced by the client: "alice" becomes
//     "<channel>@<client>:alice" before it is hashed, so a request from
//     another address naming the same id reaches neither alice's
//     conversation context nor her votes (a user who changes address starts
//     afresh).
//
// The client is the TCP peer's address (an IPv6 /64, see ClientKey), or,
// when the peer is in Config.TrustedProxies (FAQBOT_TRUSTED_PROXIES), the
// address it forwards in X-Forwarded-For or X-Real-IP; at most
// Config.MaxClients clients are tracked. Only signed requests speak for
// arbitrary user ids and are never throttled. A relay on a private network
// that does not sign can be let in explicitly: unsigned requests from
// Config.OpenFrom (FAQBOT_RELAY_OPEN_FROM) are trusted like signed ones. GET
// /api/article serves public content and needs no signature.
//
// # Page
//
// Page serves the chat page, one embedded HTML template with no build step
// and no external resources, on GET / under a Content-Security-Policy that
// allows only its own inline script and style. Its landing lists the
// Asker's topics (buttons that open their questions) and examples, and the
// 12393 hotline and the local 医保局, in Simplified, Traditional and
// English; the script shows the one of the UI language. Each answer
// scrolls into view, with its disclaimer as one short line (the full text
// in a details element), vote buttons labelled in words with SVG icons (no
// emoji), and Traditional labels after a question in Traditional.
//
// The package asks questions only through bot.Asker and records votes only
// through State: it never touches the search index or the state store.
package web
