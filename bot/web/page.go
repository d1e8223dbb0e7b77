package web

import (
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"net/http"
	"strings"
)

// pageHTML is the web chat page: one file, no build step, no CDN.
//
//go:embed index.html
var pageHTML []byte

// pageCSP allows only the page's own inline script and style (by hash) and
// requests to this server, so injected markup could run nothing.
var pageCSP = "default-src 'none'; script-src " + inlineHash("script") + "; style-src " + inlineHash("style") +
	"; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// inlineHash is the CSP source for the first inline <tag> of the page.
func inlineHash(tag string) string {
	page := string(pageHTML)
	open := strings.Index(page, "<"+tag+">")
	end := strings.Index(page, "</"+tag+">")
	if open < 0 || end < open {
		return "'none'"
	}
	sum := sha256.Sum256([]byte(page[open+len(tag)+2 : end]))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// Page serves the browser chat page on GET / (and /index.html); it talks to
// the Relay's /api/ask, /api/feedback and /api/article.
func Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" && r.URL.Path != "/index.html" {
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		w.Write(pageHTML)
	})
}
