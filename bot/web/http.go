package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"faqbot/bot"
)

// handlerFunc is one relay route. It either writes its reply and returns
// nil, or writes nothing and returns the error; serve turns it into a reply.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// httpError is a request refused with code and the client-facing msg; err,
// if any, is the cause, logged but never sent.
type httpError struct {
	code int
	msg  string
	err  error
}

func (e *httpError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *httpError) Unwrap() error { return e.err }

// fail refuses a request with code and {"error": msg}.
func fail(code int, msg string) error { return &httpError{code: code, msg: msg} }

// serve runs h and turns its error into the status, the JSON error body and
// one log line. Any error that is not an *httpError is a 500 "internal
// error" whose cause is logged, not sent.
func serve(log *slog.Logger, w http.ResponseWriter, r *http.Request, h handlerFunc) {
	err := h(w, r)
	if err == nil {
		return
	}
	var he *httpError
	if !errors.As(err, &he) {
		he = &httpError{code: http.StatusInternalServerError, msg: "internal error", err: err}
	}
	level, what := slog.LevelInfo, "relay: refused"
	if he.code == http.StatusTooManyRequests {
		level = slog.LevelDebug // counted in the metrics; a flood must not flood the log
	}
	if he.code >= 500 {
		level, what = slog.LevelError, "relay: failed"
	}
	if he.code == http.StatusServiceUnavailable {
		level = slog.LevelWarn // the store is saturated, not broken; counted by the store
	}
	attrs := []slog.Attr{slog.String("path", r.URL.Path), slog.Int("status", he.code), slog.String("error", he.msg)}
	if he.err != nil {
		attrs = append(attrs, slog.Any("err", he.err))
	}
	log.LogAttrs(r.Context(), level, what, attrs...)
	writeJSON(w, he.code, map[string]string{"error": he.msg})
}

// jsonBufs are writeJSON's buffers, reused across replies.
var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON sends v as a JSON reply: never cached, never sniffed as HTML.
// A *bot.Answer is encoded by appendAnswer, anything else by encoding/json.
// The reply is encoded first, so it goes out with its Content-Length in
// one write (not chunked, as net/http sends a body over 2 kB of unknown
// length).
func writeJSON(w http.ResponseWriter, code int, v any) {
	buf := jsonBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // an outsized reply is not kept
			buf.Reset()
			jsonBufs.Put(buf)
		}
	}()
	var err error
	if a, ok := v.(*bot.Answer); ok { // every answer: the same bytes, faster
		buf.Write(append(appendAnswer(buf.AvailableBuffer(), a), '\n'))
	} else {
		err = json.NewEncoder(buf).Encode(v)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if err == nil {
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
	}
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}
