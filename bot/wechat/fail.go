package wechat

import (
	"faqbot/bot/httperr"
	"net/http"
)

// reject is a request refused with code and a short reason; err is logged.
func reject(code int, msg string, err error) error {
	return httperr.New(code, msg, err)
}

// fail turns a step's error into the response and one log line: a
// rejection is logged at Info with its status and reason, a server failure
// at Error and counted as a reply not sent.
func (w *Server) fail(rw http.ResponseWriter, r *http.Request, err error) {
	he := httperr.From(err)
	if he.Code >= 500 {
		w.cfg.Metrics.SendError(channel)
		w.log.ErrorContext(r.Context(), "wechat: "+he.Msg, "err", he.Err)
		http.Error(rw, "internal error", he.Code)
		return
	}
	attrs := []any{"status", he.Code, "reason", he.Msg}
	if he.Err != nil {
		attrs = append(attrs, "err", he.Err)
	}
	w.log.InfoContext(r.Context(), "wechat: rejected", attrs...)
	http.Error(rw, he.Msg, he.Code)
}
