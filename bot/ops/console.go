package ops

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"faqbot/bot"
	"faqbot/kb"
)

// The curator console: server-rendered pages under /admin/ (overview,
// questions, articles, hit test), readable without JavaScript, with charts
// as inline SVG. It reads the state store through the same report code as
// `faqbot stats` (Service.Report) plus the query log and the votes
// (QueryLog, VoteLog), so it works on every state backend.

//go:embed console
var consoleFS embed.FS

var (
	consolePages = map[string]*template.Template{}
	consoleCSP   string
)

func init() {
	funcs := template.FuncMap{
		"pct":  func(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) },
		"f2":   func(f float64) string { return fmt.Sprintf("%.2f", f) },
		"f3":   func(f float64) string { return fmt.Sprintf("%.3f", f) },
		"ms":   func(d time.Duration) string { return millis(float64(d) / float64(time.Millisecond)) },
		"msf":  millis,
		"date": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") },
		"day":  func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"share": func(n, of int) string {
			if of == 0 {
				return "–"
			}
			return fmt.Sprintf("%.0f%%", 100*float64(n)/float64(of))
		},
		"inc": func(i int) int { return i + 1 },
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(consoleFS, "console/layout.html"))
	pages, _ := fs.Glob(consoleFS, "console/*.html")
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "console/"), ".html")
		if name == "layout" {
			continue
		}
		consolePages[name] = template.Must(template.Must(layout.Clone()).ParseFS(consoleFS, p))
	}
	// The one inline stylesheet is allowed by its hash; nothing else runs.
	// The hash is of the served text (html/template drops CSS comments).
	var buf bytes.Buffer
	if err := consolePages["message"].ExecuteTemplate(&buf, "layout.html", &pageData{}); err != nil {
		panic(err)
	}
	page := buf.String()
	open, end := strings.Index(page, "<style>"), strings.Index(page, "</style>")
	sum := sha256.Sum256([]byte(page[open+len("<style>") : end]))
	consoleCSP = "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

// engines are the console's own engines over the live index: no journal,
// no metrics, so trying a question records nothing.
type engines struct {
	once      sync.Once
	plain     *bot.Engine
	remembers *bot.Engine // with a memory, for the context reading
}

func (a *Admin) searcher() bot.Searcher {
	if a.Service == nil || a.Service.Reindexer == nil || a.Service.Reindexer.Live == nil {
		return nil
	}
	return a.Service.Reindexer.Live
}

func (a *Admin) engine() (*bot.Engine, *bot.Engine) {
	src := a.searcher()
	if src == nil {
		return nil, nil
	}
	a.engines.once.Do(func() {
		a.engines.plain = bot.NewEngine(src, bot.DefaultOptions, bot.Deps{})
		a.engines.remembers = bot.NewEngine(src, bot.DefaultOptions, bot.Deps{Memory: &tryMemory{}})
	})
	return a.engines.plain, a.engines.remembers
}

// console mounts the console's pages on mux.
func (a *Admin) console(mux *http.ServeMux) {
	mux.HandleFunc("/admin/login", a.login)
	mux.HandleFunc("/admin/logout", a.logout)
	mux.Handle("/admin/{$}", a.page("overview", a.overview))
	mux.Handle("/admin/questions", a.page("questions", a.questions))
	mux.Handle("/admin/articles", a.page("articles", a.articles))
	mux.Handle("/admin/try", a.page("try", a.try))
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case a.authenticate(r) != authNone:
			http.NotFound(w, r)
		case r.Header.Get("Authorization") != "":
			a.render(w, http.StatusUnauthorized, "message", &pageData{Title: "Not signed in", Error: "Bad bearer token."})
		default:
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
		}
	})
}

// pageData is what every console page gets.
type pageData struct {
	Title, Page string
	CSRF        string
	Session     bool // signed in with the cookie: offer to sign out
	Period      period
	Error       string
	Body        any
}

// period is the span a page reports on, from ?days= and ?by=.
type period struct {
	Days  int
	Week  bool
	Since time.Time
	Until time.Time
}

var periodDays = []int{1, 7, 14, 30, 90, 365}

// Choices are the period form's options.
func (p period) Choices() []int { return periodDays }

func (a *Admin) period(r *http.Request, def int) period {
	p := period{Days: def, Until: a.now()}
	if n, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil && n > 0 && n <= 3660 {
		p.Days = n
	}
	p.Week = r.URL.Query().Get("by") == "week" || r.URL.Query().Get("by") == "" && p.Days > 60
	p.Since = p.Until.Add(-time.Duration(p.Days) * 24 * time.Hour)
	return p
}

