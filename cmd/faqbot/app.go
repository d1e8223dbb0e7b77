package main

import (
	"context"
	"fmt"
	"io"
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
		return nil, fmt.Errorf("load %s:\n%w", contentName(cfg), err)
	}
	return k, nil
}

// contentName says which content the config loads, for messages.
func contentName(cfg *config) string {
	if cfg.Content == "" {
		return "the embedded content"
	}
	return cfg.Content
}

// memEngine builds an in-memory index of the content: what the one-shot
// commands (ask, chat, eval) answer from. Its search data is kept in the
// cache directory by content hash, so the next run loads it instead
// (index.Cached).
func memEngine(ctx context.Context, cfg *config, log *slog.Logger) (*bot.Engine, error) {
	p := newProgress(cfg.stderr)
	p.stage("loading %s", contentName(cfg))
	k, err := loadKB(cfg)
	if err != nil {
		p.done()
		return nil, err
	}
	p.stage("building the index of %d articles", len(k.IDs()))
	ix, err := index.Cached(ctx, k, cfg.cacheDir())
	p.done()
	if err != nil {
		return nil, err
	}
	return bot.NewEngine(ix, bot.DefaultOptions, bot.Deps{Log: log}), nil
}

// newLogger is serve's JSON logger on w, buffered (logBuffer), with
// repeated lines limited (limitHandler); flush writes what it holds.
func newLogger(cfg *config, w io.Writer) (log *slog.Logger, flush func() error) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	buf := newLogBuffer(w)
	h := bufferedHandler{slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: level}), buf}
	return slog.New(limitHandler{h, newRepeatLimiter()}), buf.Flush
}
