package ops

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"faqbot/bot"
	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
	"faqbot/kb/state"
	"faqbot/kb/state/postgres"
	"faqbot/kb/state/postgres/pgtest"

	"gopkg.in/yaml.v3"
)

const testToken = "console-test-token-0123456789"

// consoleFixture is a console over a real index and a bbolt store that
// the engine has journaled questions into.
type consoleFixture struct {
	srv    *httptest.Server
	engine *bot.Engine
	store  *state.Store
	unsure string // a question the engine is unsure of, asked three times
	answer bot.Answer
}

var (
	liveOnce sync.Once
	liveIx   *index.Live
	liveErr  error
)

func testLive(t *testing.T) *index.Live {
	t.Helper()
	liveOnce.Do(func() {
		k, err := kb.Load(content.FS)
		if err != nil {
			liveErr = err
			return
		}
		ix, err := index.Build(context.Background(), k, "")
		if err != nil {
			liveErr = err
			return
		}
		liveIx = index.NewLive(ix)
	})
	if liveErr != nil {
		t.Fatal(liveErr)
	}
	return liveIx
}

func newConsole(t *testing.T, st kb.Store) (*Admin, *httptest.Server) {
	t.Helper()
	f, _ := content.FS.Open("regression.tsv")
	cases, err := kb.ParseLabelled(f)
	if err != nil {
		t.Fatal(err)
	}
	a := &Admin{Token: testToken, Log: slog.New(slog.DiscardHandler),
		Service: &Service{Reports: st, Reindexer: &Reindexer{Live: testLive(t), Regression: cases[:60]}}}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return a, srv
}