// page wraps a console page: GET only, the token required (a browser
// without a session goes to the sign-in page), errors shown as a page.
func (a *Admin) page(name string, fill func(r *http.Request, d *pageData) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			a.render(w, http.StatusMethodNotAllowed, "message", &pageData{Title: "Method not allowed", Error: "This page only shows; use its forms."})
			return
		}
		if a.Token == "" {
			a.render(w, http.StatusForbidden, "message", &pageData{Title: "Console off", Error: "The console is off: set FAQBOT_ADMIN_TOKEN on the server."})
			return
		}
		how := a.authenticate(r)
		if how == authNone {
			if r.Header.Get("Authorization") != "" {
				a.Log.Warn("admin: bad token", "path", r.URL.Path, "remote", r.RemoteAddr)
				a.render(w, http.StatusUnauthorized, "message", &pageData{Title: "Not signed in", Error: "Bad bearer token."})
				return
			}
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		d := &pageData{Page: name, Period: a.period(r, 14)}
		if s, ok := a.readSession(r); ok && how == authSession {
			d.Session, d.CSRF = true, a.csrfToken(s)
		}
		if err := fill(r, d); err != nil {
			a.Log.Error("console", "path", r.URL.Path, "err", err)
			a.render(w, http.StatusInternalServerError, "message", &pageData{Title: "Error", Page: name, Session: d.Session, CSRF: d.CSRF,
				Error: "The page could not be made; the server log says why."})
			return
		}
		a.render(w, http.StatusOK, name, d)
	})
}

