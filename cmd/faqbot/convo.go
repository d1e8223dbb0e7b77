package main

import (
	"context"
	"log/slog"

	"faqbot/bot"
	"faqbot/index"
)

// chatEngine is memEngine with an in-process conversation memory: the
// terminal chat reads follow-ups in the context of the last question
// (one-shot ask and eval have none).
func chatEngine(ctx context.Context, cfg *config, log *slog.Logger) (*bot.Engine, error) {
	k, err := loadKB(cfg)
	if err != nil {
		return nil, err
	}
	ix, err := index.Cached(ctx, k, cfg.cacheDir())
	if err != nil {
		return nil, err
	}
	return bot.NewEngine(ix, bot.DefaultOptions, bot.Deps{Log: log, Memory: bot.NewMemory()}), nil
}