// fillStore asks questions through an engine journaling into st: an
// unsure one three times (two spellings), an answered one, a follow-up,
// a greeting, and a vote. It returns the unsure question and the answer.
func fillStore(t *testing.T, st kb.Store) (string, bot.Answer) {
	t.Helper()
	ctx := context.Background()
	e := bot.NewEngine(testLive(t), bot.DefaultOptions, bot.Deps{Journal: st, HashUser: st.HashUser, Memory: bot.NewMemory()})
	unsure := ""
	for _, q := range []string{"打胰岛素医保能报销吗", "Is insulin covered by Chinese medical insurance?", "医保能报销做近视手术吗", "种植牙医保报销多少"} {
		a, err := e.Ask(ctx, bot.Question{Text: q, Channel: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Reason == bot.ReasonUnsure {
			unsure = q
			break
		}
	}
	if unsure == "" {
		t.Fatal("the engine is unsure of none of the candidate questions")
	}
	for _, q := range []string{unsure + "？", unsure} {
		if _, err := e.Ask(ctx, bot.Question{Text: q, Channel: "web"}); err != nil {
			t.Fatal(err)
		}
	}
	a, err := e.Ask(ctx, bot.Question{Text: "医保卡丢了怎么办", Channel: "telegram", User: "u1"})
	if err != nil || !a.Answered {
		t.Fatalf("answer %+v, %v", a, err)
	}
	e.Ask(ctx, bot.Question{Text: "补办要多久?", Channel: "telegram", User: "u1"})
	e.Ask(ctx, bot.Question{Text: "你好", Channel: "wechat"})
	if err := st.RecordVote(kb.Vote{UserHash: "u1", Article: a.ID, Lang: "zh", Channel: "telegram", Up: true, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.FlushLog(); err != nil {
		t.Fatal(err)
	}
	return unsure, a
}

func openBolt(t *testing.T) *state.Store {
	t.Helper()
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// client is a browser: it keeps cookies and does not follow redirects.
func client(t *testing.T) *http.Client {
	t.Helper()
	jar := newJar()
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, c *http.Client, u string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs c in through the form and returns the session's CSRF token.
func signIn(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	resp, page := get(t, c, base+"/admin/login")
	if resp.StatusCode == http.StatusOK {
		m := csrfField.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("sign-in form has no CSRF field:\n%s", page)
		}
		resp, body := post(t, c, base+"/admin/login", url.Values{"csrf": {m[1]}, "token": {testToken}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/" {
			t.Fatalf("sign in: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
	}
	_, page = get(t, c, base+"/admin/")
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("overview has no CSRF field:\n%s", page)
	}
	return m[1]
}

// TestConsoleNeedsToken: without the token, no page shows console data;
// with no token configured the console is off.
func TestConsoleNeedsToken(t *testing.T) {
	st := openBolt(t)
	unsure, _ := fillStore(t, st)
	_, srv := newConsole(t, st)
	c := client(t)
	for _, p := range []string{"/admin/", "/admin/questions", "/admin/articles", "/admin/try?q=" + url.QueryEscape(unsure), "/admin/stats", "/admin/nope"} {
		resp, body := get(t, c, srv.URL+p)
		if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without a token: %d", p, resp.StatusCode)
		}
		if strings.Contains(body, unsure) || strings.Contains(body, "<svg") || strings.Contains(body, "lost-card") {
			t.Errorf("%s without a token shows console data:\n%s", p, body)
		}
		resp, body = get(t, c, srv.URL+p, "Authorization", "Bearer wrong")
		if resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, unsure) {
			t.Errorf("%s with a wrong token: %d", p, resp.StatusCode)
		}
	}
	// A cookie someone made up is no session.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.AAAA"})
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("forged cookie: %d", resp.StatusCode)
	}
	off := httptest.NewServer((&Admin{Log: slog.New(slog.DiscardHandler), Service: &Service{Reports: st}}).Handler())
	defer off.Close()
	for _, p := range []string{"/admin/", "/admin/login"} {
		resp, body := get(t, c, off.URL+p, "Authorization", "Bearer ")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "FAQBOT_ADMIN_TOKEN") {
			t.Errorf("%s with no token configured: %d\n%s", p, resp.StatusCode, body)
		}
	}
}

// TestConsolePages: with the token (bearer or session) the four pages
// answer 200 HTML with what a curator came for.
func TestConsolePages(t *testing.T) { checkPages(t, openBolt(t)) }

// TestConsolePostgres: the same pages on the PostgreSQL state store.
func TestConsolePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	srv, err := pgtest.Start()
	if errors.Is(err, pgtest.ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	st, err := postgres.Open(context.Background(), pgtest.Fresh(t, srv.URL("postgres")), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	checkPages(t, st)
}

func checkPages(t *testing.T, st kb.Store) {
	unsure, answer := fillStore(t, st)
	_, srv := newConsole(t, st)
	bearer := []string{"Authorization", "Bearer " + testToken}
	c := client(t)
	pages := map[string]string{}
	for _, p := range []string{"/admin/", "/admin/questions", "/admin/articles", "/admin/try?q=" + url.QueryEscape("医保卡丢了怎么办")} {
		resp, body := get(t, c, srv.URL+p, bearer...)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s\n%s", p, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("%s: CSP %q", p, csp)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "https://") {
			t.Errorf("%s has a script or loads something from elsewhere", p)
		}
		style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
		sum := sha256.Sum256([]byte(style[1]))
		if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
			t.Errorf("%s: the CSP does not allow the page's stylesheet", p)
		}
		pages[strings.SplitN(p, "?", 2)[0]] = body
	}
	if n := strings.Count(pages["/admin/"], "<svg"); n < 4 {
		t.Errorf("overview has %d inline SVG charts", n)
	}
	for _, want := range []string{"Questions by outcome", "Latency p50 and p99", "Follow-up share", "declined: greeting", "telegram", "answered"} {
		if !strings.Contains(pages["/admin/"], want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	// The unsure question asked three times (two spellings) is one cluster.
	q := pages["/admin/questions"]
	if !strings.Contains(q, unsure) || !regexp.MustCompile(`<h3>3× `+regexp.QuoteMeta(unsure)).MatchString(q) {
		t.Errorf("questions page lacks the unsure question asked three times (%q):\n%s", unsure, q)
	}
	if strings.Contains(q, "你好") {
		t.Error("questions page lists a greeting")
	}
	// The answered article, with the question that reached it and its vote.
	arts := pages["/admin/articles"]
	row := regexp.MustCompile(`(?s)<tr id="a-` + answer.ID + `">.*?</tr>`).FindString(arts)
	if row == "" || !strings.Contains(row, "医保卡丢了怎么办") || !strings.Contains(row, `data-label="up">1</td>`) {
		t.Errorf("articles page row of %s:\n%s", answer.ID, row)
	}
	if !strings.Contains(arts, "never hit") {
		t.Error("articles page does not flag articles never hit")
	}
	// The hit test of a covered question names its article and the features.
	try := pages["/admin/try"]
	for _, want := range []string{answer.ID, "answered", "coverage", "near_uncovered", "threshold", "The model on the regression set", "60 questions"} {
		if !strings.Contains(try, want) {
			t.Errorf("hit test lacks %q", want)
		}
	}
	// With a previous question, the context reading is shown.
	_, ctxPage := get(t, c, srv.URL+"/admin/try?q="+url.QueryEscape("补办要多久?")+"&after="+url.QueryEscape("医保卡丢了怎么办"), bearer...)
	if !strings.Contains(ctxPage, "context changes it") {
		t.Errorf("hit test of a follow-up does not say context changes it")
	}
	// The console's tables are the report of `faqbot stats`.
	rep, _ := (&Service{Reports: st}).ReportSince(time.Now().Add(-14*24*time.Hour), 0)
	if !strings.Contains(pages["/admin/"], "questions<b>"+itoa(rep.Questions)+"</b>") || rep.Totals == nil || rep.Totals.Asked != rep.Questions {
		t.Errorf("overview does not show the report's %d questions (totals %+v)", rep.Questions, rep.Totals)
	}
	// `faqbot stats` prints the same totals.
	text := FormatReport(rep)
	if !strings.Contains(text, "follow-ups 1 (") || !strings.Contains(text, "greeting 1") || !strings.Contains(text, "latency p50") {
		t.Errorf("stats text lacks the totals:\n%s", text)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestConsoleSession: signing in sets a session cookie with the right
// attributes; the session opens the pages; forms refuse a missing or
// wrong CSRF token and another origin; signing out ends the session.
func TestConsoleSession(t *testing.T) {
	st := openBolt(t)
	fillStore(t, st)
	_, srv := newConsole(t, st)
	c := client(t)

	// A wrong token is refused, and the token never appears in a URL.
	_, page := get(t, c, srv.URL+"/admin/login")
	if !strings.Contains(page, `method="post"`) || !strings.Contains(page, `type="password"`) {
		t.Fatalf("sign-in form:\n%s", page)
	}
	loginCSRF := csrfField.FindStringSubmatch(page)[1]
	resp, _ := post(t, c, srv.URL+"/admin/login", url.Values{"csrf": {loginCSRF}, "token": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", resp.StatusCode)
	}
	resp, _ = post(t, c, srv.URL+"/admin/login", url.Values{"token": {testToken}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without the form's CSRF token: %d", resp.StatusCode)
	}

	// Sign in: the cookie's attributes.
	_, page = get(t, c, srv.URL+"/admin/login")
	loginCSRF = csrfField.FindStringSubmatch(page)[1]
	resp, _ = post(t, c, srv.URL+"/admin/login", url.Values{"csrf": {loginCSRF}, "token": {testToken}})
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sess = ck
		}
	}
	if sess == nil {
		t.Fatalf("no session cookie: %v", resp.Header["Set-Cookie"])
	}
	if !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/admin/" || sess.MaxAge <= 0 || sess.MaxAge > int(SessionTTL.Seconds()) || sess.Expires.IsZero() {
		t.Errorf("session cookie: %+v", sess)
	}
	if sess.Secure {
		t.Error("session cookie Secure over plain HTTP (the browser would drop it)")
	}
	if strings.Contains(sess.Value, testToken) || strings.Contains(resp.Header.Get("Location"), testToken) {
		t.Error("the token is in the cookie or the redirect")
	}
	// Over TLS (here: behind a proxy that says so) the cookie is Secure.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	tr, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	tr.Body.Close()
	if cs := tr.Cookies(); len(cs) == 0 || !cs[0].Secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode {
		t.Errorf("cookies over TLS: %v", tr.Header["Set-Cookie"])
	}

	csrf := signIn(t, c, srv.URL)
	for _, p := range []string{"/admin/", "/admin/questions", "/admin/articles", "/admin/try"} {
		if resp, _ := get(t, c, srv.URL+p); resp.StatusCode != http.StatusOK {
			t.Errorf("%s with the session: %d", p, resp.StatusCode)
		}
	}
	// CSRF: a form post without the token, with a wrong one, or from
	// another origin is refused, and the session survives it.
	for name, form := range map[string]url.Values{"no token": {}, "wrong token": {"csrf": {"x" + csrf}}} {
		resp, _ := post(t, c, srv.URL+"/admin/reindex", form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("reindex, %s: %d", name, resp.StatusCode)
		}
		resp, _ = post(t, c, srv.URL+"/admin/logout", form)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign out, %s: %d", name, resp.StatusCode)
		}
	}
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/admin/logout", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign out from another origin: %v %v", resp.StatusCode, err)
	}
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/admin/logout", strings.NewReader(url.Values{"csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign out from another site: %v %v", resp.StatusCode, err)
	}
	if resp, _ := get(t, c, srv.URL+"/admin/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("session lost after refused forms: %d", resp.StatusCode)
	}
	// Sign out with the token: the session no longer opens a page.
	resp, _ = post(t, c, srv.URL+"/admin/logout", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", resp.StatusCode)
	}
	c.Jar.SetCookies(mustURL(srv.URL+"/admin/"), []*http.Cookie{sess})
	if resp, _ := get(t, c, srv.URL+"/admin/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a signed-out session still opens the overview: %d", resp.StatusCode)
	}
}

