package ops

import (
	"encoding/json"
	"errors"
	"faqbot/bot/httperr"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"faqbot/kb"
)

// Admin serves the operator routes POST /admin/reindex and GET /admin/stats
// and the curator console (console.go), guarded by the admin token: a bearer
// header, or the console's session cookie. With no token configured every
// request is refused: an operator API must never be open by default.
type Admin struct {
	Token   string
	Service *Service
	Log     *slog.Logger
	// Now is the clock (nil: time.Now), for tests.
	Now func() time.Time

	out     signOuts
	fail    failures
	engines engines
	model   modelCurve
}

// Handler routes /admin/reindex, /admin/stats and the console's pages.
func (a *Admin) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/admin/reindex", a.guard(http.MethodPost, a.reindex))
	mux.Handle("/admin/stats", a.guard(http.MethodGet, a.stats))
	a.console(mux)
	return mux
}

func (a *Admin) reindex(w http.ResponseWriter, r *http.Request) error {
	if a.Service == nil || a.Service.Reindexer == nil || a.Service.Reindexer.Load == nil || a.Service.Reindexer.Build == nil {
		return httperr.New(http.StatusServiceUnavailable, "this server cannot reindex", nil)
	}
	rep, err := a.Service.Reindex(r.Context())
	if a.authenticate(r) == authSession { // the console's form: a page, not JSON
		return a.reindexPage(w, r, rep, err)
	}
	// content_hash (kb.KB.Hash of what now serves) lets `faqbot reindex
	// -content DIR -server URL` check that the server serves DIR.
	resp := map[string]any{"ok": err == nil, "report": rep.String(), "added": rep.Added, "removed": rep.Removed, "changed": rep.Changed,
		"content_hash": rep.ContentHash, "content": rep.Source}
	status := http.StatusOK
	var cerr kb.Errors
	switch {
	case err == nil:
		a.Log.Info("reindex", "docs", rep.Docs, "build", rep.BuildTime)
	case errors.Is(err, ErrReindexRunning):
		status = http.StatusConflict
	case errors.As(err, &cerr), errors.Is(err, ErrSelfCheck):
		status = http.StatusUnprocessableEntity
	default:
		status = http.StatusInternalServerError
	}
	if err != nil {
		resp["error"] = err.Error()
		a.Log.Warn("reindex refused", "err", err)
	}
	writeJSON(w, status, resp)
	return nil
}

func (a *Admin) stats(w http.ResponseWriter, r *http.Request) error {
	since := DefaultReportPeriod
	if s := r.URL.Query().Get("since"); s != "" {
		d, err := ParseDuration(s)
		if err != nil {
			return httperr.New(http.StatusBadRequest, err.Error(), nil)
		}
		since = d
	}
	rep, err := a.Service.Report(since)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// guard checks the method and the bearer token, runs h and turns its error
// into a status: the one place admin errors become responses.
func (a *Admin) guard(method string, h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := a.check(method, r)
		if err == nil {
			err = h(w, r)
		}
		if err == nil {
			return
		}
		he := httperr.From(err)
		if he.Code >= 500 && he.Err != nil {
			a.Log.Error("admin", "path", r.URL.Path, "err", err)
		}
		if he.Code == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", method)
		}
		writeJSON(w, he.Code, map[string]string{"error": he.Msg})
	})
}

func (a *Admin) check(method string, r *http.Request) error {
	if r.Method != method {
		return httperr.New(http.StatusMethodNotAllowed, "method not allowed", nil)
	}
	if a.Token == "" {
		return httperr.New(http.StatusForbidden, "admin routes are off: set FAQBOT_ADMIN_TOKEN", nil)
	}
	switch a.authenticate(r) {
	case authBearer:
		return nil
	case authSession:
		// A browser's cookie rides along on any request to this site:
		// a state-changing one must carry the console form's CSRF token.
		if method != http.MethodGet && !a.checkCSRF(r) {
			a.Log.Warn("admin: CSRF check failed", "path", r.URL.Path, "remote", r.RemoteAddr)
			return httperr.New(http.StatusForbidden, "CSRF check failed: use the console's form", nil)
		}
		return nil
	}
	a.Log.Warn("admin: bad token", "path", r.URL.Path, "remote", r.RemoteAddr)
	return httperr.New(http.StatusUnauthorized, "bad or missing bearer token", nil)
}

// writeJSON sends v as an admin reply: never cached, never sniffed as HTML.
func writeJSON(w http.ResponseWriter, code int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// ParseDuration accepts Go durations ("36h") plus days ("7d", "90d"), as
// operators write retention and report periods.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("bad duration %q: want e.g. 7d or 36h", s)
		}
		return time.Duration(days * float64(24*time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("bad duration %q: want e.g. 7d or 36h", s)
	}
	return d, nil
}
