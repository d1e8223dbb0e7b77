// Package wechat is faqbot's WeChat Official Account (公众号) front end: the
// message server WeChat calls on GET and POST /wechat.
//
// GET is the URL check WeChat makes when the server address is saved: the
// signature over the token, timestamp and nonce is verified and echostr
// echoed (decrypted first in the WeCom variant, with msg_signature).
//
// POST delivers one message or event, in one of three modes: plain (XML
// signed with the token), compatible (plain fields plus an encrypted copy)
// and safe (encrypted only). Encrypted messages use WXBizMsgCrypt's
// AES-256-CBC with the EncodingAESKey, and are checked for msg_signature
// and the AppID; in compatible mode only the encrypted copy is trusted, or
// the signed plain fields when no key is configured. With a key configured
// only encrypted pushes (encrypt_type=aes, or WeCom's msg_signature without
// encrypt_type) are accepted: a plaintext push, encrypt_type=raw included,
// is refused with 403, since its signature does not cover the body. Replies
// go back as passive replies, encrypted when the message was. Stale
// timestamps (Config.MaxAge), bad signatures and malformed or oversized
// bodies are refused with a 4xx and logged (one line per request).
//
// In plain mode each (timestamp, nonce, signature) is remembered in the
// State for twice MaxAge (24 hours when MaxAge is 0) together with the
// message it came with: the same sender and MsgId under it again is a retry
// (same reply), any other message under it is refused with 403. A plain URL
// check's signature is the same kind (token, timestamp, nonce) and is
// claimed the same way, for the URL check: the check may be repeated, no
// message can be pushed under it, and a push's signature is no URL check's.
//
// WeChat waits 5 seconds for a reply and retries a message up to three
// times. A message is answered once: retries of it (same sender and MsgId,
// or for events the same sender and CreateTime) share the answer in
// progress or get the stored reply. When the answer is not ready within Config.Budget
// (4 s), the handler replies "success" (no reply) rather than time out;
// the answer is still stored for a retry.
//
// Several replicas sharing one State (the PostgreSQL state store) answer a
// message once too: the first delivery claims its key atomically
// (State.ClaimTemp, holding a "pending" marker), answers, and stores the
// reply over the marker. A delivery that loses the claim (a retry reaching
// another replica) polls the State for that reply until its own budget
// runs out and returns it, or "success" when it is not ready in time. An
// internal error releases the claim so that a retry asks again; a replica
// that dies while answering leaves the claim until it expires (35 s), and
// retries meanwhile get "success": at most one answer, never two.
//
// Text and recognised voice messages are questions for the engine
// (bot.Asker), except for the adapter's own commands: "1".."9" picks a
// runner-up of the last answer, "全文 [id] [page]" / "full [id] [page]"
// shows a whole article page by page, "English" / "中文" sets the reply
// language. A new follower is greeted; other messages get a request for
// text. Every reply is plain text without Markdown or HTML, under WeChat's
// 2048-byte limit, cut at a passage or sentence boundary, and keeps the
// disclaimer.
//
// Through its State the adapter stores, with user ids hashed: each user's
// chosen language, their last answer (for the numbered choices and "全文",
// 30 minutes), the claims of and replies to recent messages (for retries, 10 minutes)
// and the plain-mode signatures used. It never touches the index or the state store directly, only
// bot.Asker and State.
package wechat
