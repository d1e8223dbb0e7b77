package bot

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"faqbot/kb"
	"faqbot/kb/state"
)

// Admin serves the operator routes POST /admin/reindex and GET /admin/stats,
// guarded by a bearer token. With no token configured every request is
// refused: an operator API must never be open by default.
type Admin struct {
	Token     string
	Reindexer *Reindexer
	// Report reads the curator's report from the state store.
	Report func(since time.Time) (state.Report, error)
	Log    *slog.Logger
}

// ReindexHandler is POST /admin/reindex.
func (a *Admin) ReindexHandler() http.Handler {
	return a.guard(http.MethodPost, func(w http.ResponseWriter, r *http.Request) {
		rep, err := a.Reindexer.Run(r.Context())
		resp := map[string]any{"ok": err == nil, "report": rep.String(), "added": rep.Added, "removed": rep.Removed, "changed": rep.Changed}
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
	})
}

// StatsHandler is GET /admin/stats?since=7d.
func (a *Admin) StatsHandler() http.Handler {
	return a.guard(http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
		since := 7 * 24 * time.Hour
		if s := r.URL.Query().Get("since"); s != "" {
			d, err := ParseDuration(s)
			if err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
			since = d
		}
		rep, err := a.Report(time.Now().Add(-since))
		if err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, rep)
	})
}

func (a *Admin) guard(method string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		if a.Token == "" {
			writeError(w, http.StatusForbidden, "admin routes are off: set FAQBOT_ADMIN_TOKEN")
			return
		}
		got := r.Header.Get("Authorization")
		want := "Bearer " + a.Token
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			a.Log.Warn("admin: bad token", "path", r.URL.Path, "remote", r.RemoteAddr)
			writeError(w, http.StatusUnauthorized, "bad or missing bearer token")
			return
		}
		h(w, r)
	})
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
