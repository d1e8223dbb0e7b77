package web

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"faqbot/bot"
	"faqbot/index/zh"
)

// pageHTML is the web chat page: one template, no build step, no CDN.
//
//go:embed index.html
var pageHTML string

var pageTmpl = template.Must(template.New("index.html").Parse(pageHTML))

// pageCSP allows only the page's own inline script and style (by hash) and
// requests to this server, so injected markup could run nothing.
var pageCSP = func() string {
	// The hashes are of the served text: html/template drops comments
	// from scripts and stylesheets, and the template holds no action
	// inside them, so every rendering has the same script and style.
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, struct{ Landings []landing }{}); err != nil {
		panic(err)
	}
	page := buf.String()
	return "default-src 'none'; script-src " + inlineHash(page, "script") + "; style-src " + inlineHash(page, "style") +
		"; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// inlineHash is the CSP source for the first inline <tag> of page.
func inlineHash(page, tag string) string {
	open := strings.Index(page, "<"+tag+">")
	end := strings.Index(page, "</"+tag+">")
	if open < 0 || end < open {
		return "'none'"
	}
	sum := sha256.Sum256([]byte(page[open+len(tag)+2 : end]))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// landing is what the page shows before the first question, in one
// variant of the UI (zh, zt for Traditional, en): the topics of the
// knowledge base with their questions, a few example questions, and where
// to ask a person.
type landing struct {
	Variant, Lang               string
	Shown                       bool
	TopicsLabel, ExamplesLabel  string
	Topics                      []landingTopic
	Examples                    []string
	HandoffBefore, HandoffAfter string
}

type landingTopic struct {
	Key, Name string
	Titles    []string
}

// landingExamples is how many example questions the landing offers.
const landingExamples = 4

var landingText = map[string][4]string{
	"zh": {"按主题浏览", "试试这样问", "找人工：拨打全国医保服务热线 ", "，或到当地医保局（医疗保障局）的服务窗口咨询。"},
	"zt": {"按主題瀏覽", "試試這樣問", "找人工：撥打全國醫保服務熱線 ", "，或到當地醫保局（醫療保障局）的服務窗口諮詢。"},
	"en": {"Browse by topic", "Try asking", "To ask a person: call the national medical insurance hotline ", ", or visit your local medical insurance bureau (医保局)."},
}

func landings(a bot.Asker, r *http.Request) []landing {
	shown := "zh"
	if al := strings.ToLower(r.Header.Get("Accept-Language")); al != "" && !strings.HasPrefix(al, "zh") && strings.HasPrefix(al, "en") {
		shown = "en"
	} else if strings.HasPrefix(al, "zh-tw") || strings.HasPrefix(al, "zh-hk") || strings.HasPrefix(al, "zh-mo") || strings.HasPrefix(al, "zh-hant") {
		shown = "zt"
	}
	var out []landing
	for _, v := range []struct{ variant, lang, kb string }{{"zh", "zh-CN", "zh"}, {"zt", "zh-TW", "zh"}, {"en", "en", "en"}} {
		conv := func(s string) string { return s }
		if v.variant == "zt" {
			conv = zh.ToTraditional
		}
		txt := landingText[v.variant]
		l := landing{Variant: v.variant, Lang: v.lang, Shown: v.variant == shown, TopicsLabel: txt[0], ExamplesLabel: txt[1],
			HandoffBefore: txt[2], HandoffAfter: txt[3]}
		if a != nil {
			for _, t := range a.Topics(v.kb) {
				lt := landingTopic{Key: t.Key, Name: conv(t.Name)}
				for _, art := range t.Articles {
					lt.Titles = append(lt.Titles, conv(art.Title))
				}
				l.Topics = append(l.Topics, lt)
			}
			for _, art := range a.Examples(v.kb, landingExamples) {
				l.Examples = append(l.Examples, conv(art.Title))
			}
		}
		out = append(out, l)
	}
	return out
}

// Page serves the browser chat page on GET / (and /index.html); it talks to
// the Relay's /api/ask, /api/feedback and /api/article. Its landing lists
// a's topics and example questions (a nil a: none) and the 12393 hotline.
func Page(a bot.Asker) http.Handler {
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
		var buf bytes.Buffer
		if err := pageTmpl.Execute(&buf, struct{ Landings []landing }{landings(a, r)}); err != nil {
			slog.Error("web: page", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		h.Set("Vary", "Accept-Language")
		w.Write(buf.Bytes())
	})
}
