package wechat

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"faqbot/bot"
	"faqbot/bot/bottest"
	"faqbot/kb"
)

// testNow is the injected clock of the tests.
var testNow = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

const testToken = "faqbot-test-token"

// testAsker is bottest's fake engine, counting Ask calls; with gate set,
// Ask waits for the gate to close first (an answer slower than the budget).
type testAsker struct {
	*bottest.Asker
	mu   sync.Mutex
	n    int
	gate chan struct{}
	fail string // "error" or "panic": how the next Ask fails
	// script answers these questions with fixed real articles: the first
	// id answers, the others are the runners-up. Reply goldens use it so
	// they test the adapter, not the engine's choice of runners-up
	// (TestAnswers checks replies to the engine's own answers).
	script map[string][]string
	// canned answers these questions with a fixed Answer: a reply golden
	// for an answer the fake engine does not give (a medical question).
	canned map[string]bot.Answer
}

// newTestAsker is the fake engine; it also answers the free-form questions
// the tests ask, as the real engine does.
func newTestAsker(t testing.TB) *testAsker {
	f := bottest.NewAsker(t)
	for q, id := range map[string]string{
		"医保卡丢了怎么办":                               "lost-card",
		"异地就医怎么备案":                               "remote-filing",
		"家庭共济怎么绑定":                               "family-bind",
		"How do I file for remote medical care?": "remote-filing",
	} {
		f.Extra[q] = id
	}
	return &testAsker{Asker: f}
}

func (c *testAsker) Ask(ctx context.Context, q bot.Question) (bot.Answer, error) {
	c.mu.Lock()
	c.n++
	gate, fail := c.gate, c.fail
	c.fail = ""
	c.mu.Unlock()
	switch fail {
	case "error":
		return bot.Answer{}, errors.New("index unavailable")
	case "panic":
		panic("engine bug")
	}
	if a, ok := c.canned[q.Text]; ok {
		return a, nil
	}
	if ids, ok := c.script[q.Text]; ok {
		lang := cmp.Or(q.Lang, "zh")
		if strings.IndexFunc(q.Text, func(r rune) bool { return r >= 0x4e00 }) < 0 {
			lang = cmp.Or(q.Lang, "en")
		}
		art, _ := c.Article(lang, ids[0])
		a := bot.ArticleAnswer(art, c.Disclaimer(lang))
		a.Question = q.Text
		for _, id := range ids[1:] {
			alt, _ := c.Article(lang, id)
			a.Alternatives = append(a.Alternatives, bot.Alternative{ID: alt.ID, Title: alt.Title, Score: 0.5})
		}
		return a, nil
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return bot.Answer{}, ctx.Err()
		}
	}
	return c.Asker.Ask(ctx, q)
}

func (c *testAsker) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// countMetrics counts SendError calls by channel.
type countMetrics struct {
	mu sync.Mutex
	n  map[string]int
}

func (m *countMetrics) SendError(channel string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n == nil {
		m.n = map[string]int{}
	}
	m.n[channel]++
}

func (m *countMetrics) get(channel string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n[channel]
}

// detReader is a deterministic stand-in for crypto/rand in golden tests.
type detReader struct{ n byte }

func (d *detReader) Read(p []byte) (int, error) {
	for i := range p {
		d.n++
		p[i] = 'a' + d.n%26
	}
	return len(p), nil
}

type testEnv struct {
	t   testing.TB
	w   *Server
	srv *httptest.Server
	st  *bottest.State
	eng *testAsker
	cfg Config

	nonces atomic.Int64 // fresh nonce per signed request, as WeChat sends
}

// newEnv serves a real handler with the fake engine and an in-memory
// state on loopback. Zero cfg fields get test defaults.
func newEnv(t testing.TB, cfg Config) *testEnv {
	t.Helper()
	return newEnvWith(t, cfg, bottest.NewState(), newTestAsker(t))
}

func newEnvWith(t testing.TB, cfg Config, st *bottest.State, eng *testAsker) *testEnv {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = testToken
	}
	w, err := New(cfg, eng, st)
	if err != nil {
		t.Fatal(err)
	}
	w.now = func() time.Time { return testNow }
	w.rand = &detReader{}
	srv := httptest.NewServer(w)
	t.Cleanup(func() { srv.Close(); w.Wait() })
	return &testEnv{t: t, w: w, srv: srv, st: st, eng: eng, cfg: cfg}
}

// do sends a request and returns the status and body.
func (e *testEnv) do(method, query, body string) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+"/wechat?"+query, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// signedQuery is a plain-mode query signed with the env's token at the
// injected clock, with a fresh nonce (WeChat signs every push anew).
func (e *testEnv) signedQuery() string {
	return e.signedQueryNonce(strconv.FormatInt(424242+e.nonces.Add(1), 10))
}

