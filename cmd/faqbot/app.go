package main

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"faqbot/bot"
	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

// contentFS is the content tree the config names: a directory or the embedded one.
func contentFS(cfg *config) fs.FS {
	if cfg.Content == "" {
		return content.FS
	}
	return os.DirFS(cfg.Content)
}

func loadKB(cfg *config) (*kb.KB, error) {
	k, err := kb.Load(contentFS(cfg))
	if err != nil {
		where := "embedded content"
		if cfg.Content != "" {
			where = cfg.Content
		}
		return nil, fmt.Errorf("load %s:\n%w", where, err)
	}
	return k, nil
}

// memEngine builds an in-memory index of the content: what the one-shot
// commands (ask, chat, eval) answer from.
func memEngine(ctx context.Context, cfg *config, log *slog.Logger) (*bot.Engine, error) {
	k, err := loadKB(cfg)
	if err != nil {
		return nil, err
	}
	ix, err := index.Build(ctx, k, "")
	if err != nil {
		return nil, err
	}
	return bot.NewEngine(ix, bot.DefaultOptions, bot.Deps{Log: log}), nil
}

func newLogger(cfg *config, w *os.File) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
