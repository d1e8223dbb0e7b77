package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBuffer gathers log lines and writes them together: `serve` logs a
// line per question, and a write(2) per line cost the server about a tenth
// of a cached answer's CPU. Lines are written when logFlushDelay has passed
// since the first unwritten one, when logBufferSize is reached, at Flush,
// and at once for warnings and errors (bufferedHandler), so a problem is
// never held back. A crash loses at most logFlushDelay of info lines.
type logBuffer struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	pending bool // a flush is scheduled
	err     error
}

const (
	logFlushDelay = 100 * time.Millisecond
	logBufferSize = 32 << 10
)

func newLogBuffer(w io.Writer) *logBuffer { return &logBuffer{w: w} }

// Write keeps p (one log line: slog writes each line in one call).
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	switch {
	case len(b.buf) >= logBufferSize:
		b.flushLocked()
	case !b.pending:
		b.pending = true
		time.AfterFunc(logFlushDelay, func() { b.Flush() })
	}
	return len(p), nil
}

// Flush writes what is kept and returns the first write error seen.
func (b *logBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *logBuffer) flushLocked() {
	b.pending = false
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err
	}
	b.buf = b.buf[:0]
}

// bufferedHandler is h writing to buf, flushing after every record at
// slog.LevelWarn or above.
type bufferedHandler struct {
	slog.Handler
	buf *logBuffer
}

func (h bufferedHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h bufferedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return bufferedHandler{h.Handler.WithAttrs(as), h.buf}
}

func (h bufferedHandler) WithGroup(name string) slog.Handler {
	return bufferedHandler{h.Handler.WithGroup(name), h.buf}
}