// signedQueryNonce is a plain-mode query with the given nonce.
func (e *testEnv) signedQueryNonce(nonce string) string {
	ts := strconv.FormatInt(testNow.Unix(), 10)
	return url.Values{"signature": {signature(e.cfg.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
}

// postPlain sends a plain-mode message.
func (e *testEnv) postPlain(body string) (int, string) {
	e.t.Helper()
	return e.do(http.MethodPost, e.signedQuery(), body)
}

// postSafe encrypts inner as WeChat does in safe mode and sends it.
func (e *testEnv) postSafe(inner string) (int, string) {
	e.t.Helper()
	enc, err := e.w.crypto.encryptRandom(&detReader{}, []byte(inner))
	if err != nil {
		e.t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(testNow.Unix(), 10), "777"
	q := url.Values{"signature": {signature(e.cfg.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce},
		"encrypt_type": {"aes"}, "msg_signature": {signature(e.cfg.Token, ts, nonce, enc)}}
	return e.do(http.MethodPost, q.Encode(), "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA["+enc+"]]></Encrypt></xml>")
}

// passiveReply is a passive reply as WeChat parses it.
type passiveReply struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
	Encrypt      string
	MsgSignature string
	TimeStamp    string
	Nonce        string
}

func parseOut(t testing.TB, body string) passiveReply {
	t.Helper()
	var o passiveReply
	if err := xml.Unmarshal([]byte(body), &o); err != nil {
		t.Fatalf("reply is not valid XML: %v\n%s", err, body)
	}
	return o
}

// openSafe checks a safe-mode reply's signature and decrypts it.
func (e *testEnv) openSafe(body string) (passiveReply, string) {
	e.t.Helper()
	env := parseOut(e.t, body)
	if env.Encrypt == "" || env.MsgSignature == "" || env.TimeStamp == "" || env.Nonce == "" {
		e.t.Fatalf("not an encrypted envelope: %s", body)
	}
	if !signatureOK(env.MsgSignature, e.cfg.Token, env.TimeStamp, env.Nonce, env.Encrypt) {
		e.t.Fatalf("reply msg_signature does not verify: %s", body)
	}
	inner, err := e.w.crypto.open(env.Encrypt)
	if err != nil {
		e.t.Fatalf("reply does not decrypt: %v", err)
	}
	return parseOut(e.t, string(inner)), string(inner)
}

// journaled is how many questions reached the engine (which journals
// each one).
func (e *testEnv) journaled() int { return len(e.eng.Asked()) }

// textXML is an incoming plain text message.
func textXML(from, content string, msgID int) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>",
		from, testNow.Unix(), content, msgID)
}

// otherXML is an incoming message of another type, with extra elements.
func otherXML(from, msgType, extra string, msgID int) string {
	id := ""
	if msgID > 0 {
		id = fmt.Sprintf("<MsgId>%d</MsgId>", msgID)
	}
	return fmt.Sprintf("<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[%s]]></MsgType>%s%s</xml>", from, testNow.Unix(), msgType, extra, id)
}

// checkReply asserts what every text reply must be.
func checkReply(t testing.TB, content string) {
	t.Helper()
	if len(content) >= 2048 {
		t.Errorf("reply is %d bytes, want < 2048", len(content))
	}
	if !utf8.ValidString(content) {
		t.Error("reply is not valid UTF-8")
	}
	for _, m := range []string{"**", "](", "<b>", "<a ", "</", "## ", "`"} {
		if strings.Contains(content, m) {
			t.Errorf("reply contains markup %q:\n%s", m, content)
		}
	}
}

func TestNewConfig(t *testing.T) {
	t.Parallel()
	st := bottest.NewState()
	eng := bottest.NewAsker(t)
	defaults := DefaultConfig()
	defaults.Token = "t"
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"plain only", Config{Token: "t"}, true},
		{"defaults", defaults, true},
		{"safe", Config{Token: "t", AESKey: vecAKey, AppID: vecAAppID}, true},
		{"no token", Config{}, false},
		{"key without AppID", Config{Token: "t", AESKey: vecAKey}, false},
		{"short key", Config{Token: "t", AESKey: vecAKey[:40], AppID: "x"}, false},
		{"key with a bad character", Config{Token: "t", AESKey: "*" + vecAKey[1:], AppID: "x"}, false},
		{"negative budget", Config{Token: "t", Budget: -time.Second}, false},
	} {
		_, err := New(tc.cfg, eng, st)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// TestURLCheck uses the plain signature of vector C and the WeCom
// VerifyURL of vector B.
func TestURLCheck(t *testing.T) {
	noAge := newEnv(t, Config{Token: vecCToken})
	withAge := newEnv(t, Config{Token: vecCToken, MaxAge: 5 * time.Minute})
	wecom := newEnv(t, Config{Token: vecBToken, AESKey: vecBKey, AppID: vecBAppID})
	vecC := func(sig, echo string) string {
		return url.Values{"signature": {sig}, "timestamp": {vecCTimestamp}, "nonce": {vecCNonce}, "echostr": {echo}}.Encode()
	}
	fresh := strconv.FormatInt(testNow.Unix(), 10)
	for _, tc := range []struct {
		name   string
		env    *testEnv
		method string
		query  string
		code   int
		body   string
	}{
		{"vector C signature", noAge, "GET", vecC(vecCPlainSig, "5837397520431207818"), 200, "5837397520431207818"},
		{"echostr verbatim", noAge, "GET", vecC(vecCPlainSig, "a b+c/<x>&"), 200, "a b+c/<x>&"},
		{"upper-case signature", noAge, "GET", vecC(strings.ToUpper(vecCPlainSig), "e"), 200, "e"},
		{"wrong signature", noAge, "GET", vecC(vecAPlainSig, "e"), 401, ""},
		{"no signature", noAge, "GET", "echostr=e&timestamp=1&nonce=2", 401, ""},
		{"missing echostr", noAge, "GET", vecC(vecCPlainSig, ""), 400, ""},
		{"2014 timestamp with max age", withAge, "GET", vecC(vecCPlainSig, "e"), 401, ""},
		{"fresh timestamp with max age", withAge, "GET", url.Values{"signature": {signature(vecCToken, fresh, "n")}, "timestamp": {fresh}, "nonce": {"n"}, "echostr": {"ok"}}.Encode(), 200, "ok"},
		{"vector B WeCom VerifyURL", wecom, "GET", url.Values{"msg_signature": {vecBVerifySig}, "timestamp": {vecBVerifyTS}, "nonce": {vecBVerifyNonce}, "echostr": {vecBVerifyEcho}}.Encode(), 200, vecBVerifyPlain},
		{"vector B with a wrong msg_signature", wecom, "GET", url.Values{"msg_signature": {vecBReqSig}, "timestamp": {vecBVerifyTS}, "nonce": {vecBVerifyNonce}, "echostr": {vecBVerifyEcho}}.Encode(), 401, ""},
		{"PUT", noAge, "PUT", vecC(vecCPlainSig, "e"), 405, ""},
	} {
		code, body := tc.env.do(tc.method, tc.query, "")
		if code != tc.code || tc.code == 200 && body != tc.body {
			t.Errorf("%s: %d %q, want %d %q", tc.name, code, body, tc.code, tc.body)
		}
	}
}

// TestVectorC posts vector C (compatible mode, official Python
// sample) end to end: signature and msg_signature verify, the message
// decrypts, the engine answers "abcdteT", and the encrypted reply verifies
// and decrypts.
func TestVectorC(t *testing.T) {
	cfg := Config{Token: vecCToken, AESKey: vecCKey, AppID: vecCAppID}
	env := newEnv(t, cfg)
	code, body := env.do(http.MethodPost, vecCQuery, vecCBody)
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	bottest.Golden(t, "vector-c-envelope.xml", []byte(body))
	out, inner := env.openSafe(body)
	bottest.Golden(t, "vector-c-reply.xml", []byte(inner))
	if out.ToUserName != "oyORnuP8q7ou2gfYjqLzSIWZf0rs" || out.FromUserName != "gh_10f6c3c3ac5a" || out.MsgType != "text" {
		t.Errorf("reply header %+v", out)
	}
	want, err := env.eng.Asker.Ask(context.Background(), bot.Question{Text: "abcdteT"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Content != env.w.render(want) {
		t.Errorf("content\n%s\nwant\n%s", out.Content, env.w.render(want))
	}
	checkReply(t, out.Content)

	// Compatible mode: only the encrypted copy is trusted, not the
	// plaintext fields next to it.
	tampered := strings.Replace(vecCBody, "<Content><![CDATA[abcdteT]]>", "<Content><![CDATA[医保卡丢了怎么办]]>", 1)
	env2 := newEnv(t, cfg)
	_, body2 := env2.do(http.MethodPost, vecCQuery, tampered)
	if out2, _ := env2.openSafe(body2); out2.Content != out.Content {
		t.Errorf("tampered plaintext changed the answer:\n%s", out2.Content)
	}

	// Without an AES key, the compatible-mode body is answered from its
	// plaintext, in plain text.
	noKey := newEnv(t, Config{Token: vecCToken})
	code, body3 := noKey.do(http.MethodPost, vecCQuery, vecCBody)
	if o := parseOut(t, body3); code != 200 || o.Encrypt != "" || o.Content != out.Content {
		t.Errorf("compatible mode without a key: %d %s", code, body3)
	}

	// With the default replay window the 2014 vector is refused.
	cfg.MaxAge = 5 * time.Minute
	old := newEnv(t, cfg)
	if code, _ := old.do(http.MethodPost, vecCQuery, vecCBody); code != 401 {
		t.Errorf("2014 timestamp with max age: %d, want 401", code)
	}
	if old.eng.calls() != 0 {
		t.Error("a refused request was answered")
	}
}

// TestVectorB posts the WeCom sample request of vector B (AES, no
// encrypt_type, msg_signature only).
func TestVectorB(t *testing.T) {
	env := newEnv(t, Config{Token: vecBToken, AESKey: vecBKey, AppID: vecBAppID})
	q := url.Values{"msg_signature": {vecBReqSig}, "timestamp": {vecBReqTS}, "nonce": {vecBReqNonce}}.Encode()
	code, body := env.do(http.MethodPost, q, vecBReqData)
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	out, _ := env.openSafe(body)
	want, _ := env.eng.Asker.Ask(context.Background(), bot.Question{Text: "hello"})
	if out.ToUserName != "mycreate" || out.Content != env.w.render(want) {
		t.Errorf("reply to %q: %q\nwant %q", out.ToUserName, out.Content, env.w.render(want))
	}
}

// TestMessages covers every message type in plain and safe mode;
// replies are compared with golden files. Answered questions are scripted
// to fixed real articles (see testAsker.script), and the medical question
// to the engine's medical reply, which the fake engine does not give.
func TestMessages(t *testing.T) {
	for _, mode := range []string{"plain", "safe"} {
		t.Run(mode, func(t *testing.T) {
			cfg := Config{AESKey: vecAKey, AppID: vecAAppID}
			if mode == "plain" {
				cfg = Config{} // with a key, plaintext pushes are refused
			}
			env := newEnv(t, cfg)
			env.eng.script = map[string][]string{
				"医保卡丢了怎么办":                                                    {"lost-card", "no-physical-card", "card-visit-process"},
				"I lost my medical insurance card, can I still see a doctor?": {"lost-card", "no-physical-card"},
				"异地就医怎么备案":                                                    {"remote-filing", "xuzhou-nanjing-filing", "yancheng-kunshan"},
			}
			env.eng.canned = map[string]bot.Answer{"我发烧了吃什么药": {
				Question: "我发烧了吃什么药", Lang: "zh", Reason: bot.ReasonMedical, Text: env.eng.Reply("zh", bot.ReasonMedical),
				Disclaimer: env.eng.Disclaimer("zh"), Alternatives: []bot.Alternative{},
			}}
			post := env.postPlain
			if mode == "safe" {
				post = env.postSafe
			}
			for i, tc := range []struct {
				name, body string
				silent     bool
			}{
				{"text-zh", textXML("u-text-zh", "医保卡丢了怎么办", 1), false},
				{"text-en", textXML("u-text-en", "I lost my medical insurance card, can I still see a doctor?", 2), false},
				{"text-greeting", textXML("u-greet", "你好", 4), false},
				{"text-medical", textXML("u-med", "我发烧了吃什么药", 5), false},
				{"text-blank", textXML("u-blank", "   ", 6), false},
				{"voice-recognised", otherXML("u-voice", "voice", "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[异地就医怎么备案]]></Recognition>", 7), false},
				{"voice-unrecognised", otherXML("u-voice2", "voice", "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[]]></Recognition>", 8), false},
				{"image", otherXML("u-img", "image", "<PicUrl><![CDATA[http://x/y.jpg]]></PicUrl><MediaId><![CDATA[m]]></MediaId>", 9), false},
				{"video", otherXML("u-video", "video", "<MediaId><![CDATA[m]]></MediaId><ThumbMediaId><![CDATA[t]]></ThumbMediaId>", 10), false},
				{"location", otherXML("u-loc", "location", "<Location_X>23.1</Location_X><Location_Y>113.3</Location_Y><Scale>20</Scale><Label><![CDATA[广州]]></Label>", 11), false},
				{"link", otherXML("u-link", "link", "<Title><![CDATA[t]]></Title><Description><![CDATA[d]]></Description><Url><![CDATA[http://x]]></Url>", 12), false},
				{"unknown-type", otherXML("u-sticker", "sticker", "", 13), false},
				{"subscribe", otherXML("u-sub", "event", "<Event><![CDATA[subscribe]]></Event>", 0), false},
				{"full-article", textXML("u-full", "全文 remote-filing", 14), false},
				{"full-article-page-2", textXML("u-full", "回复 全文 remote-filing 2", 15), false},
				{"full-article-en", textXML("u-full-en", "full lost-card", 16), false},
				{"unsubscribe", otherXML("u-unsub", "event", "<Event><![CDATA[unsubscribe]]></Event>", 0), true},
				{"menu-click", otherXML("u-click", "event", "<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[k]]></EventKey>", 0), false},
				{"menu-view", otherXML("u-view", "event", "<Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[https://x]]></EventKey>", 0), true},
				{"scan", otherXML("u-scan", "event", "<Event><![CDATA[SCAN]]></Event><EventKey><![CDATA[123]]></EventKey><Ticket><![CDATA[t]]></Ticket>", 0), false},
			} {
				code, body := post(tc.body)
				if code != 200 {
					t.Fatalf("%s: status %d: %s", tc.name, code, body)
				}
				if tc.silent {
					if body != "success" {
						t.Errorf("%s: %q, want success", tc.name, body)
					}
					continue
				}
				var out passiveReply
				var plain string
				if mode == "safe" {
					out, plain = env.openSafe(body)
				} else {
					out, plain = parseOut(t, body), body
				}
				if out.MsgType != "text" || out.FromUserName != "gh_test" || !strings.HasPrefix(out.ToUserName, "u-") || out.CreateTime != testNow.Unix() {
					t.Errorf("%s: header %+v", tc.name, out)
				}
				checkReply(t, out.Content)
				bottest.Golden(t, fmt.Sprintf("%02d-%s.xml", i+1, tc.name), []byte(plain))
			}
		})
	}
}

// TestAnswers checks replies against the engine's own answers.
func TestAnswers(t *testing.T) {
	env := newEnv(t, Config{})
	k := bottest.KB(t)
	for i, tc := range []struct {
		question, lang string
	}{
		{"医保卡丢了怎么办", "zh"},
		{"How do I file for remote medical care?", "en"},
		{"異地就醫備案怎麼辦理", "zh"},
		{"家庭共济怎么绑定", "zh"},
	} {
		a, err := env.eng.Asker.Ask(context.Background(), bot.Question{Text: tc.question})
		if err != nil || !a.Answered || a.Lang != tc.lang {
			t.Fatalf("%q: engine %v %+v", tc.question, err, a)
		}
		_, body := env.postPlain(textXML(fmt.Sprintf("u-%d", i), tc.question, 100+i))
		c := parseOut(t, body).Content
		checkReply(t, c)
		if !strings.HasPrefix(c, a.Title+"\n\n") {
			t.Errorf("%q: reply does not start with the title %q:\n%s", tc.question, a.Title, c)
		}
		if !strings.HasSuffix(c, "\n\n"+a.Disclaimer) || a.Disclaimer == "" {
			t.Errorf("%q: reply does not end with the disclaimer", tc.question)
		}
		if a.Traditional && a.Disclaimer == k.Disclaimer("zh") {
			t.Errorf("%q: Traditional answer with a Simplified disclaimer", tc.question)
		}
		if !strings.Contains(c, phrase(a.Lang, "full", a.ID)) {
			t.Errorf("%q: no way to read the full article", tc.question)
		}
		art, _ := env.eng.Article(a.Lang, a.ID)
		if local := localLabel(t, a.Lang); strings.Contains(c, local) != art.Regional() {
			t.Errorf("%q: region %q (regional %v) but reply says %q: %v", tc.question, art.Region, art.Regional(), local, strings.Contains(c, local))
		}
	}
}

// localLabel is the note bot.MetaLine adds to a regional article's region.
func localLabel(t *testing.T, lang string) string {
	t.Helper()
	national := bot.MetaLine(lang, &kb.Article{})
	regional := bot.MetaLine(lang, &kb.Article{Region: "X"})
	i := strings.Index(national, " · ")
	if i < 0 || len(regional) <= len(national)+1 || regional[:i+1] != national[:i]+"X" {
		t.Fatalf("unexpected meta lines %q, %q", national, regional)
	}
	return regional[i+1 : i+1+len(regional)-len(national)-1]
}

// TestLanguage: replies follow the user's language, also for
// messages with no text, and "English" / "中文" switch it.
func TestLanguage(t *testing.T) {
	env := newEnv(t, Config{})
	k := bottest.KB(t)
	content := func(body string) string { _, b := env.postPlain(body); return parseOut(t, b).Content }
	textOnly := func(lang string) string { return env.eng.Reply(lang, bot.ReasonEmpty) }
	greeting, _, _ := strings.Cut(env.eng.Reply("en", bot.ReasonGreeting), "\n\n") // its first paragraph

	if c := content(otherXML("u1", "image", "", 1)); c != textOnly("zh") {
		t.Errorf("first contact: %q, want the Chinese text-only reply", c)
	}
	if c := content(textXML("u1", "How do I file for remote medical care?", 2)); !strings.HasSuffix(c, k.Disclaimer("en")) {
		t.Errorf("English question, reply:\n%s", c)
	}
	if c := content(otherXML("u1", "image", "", 3)); c != textOnly("en") {
		t.Errorf("image after an English question: %q", c)
	}
	if c := content(textXML("u1", "中文", 4)); c != phrase("zh", "lang") {
		t.Errorf("中文: %q", c)
	}
	if c := content(textXML("u1", "How do I file for remote medical care?", 5)); !strings.HasSuffix(c, k.Disclaimer("zh")) {
		t.Errorf("English question after choosing 中文:\n%s", c)
	}
	if c := content(textXML("u2", "English", 6)); c != phrase("en", "lang") {
		t.Errorf("English: %q", c)
	}
	if c := content(otherXML("u2", "event", "<Event>subscribe</Event>", 0)); greeting == "" || !strings.HasPrefix(c, greeting) {
		t.Errorf("welcome after English: %q", c)
	}
}

// TestRetries: a retried message (same MsgId, or for events same
// sender and CreateTime) gets the same reply and is answered and journaled
// once, also concurrently and after a restart.
func TestRetries(t *testing.T) {
	env := newEnv(t, Config{})
	msg := textXML("u-retry", "异地就医怎么备案", 555)
	var first string
	for i := range 3 {
		code, body := env.postPlain(msg)
		if code != 200 {
			t.Fatalf("try %d: %d", i, code)
		}
		if i == 0 {
			first = body
		} else if body != first {
			t.Errorf("retry %d differs:\n%s\nvs\n%s", i, body, first)
		}
	}
	if env.eng.calls() != 1 || env.journaled() != 1 {
		t.Errorf("sequential retries: %d Ask calls, %d journaled, want 1 and 1", env.eng.calls(), env.journaled())
	}

	concurrent := textXML("u-retry2", "医保卡丢了怎么办", 556)
	var wg sync.WaitGroup
	bodies := make([]string, 4)
	for i := range bodies {
		wg.Go(func() { _, bodies[i] = env.postPlain(concurrent) })
	}
	wg.Wait()
	for i := range bodies {
		if bodies[i] != bodies[0] || !strings.Contains(bodies[i], "<Content>") {
			t.Errorf("concurrent retry %d: %s", i, bodies[i])
		}
	}
	if env.eng.calls() != 2 || env.journaled() != 2 {
		t.Errorf("concurrent retries: %d Ask calls, %d journaled, want 2 and 2", env.eng.calls(), env.journaled())
	}

	// After a restart the state still knows the message.
	restarted := newEnvWith(t, Config{}, env.st, env.eng)
	if _, body := restarted.postPlain(msg); body != first {
		t.Errorf("retry after restart:\n%s\nvs\n%s", body, first)
	}
	if env.eng.calls() != 2 {
		t.Errorf("retry after restart asked again: %d calls", env.eng.calls())
	}

	// A new MsgId with the same text is a new question.
	env.postPlain(textXML("u-retry", "异地就医怎么备案", 557))
	if env.eng.calls() != 3 {
		t.Errorf("new MsgId: %d calls, want 3", env.eng.calls())
	}

	// Events: sender + CreateTime.
	sub := otherXML("u-sub", "event", "<Event>subscribe</Event>", 0)
	_, a := env.postPlain(sub)
	env.st.SetUserLang(env.st.HashUser("u-sub"), "en") // would change a second welcome
	_, b := env.postPlain(sub)
	if a != b {
		t.Errorf("retried subscribe event got a different reply:\n%s\n%s", a, b)
	}
	later := strings.Replace(sub, strconv.FormatInt(testNow.Unix(), 10), strconv.FormatInt(testNow.Unix()+60, 10), 1)
	if _, c := env.postPlain(later); c == a {
		t.Error("a later subscribe event was treated as a retry")
	}
}

// TestBudget: an answer slower than the budget gets "success" (no
// timeout); it is still stored, so a retry gets it without asking again.
func TestBudget(t *testing.T) {
	eng := newTestAsker(t)
	eng.gate = make(chan struct{})
	m := &countMetrics{}
	env := newEnvWith(t, Config{Budget: 200 * time.Millisecond, Metrics: m}, bottest.NewState(), eng)
	msg := textXML("u-slow", "医保卡丢了怎么办", 9001)
	start := time.Now()
	code, body := env.postPlain(msg)
	if took := time.Since(start); code != 200 || body != "success" || took > 2*time.Second {
		t.Fatalf("slow answer: %d %q after %v, want 200 success within the budget", code, body, took)
	}
	if n := m.get("wechat"); n != 1 {
		t.Errorf("send errors = %v, want 1", n)
	}
	// A retry while the answer is still running waits for it, then gives up too.
	if _, body := env.postPlain(msg); body != "success" {
		t.Errorf("retry during the slow answer: %q", body)
	}
	close(eng.gate)
	env.w.Wait()
	_, body = env.postPlain(msg)
	if c := parseOut(t, body).Content; !strings.Contains(c, "医保卡") {
		t.Errorf("retry after the answer was ready: %q", c)
	}
	if eng.calls() != 1 {
		t.Errorf("%d Ask calls, want 1", eng.calls())
	}
}

// TestOddText: odd text gets a polite reply, never an error.
func TestOddText(t *testing.T) {
	env := newEnv(t, Config{})
	for i, text := range []string{"🙂🙂🙂", strings.Repeat("医保卡丢了怎么办", 430), "\u200b\ufeff", "<b>医保卡</b> **丢了**", "]]>", "1", "全文", "全文 no-such-article"} {
		code, body := env.postPlain(textXML(fmt.Sprintf("u-odd-%d", i), strings.ReplaceAll(text, "]]>", "]]]]><![CDATA[>"), 3000+i))
		if code != 200 {
			t.Errorf("%.20q: status %d", text, code)
			continue
		}
		c := parseOut(t, body).Content
		checkReply(t, c)
		if c == "" || c == phrase("zh", "busy") {
			t.Errorf("%.20q: reply %q", text, c)
		}
	}
	if c := func() string {
		_, b := env.postPlain(textXML("u-odd-x", "全文", 3100))
		return parseOut(t, b).Content
	}(); c != phrase("zh", "no-article") {
		t.Errorf("全文 without a session: %q", c)
	}
}

// TestEngineFailure: an engine error or panic gets a polite "busy"
// reply that is not cached, so WeChat's retry asks again.
func TestEngineFailure(t *testing.T) {
	for _, fail := range []string{"error", "panic"} {
		env := newEnv(t, Config{})
		env.eng.fail = fail
		msg := textXML("u-fail", "医保卡丢了怎么办", 4242)
		code, body := env.postPlain(msg)
		if c := parseOut(t, body).Content; code != 200 || c != phrase("zh", "busy") {
			t.Errorf("%s: %d %q, want the busy reply", fail, code, c)
		}
		env.w.Wait()
		_, body = env.postPlain(msg)
		if c := parseOut(t, body).Content; !strings.Contains(c, "医保卡") || env.eng.calls() != 2 {
			t.Errorf("%s: retry got %q after %d calls, want a real answer from a second call", fail, c, env.eng.calls())
		}
	}
}

// TestChoices: "回复 1/2/3" and "全文 <id>" use the per-user session.
func TestChoices(t *testing.T) {
	env := newEnv(t, Config{})
	// The curated phrasing whose answer has the most runners-up (the
	// engine decides how many there are).
	q := "医保卡丢了怎么办"
	a, err := env.eng.Asker.Ask(context.Background(), bot.Question{Text: q})
	if err != nil {
		t.Fatal(err)
	}
	for _, art := range bottest.KB(t).Articles("zh") {
		for _, phrasing := range art.Questions {
			got, err := env.eng.Asker.Ask(context.Background(), bot.Question{Text: phrasing})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Alternatives) > len(a.Alternatives) {
				q, a = phrasing, got
			}
		}
	}
	id := 700
	send := func(user, text string) string {
		t.Helper()
		id++
		_, body := env.postPlain(textXML(user, text, id))
		c := parseOut(t, body).Content
		checkReply(t, c)
		return c
	}
	first := send("u-c", q)
	for i, alt := range a.Alternatives {
		if line := phrase("zh", "choice", i+1, alt.Title); !strings.Contains(first, line) {
			t.Errorf("reply lacks %q:\n%s", line, first)
		}
	}
	user := env.st.HashUser("u-c")
	s := env.w.session(user)
	if s == nil || s.ID != a.ID || len(s.Alts) != len(a.Alternatives) {
		t.Fatalf("session after %q = %+v, want id %s and %d runners-up", q, s, a.ID, len(a.Alternatives))
	}
	if len(s.Alts) < 2 {
		// Too few runners-up: offer two real articles as if the engine had.
		t.Logf("%q has %d runners-up; adding real articles to the session", q, len(s.Alts))
		for _, art := range bottest.KB(t).Articles("zh") {
			if len(s.Alts) < 2 && art.ID != a.ID {
				s.Alts = append(s.Alts, bot.Alternative{ID: art.ID, Title: art.Title})
			}
		}
		env.w.saveSession(user, *s)
	}
	alts := s.Alts
	calls := env.eng.calls()
	second := send("u-c", "２") // full-width digit
	if !strings.HasPrefix(second, alts[1].Title+"\n") {
		t.Errorf("choice 2 should show %q:\n%s", alts[1].Title, second)
	}
	if env.eng.calls() != calls+1 {
		t.Errorf("a choice is asked once through the engine: %d calls", env.eng.calls()-calls)
	}
	art, _ := env.eng.Article("zh", alts[1].ID)
	page1, total := renderPage(art, env.eng.Disclaimer("zh"), 1)
	if got := send("u-c", "全文"); got != page1 {
		t.Errorf("全文 after choosing:\n%s\nwant\n%s", got, page1)
	}
	if total > 1 {
		page2, _ := renderPage(art, env.eng.Disclaimer("zh"), 2)
		if got := send("u-c", "全文 2"); got != page2 {
			t.Errorf("全文 2:\n%s\nwant\n%s", got, page2)
		}
	}
	lost, _ := env.eng.Article("zh", "lost-card")
	lostPage, _ := renderPage(lost, env.eng.Disclaimer("zh"), 1)
	if got := send("u-other", "回复“全文 lost-card”"); got != lostPage {
		t.Errorf("全文 lost-card from a new user:\n%s", got)
	}
	if got := send("u-c", "9"); got != phrase("zh", "no-session") {
		t.Errorf("choice 9: %q", got)
	}
	if got := send("u-new", "1"); got != phrase("zh", "no-session") {
		t.Errorf("choice without a session: %q", got)
	}
	before := env.eng.calls()
	send("u-en", "full coverage for surgery?")
	if env.eng.calls() != before+1 {
		t.Error(`"full coverage ..." was not asked as a question`)
	}
}

// TestRenderLength: long answers stay under 2048 bytes, are cut at
// a passage or sentence boundary, keep the disclaimer and the choices.
func TestRenderLength(t *testing.T) {
	t.Parallel()
	k := bottest.KB(t)
	zhSentences := strings.Repeat("参保人在外地住院时，应当先办理异地就医备案手续。", 60)
	enSentences := strings.Repeat("Insured people who are treated in another city should file first. ", 60)
	noBreak := strings.Repeat("医保", 1500)
	alts := []bot.Alternative{{ID: "a", Title: "盐城医保在昆山可以用吗"}, {ID: "b", Title: "徐州医保到南京就医需要异地备案吗"}, {ID: "c", Title: "什么是省医保和市医保"}}
	for _, tc := range []struct {
		name, lang, snippet string
		alts                []bot.Alternative
		cutAfter            string
	}{
		{"zh sentences", "zh", zhSentences, alts, "。…"},
		{"en sentences", "en", enSentences, nil, "file first.…"},
		{"passages", "zh", strings.Repeat("第一段话没有句号\n", 200), alts, "句号…"},
		{"no boundary", "zh", noBreak, alts, "医保…"},
		{"short", "zh", "很短的回答。", alts, ""},
	} {
		a := bot.Answer{Answered: true, ID: "remote-filing", Lang: tc.lang, Title: "标题", Section: "小节", Snippet: tc.snippet,
			Region: "全国", Updated: "2025-01-01", Disclaimer: k.Disclaimer(tc.lang), Alternatives: tc.alts}
		out := renderAnswer(a, nil)
		checkReply(t, out)
		if !strings.HasSuffix(out, "\n\n"+a.Disclaimer) {
			t.Errorf("%s: disclaimer lost", tc.name)
		}
		for i, alt := range tc.alts {
			if !strings.Contains(out, phrase(tc.lang, "choice", i+1, alt.Title)) {
				t.Errorf("%s: choice %d lost", tc.name, i+1)
			}
		}
		if tc.cutAfter == "" {
			if !strings.Contains(out, tc.snippet) {
				t.Errorf("%s: short snippet was cut", tc.name)
			}
			continue
		}
		if !strings.Contains(out, tc.cutAfter) {
			t.Errorf("%s: not cut after %q:\n%s", tc.name, tc.cutAfter, out)
		}
		if len(out) < maxBytes-64 {
			t.Errorf("%s: %d bytes, wasting room", tc.name, len(out))
		}
	}

	// Every passage of every real article, and every page of the full text.
	for _, lang := range kb.Languages {
		for _, art := range k.Articles(lang) {
			out := renderAnswer(bot.ArticleAnswer(art, k.Disclaimer(lang)), art)
			checkReply(t, out)
			_, total := renderPage(art, k.Disclaimer(lang), 1)
			var all strings.Builder
			for p := 1; p <= total; p++ {
				page, _ := renderPage(art, k.Disclaimer(lang), p)
				checkReply(t, page)
				if !strings.HasSuffix(page, k.Disclaimer(lang)) {
					t.Errorf("%s/%s page %d: no disclaimer", lang, art.ID, p)
				}
				all.WriteString(page)
			}
			for _, s := range art.Passages() {
				for _, line := range strings.Split(s.Body, "\n") {
					if !strings.Contains(all.String(), strings.TrimSpace(line)) {
						t.Errorf("%s/%s: full text lost %q", lang, art.ID, line)
					}
				}
			}
		}
	}
}

func TestPlainText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"**粗体**和`代码`", "粗体和代码"},
		{"## 标题\n正文", "标题\n正文"},
		{"见[医保局](https://example.org)网站", "见医保局 https://example.org网站"},
		{"<b>bold</b> and <a href=\"x\">link</a>", "bold and link"},
		{"1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
	} {
		if got := plainText(tc.in); got != tc.want {
			t.Errorf("plainText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("entropy exhausted") }

// TestLogs: a refused request is one Info line with its status and reason;
// a reply that cannot be sent is a 500 with a bare "internal error", one
// Error line and a send error; no line carries the token, the AES key or a
// raw user id.
func TestLogs(t *testing.T) {
	var logs bottest.LogBuffer
	m := &countMetrics{}
	cfg := Config{Token: testToken, AESKey: vecAKey, AppID: vecAAppID, Log: slog.New(slog.NewTextHandler(&logs, nil)), Metrics: m}
	const openID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
	env := newEnv(t, cfg)

	badSig := strings.Replace(env.signedQuery(), "signature=", "signature=0", 1)
	if code, body := env.do(http.MethodPost, badSig, textXML(openID, "医保卡丢了怎么办", 1)); code != 401 || body != "bad signature\n" {
		t.Errorf("bad signature: %d %q", code, body)
	}
	ts := strconv.FormatInt(testNow.Unix(), 10)
	q := env.signedQueryNonce("424242") + "&encrypt_type=aes&msg_signature=" + signature(testToken, ts, "424242", "!!!!")
	if code, _ := env.do(http.MethodPost, q, "<xml><Encrypt>!!!!</Encrypt></xml>"); code != 400 {
		t.Errorf("bad ciphertext: %d", code)
	}
	env.eng.fail = "error"
	env.postSafe(textXML(openID, "医保卡丢了怎么办", 2))
	env.w.Wait()
	for _, want := range []string{
		`level=INFO msg="wechat: rejected" status=401 reason="bad signature"` + "\n",
		`level=INFO msg="wechat: rejected" status=400 reason="cannot decrypt" err="wechat: bad ciphertext: base64: `,
		`level=ERROR msg="wechat: ask" err="index unavailable"`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
	if n := m.get("wechat"); n != 0 {
		t.Errorf("%d send errors before any failed reply", n)
	}

	// The reply cannot be encrypted: no entropy.
	w, err := New(cfg, newTestAsker(t), bottest.NewState())
	if err != nil {
		t.Fatal(err)
	}
	w.now, w.rand = func() time.Time { return testNow }, errReader{}
	broken := &testEnv{t: t, w: w, srv: httptest.NewServer(w), cfg: cfg}
	t.Cleanup(func() { broken.srv.Close(); w.Wait() })
	before := strings.Count(logs.String(), "\n")
	if code, body := broken.postSafe(textXML(openID, "医保卡丢了怎么办", 3)); code != 500 || body != "internal error\n" {
		t.Errorf("unencryptable reply: %d %q, want 500 internal error", code, body)
	}
	lines := strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n")[before:]
	if len(lines) != 1 || !strings.Contains(lines[0], `level=ERROR msg="wechat: encrypt reply" err="wechat encrypt: entropy exhausted`) {
		t.Errorf("unencryptable reply logged %q, want one Error line", lines)
	}
	if n := m.get("wechat"); n != 1 {
		t.Errorf("send errors = %d, want 1", n)
	}

	// An answer over the budget is logged with the user hashed.
	slow := newTestAsker(t)
	slow.gate = make(chan struct{})
	cfg.Budget = 100 * time.Millisecond
	late := newEnvWith(t, cfg, bottest.NewState(), slow)
	if _, body := late.postSafe(textXML(openID, "医保卡丢了怎么办", 4)); body != "success" {
		t.Errorf("slow answer: %q", body)
	}
	close(slow.gate)
	if want := `msg="wechat: answer not ready within budget, replied success" budget=100ms user=` + late.st.HashUser(openID); !strings.Contains(logs.String(), want) {
		t.Errorf("logs lack %q:\n%s", want, logs.String())
	}
	bottest.NoSecrets(t, logs.String(), testToken, vecAKey, openID)
}

// TestBadInput: every kind of bad request gets its HTTP error and
// nothing is answered or journaled.
func TestBadInput(t *testing.T) {
	env := newEnv(t, Config{AESKey: vecAKey, AppID: vecAAppID, MaxAge: 5 * time.Minute})
	ts, nonce := strconv.FormatInt(testNow.Unix(), 10), "1"
	old := strconv.FormatInt(testNow.Add(-10*time.Minute).Unix(), 10)
	plainQ := func(ts string) string {
		return url.Values{"signature": {signature(testToken, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
	}
	safeQ := func(enc string, msgSig string) string {
		if msgSig == "" {
			msgSig = signature(testToken, ts, nonce, enc)
		}
		return plainQ(ts) + "&encrypt_type=aes&msg_signature=" + msgSig
	}
	envelope := func(enc string) string {
		return "<xml><ToUserName>gh</ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	}
	good := textXML("u-bad", "医保卡丢了怎么办", 1)
	goodEnc, _ := env.w.crypto.encryptRandom(&detReader{}, []byte(good))
	otherApp := mustCrypto(t, vecAKey, "wx0000000000000000")
	foreign, _ := otherApp.encryptRandom(&detReader{}, []byte(good))
	badPad := rawCipher(t, env.w.crypto, append([]byte(vecARandom), make([]byte, 48)...))
	short := base64Std(make([]byte, 40))
	badInner, _ := env.w.crypto.encryptRandom(&detReader{}, []byte("<xml><Content>x"))
	noFrom, _ := env.w.crypto.encryptRandom(&detReader{}, []byte("<xml><MsgType>text</MsgType></xml>"))
	plainOnly := newEnv(t, Config{MaxAge: 5 * time.Minute})
	for _, tc := range []struct {
		name, method, query, body string
		code                      int
		plain                     bool // sent to a server without an AES key
	}{
		{"wrong signature", "POST", strings.Replace(plainQ(ts), "signature=", "signature=0", 1), good, 401, false},
		{"no signature", "POST", "timestamp=" + ts + "&nonce=1", good, 401, false},
		{"old timestamp", "POST", plainQ(old), good, 401, false},
		{"future timestamp", "POST", plainQ(strconv.FormatInt(testNow.Add(time.Hour).Unix(), 10)), good, 401, false},
		{"non-numeric timestamp", "POST", plainQ("yesterday"), good, 401, false},
		{"body over 64 kB", "POST", plainQ(ts), strings.Replace(good, "医保卡", strings.Repeat("医", 22000), 1), 413, false},
		{"malformed XML", "POST", plainQ(ts), "<xml><ToUserName>", 400, true},
		{"not XML", "POST", plainQ(ts), "\x00\x01binary junk", 400, true},
		{"wrong root", "POST", plainQ(ts), "<root><MsgType>text</MsgType></root>", 400, true},
		{"missing fields", "POST", plainQ(ts), "<xml><MsgType>text</MsgType><Content>hi</Content></xml>", 400, true},
		{"bad CreateTime", "POST", plainQ(ts), strings.Replace(good, ts, "soon", 1), 400, true},
		{"empty body", "POST", plainQ(ts), "", 400, true},
		{"plaintext push to a safe-mode server", "POST", plainQ(ts), good, 403, false},
		{"encrypt_type=raw to a safe-mode server", "POST", plainQ(ts) + "&encrypt_type=raw", good, 403, false},
		{"unknown encrypt_type", "POST", plainQ(ts) + "&encrypt_type=rot13", good, 400, false},
		{"wrong msg_signature", "POST", safeQ(goodEnc, vecCMsgSig), envelope(goodEnc), 401, false},
		{"missing msg_signature", "POST", plainQ(ts) + "&encrypt_type=aes", envelope(goodEnc), 401, false},
		{"safe mode without Encrypt", "POST", safeQ("", ""), good, 400, false},
		{"wrong AppID", "POST", safeQ(foreign, ""), envelope(foreign), 400, false},
		{"bad padding", "POST", safeQ(badPad, ""), envelope(badPad), 400, false},
		{"ciphertext not a multiple of 16", "POST", safeQ(short, ""), envelope(short), 400, false},
		{"ciphertext not base64", "POST", safeQ("!!!!", ""), envelope("!!!!"), 400, false},
		{"malformed decrypted XML", "POST", safeQ(badInner, ""), envelope(badInner), 400, false},
		{"decrypted message without sender", "POST", safeQ(noFrom, ""), envelope(noFrom), 400, false},
		{"DELETE", "DELETE", plainQ(ts), good, 405, false},
	} {
		target := env
		if tc.plain {
			target = plainOnly
		}
		if code, body := target.do(tc.method, tc.query, tc.body); code != tc.code {
			t.Errorf("%s: %d %q, want %d", tc.name, code, body, tc.code)
		}
	}
	if env.eng.calls()+plainOnly.eng.calls() != 0 || env.journaled()+plainOnly.journaled() != 0 {
		t.Errorf("bad requests were answered: %d Ask calls, %d journaled", env.eng.calls()+plainOnly.eng.calls(), env.journaled()+plainOnly.journaled())
	}
	if code, _ := plainOnly.do("POST", safeQ(goodEnc, ""), envelope(goodEnc)); code != 400 {
		t.Errorf("safe mode without a configured key: %d, want 400", code)
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestCDATA: "]]>" and characters XML forbids never break the reply.
func TestCDATA(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a]]>b", "a]]>b"},
		{"]]>]]>", "]]>]]>"},
		{"]]]>>", "]]]>>"},
		{"ctl\x00\x01\x1f\ttab", "ctl\ttab"},
		{"bad\xffutf8", "badutf8"},
		{"\ufffe\uffff中文", "中文"},
	} {
		out := replyXML(tc.in, "gh", 1, tc.in)
		var o passiveReply
		if err := xml.Unmarshal(out, &o); err != nil {
			t.Errorf("%q: invalid XML %v: %s", tc.in, err, out)
			continue
		}
		if o.Content != tc.want || o.ToUserName != tc.want {
			t.Errorf("%q: round trip %q / %q, want %q", tc.in, o.Content, o.ToUserName, tc.want)
		}
	}
	// End to end: a sender id with "]]>" comes back intact.
	env := newEnv(t, Config{})
	body := "<xml><ToUserName>gh</ToUserName><FromUserName>o]]&gt;x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1</MsgId></xml>"
	code, reply := env.postPlain(body)
	if code != 200 || parseOut(t, reply).ToUserName != "o]]>x" {
		t.Errorf("%d %s", code, reply)
	}
}

func TestCommands(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want command
	}{
		{"1", command{kind: cmdChoice, n: 1}},
		{" ３ ", command{kind: cmdChoice, n: 3}},
		{"回复 2", command{kind: cmdChoice, n: 2}},
		{"Reply 1", command{kind: cmdChoice, n: 1}},
		{"全文", command{kind: cmdFull, page: 1}},
		{"全文 lost-card", command{kind: cmdFull, id: "lost-card", page: 1}},
		{"回复“全文 lost-card”", command{kind: cmdFull, id: "lost-card", page: 1}},
		{"全文lost-card 3", command{kind: cmdFull, id: "lost-card", page: 3}},
		{"全文 2", command{kind: cmdFull, page: 2}},
		{"FULL remote-filing", command{kind: cmdFull, id: "remote-filing", page: 1}},
		{"English", command{kind: cmdLang, lang: "en"}},
		{"中文", command{kind: cmdLang, lang: "zh"}},
		{"10", command{}},
		{"0", command{}},
		{"全文 医保卡", command{}},
		{"full coverage for surgery", command{}},
		{"fullness", command{}},
		{"全文 lost-card x", command{}},
		{"医保卡丢了", command{}},
	} {
		if got := parseCommand(tc.in); got != tc.want {
			t.Errorf("parseCommand(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// BenchmarkServer measures one new message end to end over loopback (each
// iteration a new MsgId, so each is answered and stored), next to the
// engine alone.
func BenchmarkServer(b *testing.B) {
	qs := []string{"医保卡丢了怎么办", "异地就医怎么备案", "How do I file for remote medical care?", "家庭共济怎么绑定"}
	for _, mode := range []string{"engine", "plain", "safe"} {
		b.Run(mode, func(b *testing.B) {
			env := newEnv(b, Config{AESKey: vecAKey, AppID: vecAAppID})
			id := 0
			for b.Loop() {
				id++
				q := qs[id%len(qs)]
				var code int
				switch mode {
				case "engine":
					if _, err := env.eng.Asker.Ask(context.Background(), bot.Question{Text: q}); err != nil {
						b.Fatal(err)
					}
					code = 200
				case "plain":
					code, _ = env.postPlain(textXML(fmt.Sprintf("u%d", id%100), q, id))
				case "safe":
					code, _ = env.postSafe(textXML(fmt.Sprintf("u%d", id%100), q, id))
				}
				if code != 200 {
					b.Fatal(code)
				}
			}
		})
	}
}

// TestMenuClick: a menu key naming an article opens it, one naming a topic
// lists the topic's articles and "1" then opens the first, any other key
// gets the welcome with example questions; a link menu (VIEW) is silent.
func TestMenuClick(t *testing.T) {
	env := newEnv(t, Config{})
	click := func(user, key string) string {
		_, body := env.postPlain(otherXML(user, "event", "<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA["+key+"]]></EventKey>", 0))
		return parseOut(t, body).Content
	}
	lost, _ := env.eng.Article("zh", "lost-card")
	if got := click("u-m1", "article:lost-card"); !strings.Contains(got, lost.Title) || !strings.Contains(got, lost.Lead[:12]) {
		t.Errorf("article key: %q", got)
	}
	if got := click("u-m2", "lost-card"); !strings.Contains(got, lost.Title) {
		t.Errorf("bare article id: %q", got)
	}
	topic := env.eng.Topics("zh")[0]
	got := click("u-m3", "topic:"+topic.Key)
	if !strings.Contains(got, "1. "+topic.Articles[0].Title) {
		t.Fatalf("topic key: %q", got)
	}
	_, body := env.postPlain(textXML("u-m3", "1", 900))
	if c := parseOut(t, body).Content; !strings.Contains(c, topic.Articles[0].Title) {
		t.Errorf("\"1\" after a topic list: %q", c)
	}
	if got := click("u-m4", "no-such-key"); !strings.Contains(got, env.eng.Reply("zh", bot.ReasonGreeting)[:30]) {
		t.Errorf("unknown key: %q", got)
	}
}