// TestConsoleSessionExpires: a session cookie past its expiry is no
// session, even if the browser sends it.
func TestConsoleSessionExpires(t *testing.T) {
	now := time.Now()
	a := &Admin{Token: testToken, Now: func() time.Time { return now }}
	value, _ := a.newSession()
	r := httptest.NewRequest(http.MethodGet, "/admin/", nil)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
	if a.authenticate(r) != authSession {
		t.Fatal("fresh session refused")
	}
	now = now.Add(SessionTTL + time.Second)
	if a.authenticate(r) != authNone {
		t.Error("expired session accepted")
	}
	now = now.Add(-SessionTTL)
	other := &Admin{Token: "another token", Now: a.Now}
	if other.authenticate(r) != authNone {
		t.Error("a session signed under another token accepted")
	}
}

// TestTimelineMatchesReport: the overview's timeline counts what the report
// of the same period counts.
func TestTimelineMatchesReport(t *testing.T) {
	st := openBolt(t)
	fillStore(t, st)
	since := time.Now().Add(-7 * 24 * time.Hour)
	tl, err := BuildTimeline(st, st, since, time.Now().Add(time.Minute), false)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := (&Service{Reports: st}).ReportSince(since, 0)
	if err != nil {
		t.Fatal(err)
	}
	answered := 0
	for _, o := range rep.ByChannel {
		answered += o.Answered
	}
	if tl.Total.Asked != rep.Questions || tl.Total.Answered != answered || tl.Total.Up != 1 || tl.Total.FollowUps != 1 {
		t.Errorf("timeline total %+v, report %d questions %d answered", tl.Total, rep.Questions, answered)
	}
	if len(tl.Buckets) < 7 || tl.Total.P99 <= 0 || tl.Total.Declined[bot.ReasonGreeting] != 1 {
		t.Errorf("timeline: %d buckets, total %+v", len(tl.Buckets), tl.Total)
	}
	sum := 0
	for _, b := range tl.Buckets {
		sum += b.Asked
	}
	if sum != tl.Total.Asked {
		t.Errorf("buckets sum to %d, total %d", sum, tl.Total.Asked)
	}
}

