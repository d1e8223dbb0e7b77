// Package ops holds what operators run against a live bot: the reindex
// (lint, build beside the live index, self-check, switch), the admin HTTP
// routes guarded by FAQBOT_ADMIN_TOKEN, the curator's report and the curator
// console. Service is the one entry point: the admin routes, the console,
// Telegram's operator commands and SIGHUP all go through it, with the same
// defaults.
//
// # Console
//
// Admin.Handler also serves the console under /admin/ (console.go): the
// overview (Timeline: the query log and votes by day or week, drawn as
// inline SVG by console_svg.go), the questions page (ClusterQuestions over
// the report's unsure and unanswered groups, with the front-matter lines
// that would make a cluster a phrasing of a close article), the articles
// page (ArticlesHealth) and the hit test (Try, and RiskCoverage on the
// regression set). Its pages are html/template files under console/, with
// one inline stylesheet allowed by hash and no script. Access
// (console_auth.go): a bearer header, or a session cookie got by signing
// in with the token (HttpOnly, SameSite=Strict, Secure over TLS, expiring
// after SessionTTL, signed with a key derived from the token); every
// form carries a CSRF token and is refused from another site. The tables
// come from Service.ReportSince, the code `faqbot stats` prints, and the
// rest from the store's Log and Votes (kb.Store), so every backend serves
// it.
//
// Unlike the channels, ops may touch the index and the state store: it is
// the operator side of the engine, not a front end.
package ops
