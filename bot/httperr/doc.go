// Package httperr is the one error type the HTTP front ends (bot/web,
// bot/wechat, bot/ops) return from their handlers: a request refused with
// a status and a message for the client, and the cause for the log only.
// Each front end turns it into its reply in one place (its serve or fail).
package httperr
