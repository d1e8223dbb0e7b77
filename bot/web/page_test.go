package web

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestPage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(Page())
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/", 200},
		{"GET", "/index.html", 200},
		{"HEAD", "/", 200},
		{"GET", "/missing", 404},
		{"GET", "/../etc/passwd", 404},
		{"POST", "/", 405},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.code)
		}
	}

	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	page := string(data)
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}

	// The CSP names the page's inline script and style by hash: nothing
	// else can run, and the page itself still does.
	csp := resp.Header.Get("Content-Security-Policy")
	for _, tag := range []string{"script", "style"} {
		m := regexp.MustCompile(`(?s)<` + tag + `>(.*?)</` + tag + `>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no inline <%s>", tag)
		}
		sum := sha256.Sum256([]byte(m[1]))
		if want := tag + "-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for _, d := range []string{"default-src 'none'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, d) {
			t.Errorf("CSP lacks %q", d)
		}
	}

	// No CDN, no external resources, no HTML built from data.
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`).FindString(page); m != "" {
		t.Errorf("external resource: %s", m)
	}
	if strings.Contains(page, "innerHTML") || strings.Contains(page, "<script src") {
		t.Error("page builds HTML from strings or loads scripts")
	}

	// What the page must offer, and accessibility basics.
	for _, want := range []string{
		`<html lang="zh-CN">`, `<label for="q"`, `id="q"`, `type="submit"`, `aria-live="polite"`, `role="alert"`,
		`"/api/ask"`, `"/api/feedback"`, `/api/article`, `"👍"`, `"👎"`, `aria-label`, `aria-pressed`,
		`a.disclaimer`, `a.alternatives`, `a.region`, `a.updated`, `a.title`, `a.snippet`, `id="lang"`,
		`<meta name="viewport"`, `:focus-visible`,
		`a.reason === "unsure"`, // an unsure reply's suggestions as buttons (deploy/webtest clicks one)
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}
