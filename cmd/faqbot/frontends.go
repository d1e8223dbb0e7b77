package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"faqbot/bot"
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

	relay := bot.NewRelay(srv.engine, srv.store, cfg.RelaySecret, srv.log)
	mux.Handle("/api/", relay)
	mux.Handle("GET /{$}", bot.WebPage())
	if cfg.RelaySecret != "" {
		status("relay", true, "POST /api/ask, /api/feedback (signed with FAQBOT_RELAY_SECRET)")
	} else {
		status("relay", true, "POST /api/ask, /api/feedback (unsigned: set FAQBOT_RELAY_SECRET to require signatures)")
	}
	status("web", true, "GET / (chat page)")

	if cfg.WeChatToken != "" {
		wc, err := bot.NewWeChat(bot.WeChatConfig{
			Token: cfg.WeChatToken, AESKey: cfg.WeChatAESKey, AppID: cfg.WeChatAppID,
			MaxAge: cfg.WeChatMaxAge, Budget: cfg.WeChatBudget, Log: srv.log, Metrics: srv.metrics,
		}, srv.engine, srv.store)
		if err != nil {
			return fmt.Errorf("wechat: %w", err)
		}
		mux.Handle("/wechat", wc)
		srv.drains = append(srv.drains, wc.Wait)
		mode := "plain mode only (WECHAT_AES_KEY not set)"
		if cfg.WeChatAESKey != "" {
			mode = "plain, compatible and safe (AES) modes"
		}
		status("wechat", true, "GET, POST /wechat, "+mode)
	} else {
		status("wechat", false, "(WECHAT_TOKEN not set)")
	}

	if cfg.TelegramToken != "" {
		tg, err := bot.NewTelegram(ctx, bot.TelegramConfig{
			Token: cfg.TelegramToken, APIEndpoint: cfg.TelegramAPIEndpoint,
			WebhookURL: cfg.TelegramWebhookURL, WebhookSecret: cfg.TelegramWebhookSecret,
			Operators: cfg.TelegramOperators, Log: srv.log, Metrics: srv.metrics,
		}, srv.engine, srv.store, operator{srv})
		if err != nil {
			return err
		}
		srv.runners = append(srv.runners, tg.Run)
		if cfg.TelegramWebhookURL != "" {
			mux.Handle("POST /telegram", tg)
			why := "webhook mode, POST /telegram, @" + tg.Username()
			if cfg.TelegramWebhookSecret == "" {
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
		status("admin", true, "POST /admin/reindex, GET /admin/stats")
	} else {
		status("admin", false, "(FAQBOT_ADMIN_TOKEN not set: /admin/* answer 403)")
	}
	return nil
}

// operator runs the Telegram operators' /reindex and /stats on the server.
type operator struct{ srv *server }

func (o operator) Reindex(ctx context.Context) (string, error) {
	rep, err := o.srv.reindexer.Run(ctx)
	if err != nil {
		return rep.String(), err
	}
	return rep.String(), nil
}

func (o operator) Stats(ctx context.Context) (string, error) {
	rep, err := o.srv.store.Report(time.Now().Add(-7*24*time.Hour), 10)
	if err != nil {
		return "", err
	}
	return bot.FormatReport(rep), nil
}