// TestConsoleReindex: the overview's reindex button (a form with the CSRF
// token) runs the reindex and shows its report as a page.
func TestConsoleReindex(t *testing.T) {
	st := openBolt(t)
	a, srv := newConsole(t, st)
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Build(context.Background(), k, "")
	if err != nil {
		t.Fatal(err)
	}
	live := index.NewLive(ix)
	t.Cleanup(func() { live.Close() })
	a.Service.Reindexer = &Reindexer{Live: live, Regression: a.Service.Reindexer.Regression[:10],
		Load:  func() (*kb.KB, error) { return kb.Load(content.FS) },
		Build: func(ctx context.Context, k *kb.KB) (*index.Index, error) { return index.Build(ctx, k, "") }}
	c := client(t)
	csrf := signIn(t, c, srv.URL)
	if !strings.Contains(get2(t, c, srv.URL+"/admin/"), `action="/admin/reindex"`) {
		t.Fatal("the overview has no reindex form")
	}
	resp, body := post(t, c, srv.URL+"/admin/reindex", url.Values{"csrf": {csrf}})
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "switched to the new index") || !strings.Contains(body, "self-check") {
		t.Errorf("reindex from the console: %d\n%s", resp.StatusCode, body)
	}
	if live.Current() == ix {
		t.Error("the live index was not switched")
	}
}

