package web

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"faqbot/bot/bottest"
	"faqbot/index/zh"
)

func TestPage(t *testing.T) {
	t.Parallel()
	asker := bottest.NewAsker(t)
	srv := httptest.NewServer(Page(asker))
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
		`"/api/ask"`, `"/api/feedback"`, `/api/article`, `"helpful"`, `"unhelpful"`, `aria-pressed`, `createElementNS`,
		`a.disclaimer`, `a.alternatives`, `a.region`, `a.updated`, `a.title`, `a.snippet`, `id="lang"`,
		`<meta name="viewport"`, `:focus-visible`,
		`a.reason === "unsure"`,                     // an unsure reply's suggestions as buttons (deploy/webtest clicks one)
		`scrollIntoView`,                            // each new answer scrolls into view
		`"disclaimer"`, `el("details"`, `discShort`, // the disclaimer: one short line, the full text on demand
		`T.zt`, `a.traditional`, // a Traditional question gets Traditional labels
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// The landing: topic buttons and example questions from the knowledge
	// base, in Simplified, Traditional and English, and where to ask a
	// person (12393, the local 医保局).
	for _, want := range []string{"12393", "医保局", `href="tel:12393"`, `data-variant="zt"`, `data-variant="en"`} {
		if !strings.Contains(page, want) {
			t.Errorf("landing lacks %q", want)
		}
	}
	for _, lang := range []string{"zh", "en"} {
		for _, tp := range asker.Topics(lang) {
			if !strings.Contains(page, `class="topic" aria-expanded="false" aria-controls="topic-`+lang+`-`+tp.Key+`">`+tp.Name+`</button>`) {
				t.Errorf("landing lacks the topic button %s/%s", lang, tp.Name)
			}
		}
		for _, ex := range asker.Examples(lang, landingExamples) {
			if !strings.Contains(page, `<button type="button" class="ask">`+template.HTMLEscapeString(ex.Title)+`</button>`) {
				t.Errorf("landing lacks the example %q", ex.Title)
			}
		}
	}
	if !strings.Contains(page, zh.ToTraditional(asker.Topics("zh")[0].Name)) {
		t.Error("landing has no Traditional topics")
	}
	// No emoji: a machine without an emoji font would show empty boxes.
	for _, r := range page {
		if r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF {
			t.Errorf("page has an emoji or pictograph %q", r)
			break
		}
	}
	// The font stack ends in a generic family and names CJK families.
	if !regexp.MustCompile(`font: 16px/1.6 system-ui, [^;]*"Noto Sans CJK SC"[^;]*, sans-serif;`).MatchString(page) {
		t.Error("no font stack that degrades to sans-serif")
	}
}

// TestPageLandingLanguage: the landing shown without script follows
// Accept-Language (Traditional for zh-TW, English for en).
func TestPageLandingLanguage(t *testing.T) {
	t.Parallel()
	h := Page(bottest.NewAsker(t))
	for accept, want := range map[string]string{"": "zh", "zh-CN,zh;q=0.9": "zh", "zh-TW": "zt", "en-US,en;q=0.9": "en"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Language", accept)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		shown := regexp.MustCompile(`<div class="landing" data-variant="(\w+)" lang="[^"]+">`).FindAllStringSubmatch(w.Body.String(), -1)
		if len(shown) != 1 || shown[0][1] != want {
			t.Errorf("Accept-Language %q: shown %v, want %s", accept, shown, want)
		}
	}
}
