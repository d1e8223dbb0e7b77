package wechat

import (
	"errors"
	"net/http"
)

// httpError is a request the handler does not answer: code and msg go to
// WeChat, err (if any) only to the log. A 5xx is the server's fault: its
// msg names what failed in the log, and WeChat gets "internal error".
type httpError struct {
	code int
	msg  string
	err  error
}

func (e *httpError) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}

func (e *httpError) Unwrap() error { return e.err }

// reject is a request refused with code and a short reason; err is logged.
func reject(code int, msg string, err error) error {
	return &httpError{code: code, msg: msg, err: err}
}

// fail turns a step's error into the response and one log line: a
// rejection is logged at Info with its status and reason, a server failure
// at Error and counted as a reply not sent.
func (w *Server) fail(rw http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		he = &httpError{code: http.StatusInternalServerError, msg: "internal error", err: err}
	}
	if he.code >= 500 {
		w.cfg.Metrics.SendError(channel)
		w.log.ErrorContext(r.Context(), "wechat: "+he.msg, "err", he.err)
		http.Error(rw, "internal error", he.code)
		return
	}
	attrs := []any{"status", he.code, "reason", he.msg}
	if he.err != nil {
		attrs = append(attrs, "err", he.err)
	}
	w.log.InfoContext(r.Context(), "wechat: rejected", attrs...)
	http.Error(rw, he.msg, he.code)
}
