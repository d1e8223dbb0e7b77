// Package ops holds what operators run against a live bot: the reindex
// (lint, build beside the live index, self-check, switch), the admin HTTP
// routes guarded by FAQBOT_ADMIN_TOKEN, and the curator's report. Service is
// the one entry point: the admin routes, Telegram's operator commands and
// SIGHUP all go through it, with the same defaults.
//
// Unlike the channels, ops may touch the index and the state store: it is
// the operator side of the engine, not a front end.
package ops
