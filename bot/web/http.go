package web

import (
	"bytes"
	"encoding/json"
	"faqbot/bot/httperr"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"faqbot/bot"
)

// handlerFunc is one relay route. It either writes its reply and returns
// nil, or writes nothing and returns the error; serve turns it into a reply.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// fail refuses a request with code and {"error": msg}.
func fail(code int, msg string) error { return httperr.New(code, msg, nil) }

// serve runs h and turns its error into the status, the JSON error body and
// one log line. Any error that is not an *httperr.Error is a 500 "internal
// error" whose cause is logged, not sent.
func serve(log *slog.Logger, w http.ResponseWriter, r *http.Request, h handlerFunc) {
	err := h(w, r)
	if err == nil {
		return
	}
	he := httperr.From(err)
	level, what := slog.LevelInfo, "relay: refused"
	if he.Code == http.StatusTooManyRequests {
		level = slog.LevelDebug // counted in the metrics; a flood must not flood the log
	}
	if he.Code >= 500 {
		level, what = slog.LevelError, "relay: failed"
	}
	if he.Code == http.StatusServiceUnavailable {
		level = slog.LevelWarn // the store is saturated, not broken; counted by the store
	}
	attrs := []slog.Attr{slog.String("path", r.URL.Path), slog.Int("status", he.Code), slog.String("error", he.Msg)}
	if he.Err != nil {
		attrs = append(attrs, slog.Any("err", he.Err))
	}
	log.LogAttrs(r.Context(), level, what, attrs...)
	writeJSON(w, he.Code, map[string]string{"error": he.Msg})
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
