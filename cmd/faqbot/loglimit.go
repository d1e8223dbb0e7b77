package main

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Repeated log lines: a flood (a bad admin token tried in a loop, a full
// disk failing every write) must not flood the log. Each message (per
// level) may be logged logBurst times per logWindow; beyond that its lines
// are dropped and counted (faqbot_log_lines_suppressed_total), and the next
// line of that message that is logged says how many were dropped before it
// ("suppressed": n). The per-question line is never limited: it is one a
// question by design.
const (
	logBurst  = 5
	logWindow = 10 * time.Second
	// logKeys bounds the messages tracked at once (messages are constants
	// in the code: a few dozen).
	logKeys = 1024
)

// unlimitedMsgs are the messages never limited.
var unlimitedMsgs = map[string]bool{"question": true}

// repeatLimiter is the state shared by a limitHandler and the handlers
// derived from it (WithAttrs, WithGroup).
type repeatLimiter struct {
	now        func() time.Time
	mu         sync.Mutex
	keys       map[repeatKey]*repeatState
	suppressed [4]atomic.Int64 // by level: debug, info, warn, error
}

type repeatKey struct {
	level slog.Level
	msg   string
}

type repeatState struct {
	start      time.Time // of the current window
	n          int       // lines logged in it
	suppressed int       // lines dropped since the last one logged
}

func newRepeatLimiter() *repeatLimiter {
	return &repeatLimiter{now: time.Now, keys: map[repeatKey]*repeatState{}}
}

// allow reports whether a line may be logged, and how many of its message
// were dropped since the last one logged.
func (l *repeatLimiter) allow(level slog.Level, msg string) (bool, int) {
	if unlimitedMsgs[msg] {
		return true, 0
	}
	now := l.now()
	k := repeatKey{level, msg}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.keys[k]
	if st == nil {
		if len(l.keys) >= logKeys {
			clear(l.keys)
		}
		st = &repeatState{start: now}
		l.keys[k] = st
	}
	if now.Sub(st.start) >= logWindow {
		st.start, st.n = now, 0
	}
	if st.n >= logBurst {
		st.suppressed++
		l.suppressed[levelIndex(level)].Add(1)
		return false, 0
	}
	st.n++
	dropped := st.suppressed
	st.suppressed = 0
	return true, dropped
}

// Suppressed returns how many lines of a level were dropped since start.
func (l *repeatLimiter) Suppressed(level slog.Level) int64 {
	return l.suppressed[levelIndex(level)].Load()
}

func levelIndex(level slog.Level) int {
	switch {
	case level < slog.LevelInfo:
		return 0
	case level < slog.LevelWarn:
		return 1
	case level < slog.LevelError:
		return 2
	}
	return 3
}

// limitHandler drops a message's lines beyond logBurst per logWindow.
type limitHandler struct {
	slog.Handler
	lim *repeatLimiter
}

func (h limitHandler) Handle(ctx context.Context, r slog.Record) error {
	ok, dropped := h.lim.allow(r.Level, r.Message)
	if !ok {
		return nil
	}
	if dropped > 0 {
		r = r.Clone()
		r.AddAttrs(slog.Int("suppressed", dropped))
	}
	return h.Handler.Handle(ctx, r)
}

func (h limitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return limitHandler{h.Handler.WithAttrs(as), h.lim}
}

func (h limitHandler) WithGroup(name string) slog.Handler {
	return limitHandler{h.Handler.WithGroup(name), h.lim}
}
