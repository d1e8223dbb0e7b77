package main

import (
	"context"
	"fmt"
	"net/http"

	"faqbot/bot/ops"
	"faqbot/bot/telegram"
	"faqbot/bot/web"
	"faqbot/bot/wechat"
)

// frontEnds mounts every configured front end on mux and says once, at
// start, which are on and why the others are off.
func (srv *server) frontEnds(ctx context.Context, mux *http.ServeMux, s stdio) error {
	cfg := srv.cfg
	status := func(name string, on bool, why string) {
		state := "off"
		if on {
			state = "on "
		}
		fmt.Fprintf(s.err, "faqbot: %-9s %s %s\n", name, state, why)
	}

	cfg.Web.Log, cfg.Web.Metrics = srv.log, srv.metrics
	mux.Handle("/api/", web.NewRelay(srv.engine, srv.store, cfg.Web))
	mux.Handle("GET /{$}", web.Page(srv.engine))
	open := ""
	if len(cfg.Web.OpenFrom) > 0 {
		open = fmt.Sprintf("; unsigned requests from FAQBOT_RELAY_OPEN_FROM (%d networks) trusted", len(cfg.Web.OpenFrom))
	}
	if cfg.Web.Secret != "" {
		status("relay", true, "POST /api/ask, /api/feedback (signed with FAQBOT_RELAY_SECRET; the page's unsigned requests rate-limited per client"+open+")")
	} else {
		status("relay", true, "POST /api/ask, /api/feedback (unsigned, rate-limited per client, user ids namespaced by client: set FAQBOT_RELAY_SECRET for relays that sign"+open+")")
	}
	status("web", true, "GET / (chat page)")

	if cfg.WeChat.Token != "" {
		cfg.WeChat.Log, cfg.WeChat.Metrics = srv.log, srv.metrics
		wc, err := wechat.New(cfg.WeChat, srv.engine, srv.store)
		if err != nil {
			return err // New's errors start with "wechat: "
		}
		mux.Handle("/wechat", wc)
		srv.drains = append(srv.drains, wc.Wait)
		mode := "plain mode only (WECHAT_AES_KEY not set)"
		if cfg.WeChat.AESKey != "" {
			mode = "plain, compatible and safe (AES) modes"
		}
		status("wechat", true, "GET, POST /wechat, "+mode)
	} else {
		status("wechat", false, "(WECHAT_TOKEN not set)")
	}

	if cfg.Telegram.Token != "" {
		cfg.Telegram.Log, cfg.Telegram.Metrics = srv.log, srv.metrics
		tg, err := telegram.New(ctx, cfg.Telegram, srv.engine, srv.store, ops.Chat{S: srv.ops})
		if err != nil {
			return err
		}
		srv.runners = append(srv.runners, tg.Run)
		if cfg.Telegram.WebhookURL != "" {
			mux.Handle("POST /telegram", tg)
			why := "webhook mode, POST /telegram, @" + tg.Username()
			if cfg.Telegram.WebhookSecret == "" {
				why += " (TELEGRAM_WEBHOOK_SECRET not set: a random secret for this process only; set it when running several replicas)"
			}
			status("telegram", true, why)
		} else {
			status("telegram", true, "long polling, @"+tg.Username())
		}
	} else {
		status("telegram", false, "(TELEGRAM_TOKEN not set)")
	}

	if cfg.AdminToken != "" {
		status("admin", true, "POST /admin/reindex, GET /admin/stats, the curator console GET /admin/")
	} else {
		status("admin", false, "(FAQBOT_ADMIN_TOKEN not set: /admin/* answer 403)")
	}
	return nil
}