// render writes a console page with its headers: never cached, framed or
// sniffed, and no script allowed.
func (a *Admin) render(w http.ResponseWriter, code int, name string, d *pageData) {
	var buf bytes.Buffer
	if err := consolePages[name].ExecuteTemplate(&buf, "layout.html", d); err != nil {
		a.Log.Error("console: template", "page", name, "err", err)
		code = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("internal error\n")
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// login shows the sign-in form (GET) and checks the token typed into it
// (POST): a session cookie on success.
func (a *Admin) login(w http.ResponseWriter, r *http.Request) {
	if a.Token == "" {
		a.render(w, http.StatusForbidden, "message", &pageData{Title: "Console off", Error: "The console is off: set FAQBOT_ADMIN_TOKEN on the server."})
		return
	}
	d := &pageData{Title: "Sign in", Page: "login"}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if a.authenticate(r) == authSession {
			http.Redirect(w, r, "/admin/", http.StatusSeeOther)
			return
		}
		d.CSRF = a.loginToken(w, r)
		a.render(w, http.StatusOK, "login", d)
	case http.MethodPost:
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		code := http.StatusOK
		switch {
		case !a.checkLoginCSRF(r):
			code, d.Error = http.StatusForbidden, "The form expired or came from another site: sign in again."
		case a.tooManyFailures():
			code, d.Error = http.StatusTooManyRequests, "Too many wrong tokens: wait a minute."
		case !constantEqual(r.PostFormValue("token"), a.Token):
			a.failed()
			a.Log.Warn("admin: console sign-in with a wrong token", "remote", r.RemoteAddr)
			code, d.Error = http.StatusUnauthorized, "That is not the admin token."
		default:
			value, s := a.newSession()
			a.setCookie(w, r, sessionCookie, value, s.expires)
			a.setCookie(w, r, loginCookie, "", time.Time{})
			a.Log.Info("admin: console sign-in", "remote", r.RemoteAddr)
			http.Redirect(w, r, "/admin/", http.StatusSeeOther)
			return
		}
		d.CSRF = a.loginToken(w, r)
		a.render(w, code, "login", d)
	default:
		w.Header().Set("Allow", "GET, POST")
		a.render(w, http.StatusMethodNotAllowed, "message", &pageData{Title: "Method not allowed"})
	}
}

// logout ends the session (POST with the CSRF token).
func (a *Admin) logout(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		a.render(w, http.StatusMethodNotAllowed, "message", &pageData{Title: "Method not allowed"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	s, ok := a.readSession(r)
	if !ok || !a.checkCSRF(r) {
		a.render(w, http.StatusForbidden, "message", &pageData{Title: "Refused", Error: "CSRF check failed: use the console's form."})
		return
	}
	a.revoke(s)
	a.setCookie(w, r, sessionCookie, "", time.Time{})
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

// constantEqual compares a secret in time that depends on neither value:
// it compares SHA-256 digests, so not even the secret's length leaks (a
// plain ConstantTimeCompare returns at once on a length mismatch).
func constantEqual(a, b string) bool {
	da, db := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return a != "" && subtle.ConstantTimeCompare(da[:], db[:]) == 1
}

// reindexPage shows the outcome of a reindex asked from the console.
func (a *Admin) reindexPage(w http.ResponseWriter, r *http.Request, rep ReindexReport, err error) error {
	d := &pageData{Title: "Reindex", Page: "overview", Body: rep.String()}
	if s, ok := a.readSession(r); ok {
		d.Session, d.CSRF = true, a.csrfToken(s)
	}
	code := http.StatusOK
	if err != nil {
		d.Error = err.Error()
		code = http.StatusUnprocessableEntity
		if errors.Is(err, ErrReindexRunning) {
			code = http.StatusConflict
		}
		a.Log.Warn("reindex refused", "err", err)
	} else {
		a.Log.Info("reindex", "docs", rep.Docs, "build", rep.BuildTime, "from", "console")
	}
	a.render(w, code, "reindex", d)
	return nil
}

// fullReport is the report of p with every group (the console pages list
// them all): Service.Report's code, as `faqbot stats` uses.
func (a *Admin) fullReport(p period) (Report, error) {
	return a.Service.ReportSince(p.Since, 0)
}

// overviewData is the overview page.
type overviewData struct {
	Report   Report
	Timeline Timeline
	Charts   []template.HTML
	Channels []outcomeRow
	Langs    []outcomeRow
}

type outcomeRow struct {
	Key string
	kb.Outcome
}

func (a *Admin) overview(r *http.Request, d *pageData) error {
	d.Title = "Overview"
	rep, err := a.fullReport(d.Period)
	if err != nil {
		return err
	}
	ql, _ := a.Service.Reports.(QueryLog)
	vl, _ := a.Service.Reports.(VoteLog)
	od := overviewData{Report: rep}
	if ql != nil {
		if od.Timeline, err = BuildTimeline(ql, vl, d.Period.Since, d.Period.Until, d.Period.Week); err != nil {
			return err
		}
	}
	od.Charts = overviewCharts(od.Timeline)
	od.Channels, od.Langs = outcomeRows(rep.ByChannel), outcomeRows(rep.ByLang)
	d.Body = od
	return nil
}

func outcomeRows(m map[string]kb.Outcome) []outcomeRow {
	var out []outcomeRow
	for _, k := range sortedKeys(keysOf(m)) {
		out = append(out, outcomeRow{k, m[k]})
	}
	return out
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// overviewCharts draws the timeline.
func overviewCharts(tl Timeline) []template.HTML {
	n := len(tl.Buckets)
	labels := make([]string, n)
	for i, b := range tl.Buckets {
		labels[i] = b.Start.Format("01-02")
	}
	row := func(name string, color int, f func(b Bucket) float64) series {
		s := series{Name: name, Values: make([]float64, n), Color: color}
		for i, b := range tl.Buckets {
			s.Values[i] = f(b)
		}
		return s
	}
	outcome := []series{
		row("answered", 0, func(b Bucket) float64 { return float64(b.Answered) }),
		row("unsure", 1, func(b Bucket) float64 { return float64(b.Unsure) }),
	}
	for i, r := range tl.Reasons {
		outcome = append(outcome, row("declined: "+r, []int{2, 3, 4, 6, 7}[i%5], func(b Bucket) float64 { return float64(b.Declined[r]) }))
	}
	var channels, langs []series
	for i, c := range tl.Channels {
		channels = append(channels, row(c, i, func(b Bucket) float64 { return float64(b.Channels[c]) }))
	}
	for i, l := range tl.Langs {
		langs = append(langs, row(l, i+5, func(b Bucket) float64 { return float64(b.Langs[l]) }))
	}
	unit := "day"
	if tl.Week {
		unit = "week"
	}
	return []template.HTML{
		chart("outcome", "Questions by outcome, per "+unit, stackedBars, labels, outcome, count),
		chart("channel", "Questions by channel, per "+unit, stackedBars, labels, channels, count),
		chart("lang", "Questions by language, per "+unit, stackedBars, labels, langs, count),
		chart("votes", "Votes, per "+unit, stackedBars, labels, []series{
			row("helpful (up)", 0, func(b Bucket) float64 { return float64(b.Up) }),
			row("not helpful (down)", 2, func(b Bucket) float64 { return float64(b.Down) }),
		}, count),
		chart("followup", "Follow-up share (questions read with the previous one), per "+unit, lines, labels, []series{
			row("follow-ups", 5, func(b Bucket) float64 { return b.FollowUpShare() }),
		}, percent),
		chart("latency", "Latency p50 and p99, per "+unit, lines, labels, []series{
			row("p50", 5, func(b Bucket) float64 { return float64(b.P50) / float64(time.Millisecond) }),
			row("p99", 6, func(b Bucket) float64 { return float64(b.P99) / float64(time.Millisecond) }),
		}, millis),
	}
}

// questionsData is the questions page.
type questionsData struct {
	Unsure, Unanswered, NewArticles []Cluster
	LowConfidence                   []LowAnswer
	Searching                       bool
}

func (a *Admin) questions(r *http.Request, d *pageData) error {
	d.Title = "Questions"
	rep, err := a.fullReport(d.Period)
	if err != nil {
		return err
	}
	qd := questionsData{LowConfidence: rep.LowConfidence}
	if src := a.searcher(); src != nil {
		qd.Searching = true
		e, _ := a.engine()
		if qd.Unsure, err = ClusterQuestions(r.Context(), e, src, rep.Unsure); err != nil {
			return err
		}
		if qd.Unanswered, err = ClusterQuestions(r.Context(), e, src, rep.Unanswered); err != nil {
			return err
		}
		for _, c := range append(append([]Cluster(nil), qd.Unsure...), qd.Unanswered...) {
			if c.NewArticle {
				qd.NewArticles = append(qd.NewArticles, c)
			}
		}
		sortClusters(qd.NewArticles)
	}
	d.Body = qd
	return nil
}

func sortClusters(cs []Cluster) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].Count > cs[j-1].Count; j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// articlesData is the articles page.
type articlesData struct {
	Articles          []ArticleHealth
	Show              string
	Total, Never, Old int
}

func (a *Admin) articles(r *http.Request, d *pageData) error {
	d.Title = "Articles"
	src := a.searcher()
	if src == nil {
		return errors.New("console: no index to list the articles of")
	}
	rep, err := a.fullReport(d.Period)
	if err != nil {
		return err
	}
	ql, _ := a.Service.Reports.(QueryLog)
	all, err := ArticlesHealth(src.Current().KB(), rep.Report, ql, d.Period.Since, a.now())
	if err != nil {
		return err
	}
	ad := articlesData{Show: r.URL.Query().Get("show"), Total: len(all)}
	for _, h := range all {
		if h.NeverHit {
			ad.Never++
		}
		if h.Stale {
			ad.Old++
		}
		if ad.Show == "never" && !h.NeverHit || ad.Show == "stale" && !h.Stale {
			continue
		}
		ad.Articles = append(ad.Articles, h)
	}
	d.Body = ad
	return nil
}

// tryData is the hit-test page.
type tryData struct {
	Q, Lang, After string
	Result         *HitTest
	ContextTTL     string
	// Curve is the model's risk-coverage curve on the regression set
	// (CurveN questions), drawn as Chart.
	Curve     []RiskPoint
	CurveN    int
	Chart     template.HTML
	Threshold float64
}

var langParam = regexp.MustCompile(`^(zh|en)?$`)

func (a *Admin) try(r *http.Request, d *pageData) error {
	d.Title = "Hit test"
	q := r.URL.Query()
	td := tryData{Q: q.Get("q"), Lang: q.Get("lang"), After: q.Get("after"), ContextTTL: fmt.Sprintf("%.0f minutes", bot.DefaultContextTTL.Minutes())}
	if !langParam.MatchString(td.Lang) {
		td.Lang = ""
	}
	d.Body = &td
	var err error
	if td.Curve, td.CurveN, err = a.curve(r.Context()); err != nil {
		return err
	}
	td.Threshold = bot.ModelThreshold()
	if len(td.Curve) > 0 {
		td.Chart = riskChart(td.Curve, td.Threshold)
	}
	if strings.TrimSpace(td.Q) == "" {
		return nil
	}
	e, mem := a.engine()
	if e == nil {
		return errors.New("console: no index to try questions on")
	}
	ht, err := Try(r.Context(), e, mem, a.searcher(), td.Q, td.Lang, strings.TrimSpace(td.After))
	if err != nil {
		return err
	}
	td.Result = &ht
	return nil
}

// Link is the URL of a console page with the period's parameters.
func (p period) Link(path string) string {
	v := url.Values{}
	v.Set("days", strconv.Itoa(p.Days))
	if p.Week {
		v.Set("by", "week")
	} else {
		v.Set("by", "day")
	}
	return path + "?" + v.Encode()
}