func get2(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	_, body := get(t, c, u)
	return body
}

// TestProposalLinesParse: the proposed front-matter lines are YAML that
// reads back as the article's questions plus the new ones, whatever they
// hold.
func TestProposalLinesParse(t *testing.T) {
	for _, q := range []string{"医保卡丢了咋办", "What: lost card?", "#1 lost card", "- dash", "yes", "'quoted'"} {
		var back []string
		if err := yaml.Unmarshal([]byte("- "+yamlScalar(q)+"   # new\n"), &back); err != nil || len(back) != 1 || back[0] != q {
			t.Errorf("%q -> %q -> %q, %v", q, yamlScalar(q), back, err)
		}
	}
	st := openBolt(t)
	fillStore(t, st)
	rep, err := (&Service{Reports: st}).ReportSince(time.Now().Add(-time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	live := testLive(t)
	cs, err := ClusterQuestions(context.Background(), bot.NewEngine(live, bot.DefaultOptions, bot.Deps{}), live, append(rep.Unsure,
		kb.Group{Key: "x", Count: 1, Examples: []string{"医保卡丢了: 还能去医院看病吗? 出租车上丢的"}, Last: time.Now()}))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cs {
		for _, p := range c.Proposals {
			n++
			var fm struct{ Questions []string }
			if err := yaml.Unmarshal([]byte(p.Lines), &fm); err != nil {
				t.Fatalf("%s: %v\n%s", p.File, err, p.Lines)
			}
			art, _ := live.KB().Article(c.Lang, p.ID)
			if len(fm.Questions) <= len(art.Questions) || !strings.HasPrefix(p.File, "content/"+c.Lang+"/") {
				t.Errorf("%s: %q", p.File, fm.Questions)
			}
		}
	}
	if n == 0 {
		t.Error("no proposal to check")
	}
}

// TestConstantEqual: the token compare is exact whatever the lengths (it
// compares digests, so a length mismatch takes the same path).
func TestConstantEqual(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"s3cret", "s3cret", true}, {"s3cre", "s3cret", false}, {"s3cretX", "s3cret", false}, {"", "", false}, {"S3cret", "s3cret", false}} {
		if got := constantEqual(tc.a, tc.b); got != tc.want {
			t.Errorf("constantEqual(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
