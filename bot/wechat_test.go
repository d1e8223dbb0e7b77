package bot

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"faqbot/kb"
	"faqbot/kb/state"
)

// wechatNow is the injected clock of the WeChat tests.
var wechatNow = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

const wechatTestToken = "faqbot-test-token"

// countingAsker is the real engine, counting Ask calls; with gate set, Ask
// waits for the gate to close first (an answer slower than the budget).
type countingAsker struct {
	*Engine
	mu   sync.Mutex
	n    int
	gate chan struct{}
	fail string // "error" or "panic": how the next Ask fails
	// script answers these questions with fixed real articles: the first
	// id answers, the others are the runners-up. Reply goldens use it so
	// they test the adapter, not the engine's ranking, which is tuned
	// often (TestWeChatAnswers checks replies to the engine's own answers).
	script map[string][]string
}

func (c *countingAsker) Ask(ctx context.Context, q Question) (Answer, error) {
	c.mu.Lock()
	c.n++
	gate, fail := c.gate, c.fail
	c.fail = ""
	c.mu.Unlock()
	switch fail {
	case "error":
		return Answer{}, errors.New("index unavailable")
	case "panic":
		panic("engine bug")
	}
	if ids, ok := c.script[q.Text]; ok {
		lang := cmpOr(q.Lang, "zh")
		if strings.IndexFunc(q.Text, func(r rune) bool { return r >= 0x4e00 }) < 0 {
			lang = cmpOr(q.Lang, "en")
		}
		art, _ := c.Article(lang, ids[0])
		a := ArticleAnswer(art, c.KB().Disclaimer(lang))
		a.Question = q.Text
		for _, id := range ids[1:] {
			alt, _ := c.Article(lang, id)
			a.Alternatives = append(a.Alternatives, Alternative{ID: alt.ID, Title: alt.Title, Score: 0.5})
		}
		return a, nil
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return Answer{}, ctx.Err()
		}
	}
	return c.Engine.Ask(ctx, q)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (c *countingAsker) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
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

type wechatEnv struct {
	t   testing.TB
	w   *WeChat
	srv *httptest.Server
	st  *state.Store
	eng *countingAsker
	cfg WeChatConfig
}

// newWeChatEnv serves a real WeChat handler with the real engine and a
// real store on loopback. Zero cfg fields get test defaults.
func newWeChatEnv(t testing.TB, cfg WeChatConfig) *wechatEnv {
	t.Helper()
	st := newTestStore(t)
	eng := &countingAsker{Engine: newTestEngine(t, Deps{Journal: st, HashUser: st.HashUser})}
	return newWeChatEnvWith(t, cfg, st, eng)
}

func newWeChatEnvWith(t testing.TB, cfg WeChatConfig, st *state.Store, eng *countingAsker) *wechatEnv {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = wechatTestToken
	}
	w, err := NewWeChat(cfg, eng, st)
	if err != nil {
		t.Fatal(err)
	}
	w.now = func() time.Time { return wechatNow }
	w.rand = &detReader{}
	srv := httptest.NewServer(w)
	t.Cleanup(func() { srv.Close(); w.Wait() })
	return &wechatEnv{t: t, w: w, srv: srv, st: st, eng: eng, cfg: cfg}
}

// do sends a request and returns the status and body.
func (e *wechatEnv) do(method, query, body string) (int, string) {
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
// injected clock.
func (e *wechatEnv) signedQuery() string {
	ts, nonce := strconv.FormatInt(wechatNow.Unix(), 10), "424242"
	return url.Values{"signature": {wechatSignature(e.cfg.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
}

// postPlain sends a plain-mode message.
func (e *wechatEnv) postPlain(body string) (int, string) {
	e.t.Helper()
	return e.do(http.MethodPost, e.signedQuery(), body)
}

// postSafe encrypts inner as WeChat does in safe mode and sends it.
func (e *wechatEnv) postSafe(inner string) (int, string) {
	e.t.Helper()
	enc, err := e.w.crypto.encryptRandom(&detReader{}, []byte(inner))
	if err != nil {
		e.t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(wechatNow.Unix(), 10), "777"
	q := url.Values{"signature": {wechatSignature(e.cfg.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce},
		"encrypt_type": {"aes"}, "msg_signature": {wechatSignature(e.cfg.Token, ts, nonce, enc)}}
	return e.do(http.MethodPost, q.Encode(), "<xml><ToUserName><![CDATA[gh_test]]></ToUserName><Encrypt><![CDATA["+enc+"]]></Encrypt></xml>")
}

// wechatOut is a passive reply as WeChat parses it.
type wechatOut struct {
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

func parseOut(t testing.TB, body string) wechatOut {
	t.Helper()
	var o wechatOut
	if err := xml.Unmarshal([]byte(body), &o); err != nil {
		t.Fatalf("reply is not valid XML: %v\n%s", err, body)
	}
	return o
}

// openSafe checks a safe-mode reply's signature and decrypts it.
func (e *wechatEnv) openSafe(body string) (wechatOut, string) {
	e.t.Helper()
	env := parseOut(e.t, body)
	if env.Encrypt == "" || env.MsgSignature == "" || env.TimeStamp == "" || env.Nonce == "" {
		e.t.Fatalf("not an encrypted envelope: %s", body)
	}
	if !wechatSignatureOK(env.MsgSignature, e.cfg.Token, env.TimeStamp, env.Nonce, env.Encrypt) {
		e.t.Fatalf("reply msg_signature does not verify: %s", body)
	}
	inner, err := e.w.crypto.open(env.Encrypt)
	if err != nil {
		e.t.Fatalf("reply does not decrypt: %v", err)
	}
	return parseOut(e.t, string(inner)), string(inner)
}

func (e *wechatEnv) journaled() int {
	e.t.Helper()
	n := 0
	if err := e.st.Log(time.Time{}, func(kb.LogEntry) error { n++; return nil }); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// textXML is an incoming plain text message.
func textXML(from, content string, msgID int) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>",
		from, wechatNow.Unix(), content, msgID)
}

// otherXML is an incoming message of another type, with extra elements.
func otherXML(from, msgType, extra string, msgID int) string {
	id := ""
	if msgID > 0 {
		id = fmt.Sprintf("<MsgId>%d</MsgId>", msgID)
	}
	return fmt.Sprintf("<xml><ToUserName><![CDATA[gh_test]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName>"+
		"<CreateTime>%d</CreateTime><MsgType><![CDATA[%s]]></MsgType>%s%s</xml>", from, wechatNow.Unix(), msgType, extra, id)
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

func TestWeChatNewConfig(t *testing.T) {
	st := newTestStore(t)
	eng := newTestEngine(t, Deps{})
	for _, tc := range []struct {
		name string
		cfg  WeChatConfig
		ok   bool
	}{
		{"plain only", WeChatConfig{Token: "t"}, true},
		{"safe", WeChatConfig{Token: "t", AESKey: vecAKey, AppID: vecAAppID}, true},
		{"no token", WeChatConfig{}, false},
		{"key without AppID", WeChatConfig{Token: "t", AESKey: vecAKey}, false},
		{"short key", WeChatConfig{Token: "t", AESKey: vecAKey[:40], AppID: "x"}, false},
		{"key with a bad character", WeChatConfig{Token: "t", AESKey: "*" + vecAKey[1:], AppID: "x"}, false},
		{"negative budget", WeChatConfig{Token: "t", Budget: -time.Second}, false},
	} {
		_, err := NewWeChat(tc.cfg, eng, st)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

// TestWeChatURLCheck uses the plain signature of vector C and the WeCom
// VerifyURL of vector B.
func TestWeChatURLCheck(t *testing.T) {
	noAge := newWeChatEnv(t, WeChatConfig{Token: vecCToken})
	withAge := newWeChatEnv(t, WeChatConfig{Token: vecCToken, MaxAge: 5 * time.Minute})
	wecom := newWeChatEnv(t, WeChatConfig{Token: vecBToken, AESKey: vecBKey, AppID: vecBAppID})
	vecC := func(sig, echo string) string {
		return url.Values{"signature": {sig}, "timestamp": {vecCTimestamp}, "nonce": {vecCNonce}, "echostr": {echo}}.Encode()
	}
	fresh := strconv.FormatInt(wechatNow.Unix(), 10)
	for _, tc := range []struct {
		name   string
		env    *wechatEnv
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
		{"fresh timestamp with max age", withAge, "GET", url.Values{"signature": {wechatSignature(vecCToken, fresh, "n")}, "timestamp": {fresh}, "nonce": {"n"}, "echostr": {"ok"}}.Encode(), 200, "ok"},
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

// TestWeChatVectorC posts vector C (compatible mode, official Python
// sample) end to end: signature and msg_signature verify, the message
// decrypts, the engine answers "abcdteT", and the encrypted reply verifies
// and decrypts.
func TestWeChatVectorC(t *testing.T) {
	cfg := WeChatConfig{Token: vecCToken, AESKey: vecCKey, AppID: vecCAppID}
	env := newWeChatEnv(t, cfg)
	code, body := env.do(http.MethodPost, vecCQuery, vecCBody)
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	golden(t, "wechat/vector-c-envelope.xml", []byte(body))
	out, inner := env.openSafe(body)
	golden(t, "wechat/vector-c-reply.xml", []byte(inner))
	if out.ToUserName != "oyORnuP8q7ou2gfYjqLzSIWZf0rs" || out.FromUserName != "gh_10f6c3c3ac5a" || out.MsgType != "text" {
		t.Errorf("reply header %+v", out)
	}
	want, err := env.eng.Engine.Ask(context.Background(), Question{Text: "abcdteT"})
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
	env2 := newWeChatEnv(t, cfg)
	_, body2 := env2.do(http.MethodPost, vecCQuery, tampered)
	if out2, _ := env2.openSafe(body2); out2.Content != out.Content {
		t.Errorf("tampered plaintext changed the answer:\n%s", out2.Content)
	}

	// Without an AES key, the compatible-mode body is answered from its
	// plaintext, in plain text.
	noKey := newWeChatEnv(t, WeChatConfig{Token: vecCToken})
	code, body3 := noKey.do(http.MethodPost, vecCQuery, vecCBody)
	if o := parseOut(t, body3); code != 200 || o.Encrypt != "" || o.Content != out.Content {
		t.Errorf("compatible mode without a key: %d %s", code, body3)
	}

	// With the default replay window the 2014 vector is refused.
	cfg.MaxAge = 5 * time.Minute
	old := newWeChatEnv(t, cfg)
	if code, _ := old.do(http.MethodPost, vecCQuery, vecCBody); code != 401 {
		t.Errorf("2014 timestamp with max age: %d, want 401", code)
	}
	if old.eng.calls() != 0 {
		t.Error("a refused request was answered")
	}
}

// TestWeChatVectorB posts the WeCom sample request of vector B (AES, no
// encrypt_type, msg_signature only).
func TestWeChatVectorB(t *testing.T) {
	env := newWeChatEnv(t, WeChatConfig{Token: vecBToken, AESKey: vecBKey, AppID: vecBAppID})
	q := url.Values{"msg_signature": {vecBReqSig}, "timestamp": {vecBReqTS}, "nonce": {vecBReqNonce}}.Encode()
	code, body := env.do(http.MethodPost, q, vecBReqData)
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	out, _ := env.openSafe(body)
	want, _ := env.eng.Engine.Ask(context.Background(), Question{Text: "hello"})
	if out.ToUserName != "mycreate" || out.Content != env.w.render(want) {
		t.Errorf("reply to %q: %q\nwant %q", out.ToUserName, out.Content, env.w.render(want))
	}
}

// TestWeChatMessages covers every message type in plain and safe mode;
// replies are compared with golden files. Answered questions are scripted
// to fixed real articles (see countingAsker.script).
func TestWeChatMessages(t *testing.T) {
	for _, mode := range []string{"plain", "safe"} {
		t.Run(mode, func(t *testing.T) {
			env := newWeChatEnv(t, WeChatConfig{AESKey: vecAKey, AppID: vecAAppID})
			env.eng.script = map[string][]string{
				"医保卡丢了怎么办":                                                    {"lost-card", "no-physical-card", "card-visit-process"},
				"I lost my medical insurance card, can I still see a doctor?": {"lost-card", "no-physical-card"},
				"异地就医怎么备案":                                                    {"remote-filing", "xuzhou-nanjing-filing", "yancheng-kunshan"},
			}
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
				{"menu-click", otherXML("u-click", "event", "<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[k]]></EventKey>", 0), true},
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
				var out wechatOut
				var plain string
				if mode == "safe" {
					out, plain = env.openSafe(body)
				} else {
					out, plain = parseOut(t, body), body
				}
				if out.MsgType != "text" || out.FromUserName != "gh_test" || !strings.HasPrefix(out.ToUserName, "u-") || out.CreateTime != wechatNow.Unix() {
					t.Errorf("%s: header %+v", tc.name, out)
				}
				checkReply(t, out.Content)
				golden(t, fmt.Sprintf("wechat/%02d-%s.xml", i+1, tc.name), []byte(plain))
			}
		})
	}
}

// TestWeChatAnswers checks replies against the engine's own answers.
func TestWeChatAnswers(t *testing.T) {
	env := newWeChatEnv(t, WeChatConfig{})
	k := env.eng.KB()
	for i, tc := range []struct {
		question, lang string
	}{
		{"医保卡丢了怎么办", "zh"},
		{"How do I file for medical care in another city?", "en"},
		{"異地就醫備案怎麼辦理", "zh"},
		{"家庭共济怎么绑定", "zh"},
	} {
		a, err := env.eng.Engine.Ask(context.Background(), Question{Text: tc.question})
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
		if !strings.Contains(c, wechatPhrase(a.Lang, "full", a.ID)) {
			t.Errorf("%q: no way to read the full article", tc.question)
		}
		art, _ := env.eng.Article(a.Lang, a.ID)
		if local := labels[a.Lang]["local"]; strings.Contains(c, local) != art.Regional() {
			t.Errorf("%q: region %q (regional %v) but reply says %q: %v", tc.question, art.Region, art.Regional(), local, strings.Contains(c, local))
		}
	}
}

// TestWeChatLanguage: replies follow the user's language, also for
// messages with no text, and "English" / "中文" switch it.
func TestWeChatLanguage(t *testing.T) {
	env := newWeChatEnv(t, WeChatConfig{})
	k := env.eng.KB()
	content := func(body string) string { _, b := env.postPlain(body); return parseOut(t, b).Content }
	textOnly := func(lang string) string { return ReplyText(k, lang, ReasonEmpty) }

	if c := content(otherXML("u1", "image", "", 1)); c != textOnly("zh") {
		t.Errorf("first contact: %q, want the Chinese text-only reply", c)
	}
	if c := content(textXML("u1", "How do I file for medical care in another city?", 2)); !strings.HasSuffix(c, k.Disclaimer("en")) {
		t.Errorf("English question, reply:\n%s", c)
	}
	if c := content(otherXML("u1", "image", "", 3)); c != textOnly("en") {
		t.Errorf("image after an English question: %q", c)
	}
	if c := content(textXML("u1", "中文", 4)); c != wechatPhrase("zh", "lang") {
		t.Errorf("中文: %q", c)
	}
	if c := content(textXML("u1", "How do I file for medical care in another city?", 5)); !strings.HasSuffix(c, k.Disclaimer("zh")) {
		t.Errorf("English question after choosing 中文:\n%s", c)
	}
	if c := content(textXML("u2", "English", 6)); c != wechatPhrase("en", "lang") {
		t.Errorf("English: %q", c)
	}
	if c := content(otherXML("u2", "event", "<Event>subscribe</Event>", 0)); !strings.HasPrefix(c, noAnswerIntro["en"][ReasonGreeting]) {
		t.Errorf("welcome after English: %q", c)
	}
}

// TestWeChatRetries: a retried message (same MsgId, or for events same
// sender and CreateTime) gets the same reply and is answered and journaled
// once, also concurrently and after a restart.
func TestWeChatRetries(t *testing.T) {
	env := newWeChatEnv(t, WeChatConfig{})
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

	// After a restart the store still knows the message.
	restarted := newWeChatEnvWith(t, WeChatConfig{}, env.st, env.eng)
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
	later := strings.Replace(sub, strconv.FormatInt(wechatNow.Unix(), 10), strconv.FormatInt(wechatNow.Unix()+60, 10), 1)
	if _, c := env.postPlain(later); c == a {
		t.Error("a later subscribe event was treated as a retry")
	}
}

// TestWeChatBudget: an answer slower than the budget gets "success" (no
// timeout); it is still stored, so a retry gets it without asking again.
func TestWeChatBudget(t *testing.T) {
	st := newTestStore(t)
	eng := &countingAsker{Engine: newTestEngine(t, Deps{Journal: st}), gate: make(chan struct{})}
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	env := newWeChatEnvWith(t, WeChatConfig{Budget: 200 * time.Millisecond, Metrics: m}, st, eng)
	msg := textXML("u-slow", "医保卡丢了怎么办", 9001)
	start := time.Now()
	code, body := env.postPlain(msg)
	if took := time.Since(start); code != 200 || body != "success" || took > 2*time.Second {
		t.Fatalf("slow answer: %d %q after %v, want 200 success within the budget", code, body, took)
	}
	if n := counterValue(t, reg, "faqbot_send_errors_total", "wechat"); n != 1 {
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

// counterValue reads one labelled counter from a registry.
func counterValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// TestWeChatOddText: odd text gets a polite reply, never an error.
func TestWeChatOddText(t *testing.T) {
	env := newWeChatEnv(t, WeChatConfig{})
	for i, text := range []string{"🙂🙂🙂", strings.Repeat("医保卡丢了怎么办", 430), "\u200b\ufeff", "<b>医保卡</b> **丢了**", "]]>", "1", "全文", "全文 no-such-article"} {
		code, body := env.postPlain(textXML(fmt.Sprintf("u-odd-%d", i), strings.ReplaceAll(text, "]]>", "]]]]><![CDATA[>"), 3000+i))
		if code != 200 {
			t.Errorf("%.20q: status %d", text, code)
			continue
		}
		c := parseOut(t, body).Content
		checkReply(t, c)
		if c == "" || c == wechatPhrase("zh", "busy") {
			t.Errorf("%.20q: reply %q", text, c)
		}
	}
	if c := func() string {
		_, b := env.postPlain(textXML("u-odd-x", "全文", 3100))
		return parseOut(t, b).Content
	}(); c != wechatPhrase("zh", "no-article") {
		t.Errorf("全文 without a session: %q", c)
	}
}

// TestWeChatEngineFailure: an engine error or panic gets a polite "busy"
// reply that is not cached, so WeChat's retry asks again.
func TestWeChatEngineFailure(t *testing.T) {
	for _, fail := range []string{"error", "panic"} {
		env := newWeChatEnv(t, WeChatConfig{})
		env.eng.fail = fail
		msg := textXML("u-fail", "医保卡丢了怎么办", 4242)
		code, body := env.postPlain(msg)
		if c := parseOut(t, body).Content; code != 200 || c != wechatPhrase("zh", "busy") {
			t.Errorf("%s: %d %q, want the busy reply", fail, code, c)
		}
		env.w.Wait()
		_, body = env.postPlain(msg)
		if c := parseOut(t, body).Content; !strings.Contains(c, "医保卡") || env.eng.calls() != 2 {
			t.Errorf("%s: retry got %q after %d calls, want a real answer from a second call", fail, c, env.eng.calls())
		}
	}
}

// TestWeChatChoices: "回复 1/2/3" and "全文 <id>" use the per-user session.
func TestWeChatChoices(t *testing.T) {
	env := newWeChatEnv(t, WeChatConfig{})
	// The curated phrasing whose answer has the most runners-up (the
	// engine's tuning decides how many there are).
	q := "医保卡丢了怎么办"
	a, err := env.eng.Engine.Ask(context.Background(), Question{Text: q})
	if err != nil {
		t.Fatal(err)
	}
	for _, art := range env.eng.KB().Articles("zh") {
		for _, phrasing := range art.Questions {
			got, err := env.eng.Engine.Ask(context.Background(), Question{Text: phrasing})
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
		if line := wechatPhrase("zh", "choice", i+1, alt.Title); !strings.Contains(first, line) {
			t.Errorf("reply lacks %q:\n%s", line, first)
		}
	}
	user := env.st.HashUser("u-c")
	s := env.w.session(user)
	if s == nil || s.ID != a.ID || len(s.Alts) != len(a.Alternatives) {
		t.Fatalf("session after %q = %+v, want id %s and %d runners-up", q, s, a.ID, len(a.Alternatives))
	}
	if len(s.Alts) < 2 {
		// Too few runners-up in today's ranking: offer two real articles
		// as if the engine had.
		t.Logf("%q has %d runners-up; adding real articles to the session", q, len(s.Alts))
		for _, art := range env.eng.KB().Articles("zh") {
			if len(s.Alts) < 2 && art.ID != a.ID {
				s.Alts = append(s.Alts, Alternative{ID: art.ID, Title: art.Title})
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
	page1, total := renderWeChatPage(art, env.eng.KB().Disclaimer("zh"), 1)
	if got := send("u-c", "全文"); got != page1 {
		t.Errorf("全文 after choosing:\n%s\nwant\n%s", got, page1)
	}
	if total > 1 {
		page2, _ := renderWeChatPage(art, env.eng.KB().Disclaimer("zh"), 2)
		if got := send("u-c", "全文 2"); got != page2 {
			t.Errorf("全文 2:\n%s\nwant\n%s", got, page2)
		}
	}
	lost, _ := env.eng.Article("zh", "lost-card")
	lostPage, _ := renderWeChatPage(lost, env.eng.KB().Disclaimer("zh"), 1)
	if got := send("u-other", "回复“全文 lost-card”"); got != lostPage {
		t.Errorf("全文 lost-card from a new user:\n%s", got)
	}
	if got := send("u-c", "9"); got != wechatPhrase("zh", "no-session") {
		t.Errorf("choice 9: %q", got)
	}
	if got := send("u-new", "1"); got != wechatPhrase("zh", "no-session") {
		t.Errorf("choice without a session: %q", got)
	}
	before := env.eng.calls()
	send("u-en", "full coverage for surgery?")
	if env.eng.calls() != before+1 {
		t.Error(`"full coverage ..." was not asked as a question`)
	}
}

// TestWeChatRenderLength: long answers stay under 2048 bytes, are cut at
// a passage or sentence boundary, keep the disclaimer and the choices.
func TestWeChatRenderLength(t *testing.T) {
	k := newTestEngine(t, Deps{}).KB()
	zhSentences := strings.Repeat("参保人在外地住院时，应当先办理异地就医备案手续。", 60)
	enSentences := strings.Repeat("Insured people who are treated in another city should file first. ", 60)
	noBreak := strings.Repeat("医保", 1500)
	alts := []Alternative{{ID: "a", Title: "盐城医保在昆山可以用吗"}, {ID: "b", Title: "徐州医保到南京就医需要异地备案吗"}, {ID: "c", Title: "什么是省医保和市医保"}}
	for _, tc := range []struct {
		name, lang, snippet string
		alts                []Alternative
		cutAfter            string
	}{
		{"zh sentences", "zh", zhSentences, alts, "。…"},
		{"en sentences", "en", enSentences, nil, "file first.…"},
		{"passages", "zh", strings.Repeat("第一段话没有句号\n", 200), alts, "句号…"},
		{"no boundary", "zh", noBreak, alts, "医保…"},
		{"short", "zh", "很短的回答。", alts, ""},
	} {
		a := Answer{Answered: true, ID: "remote-filing", Lang: tc.lang, Title: "标题", Section: "小节", Snippet: tc.snippet,
			Region: "全国", Updated: "2025-01-01", Disclaimer: k.Disclaimer(tc.lang), Alternatives: tc.alts}
		out := renderWeChatAnswer(a, nil)
		checkReply(t, out)
		if !strings.HasSuffix(out, "\n\n"+a.Disclaimer) {
			t.Errorf("%s: disclaimer lost", tc.name)
		}
		for i, alt := range tc.alts {
			if !strings.Contains(out, wechatPhrase(tc.lang, "choice", i+1, alt.Title)) {
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
		if len(out) < wechatMaxBytes-64 {
			t.Errorf("%s: %d bytes, wasting room", tc.name, len(out))
		}
	}

	// Every passage of every real article, and every page of the full text.
	for _, lang := range kb.Languages {
		for _, art := range k.Articles(lang) {
			out := renderWeChatAnswer(ArticleAnswer(art, k.Disclaimer(lang)), art)
			checkReply(t, out)
			_, total := renderWeChatPage(art, k.Disclaimer(lang), 1)
			var all strings.Builder
			for p := 1; p <= total; p++ {
				page, _ := renderWeChatPage(art, k.Disclaimer(lang), p)
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

func TestWeChatPlainText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"**粗体**和`代码`", "粗体和代码"},
		{"## 标题\n正文", "标题\n正文"},
		{"见[医保局](https://example.org)网站", "见医保局 https://example.org网站"},
		{"<b>bold</b> and <a href=\"x\">link</a>", "bold and link"},
		{"1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
	} {
		if got := wechatPlain(tc.in); got != tc.want {
			t.Errorf("wechatPlain(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWeChatBadInput: every kind of bad request gets its HTTP error and
// nothing is answered or journaled.
func TestWeChatBadInput(t *testing.T) {
	env := newWeChatEnv(t, WeChatConfig{AESKey: vecAKey, AppID: vecAAppID, MaxAge: 5 * time.Minute})
	ts, nonce := strconv.FormatInt(wechatNow.Unix(), 10), "1"
	old := strconv.FormatInt(wechatNow.Add(-10*time.Minute).Unix(), 10)
	plainQ := func(ts string) string {
		return url.Values{"signature": {wechatSignature(wechatTestToken, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}}.Encode()
	}
	safeQ := func(enc string, msgSig string) string {
		if msgSig == "" {
			msgSig = wechatSignature(wechatTestToken, ts, nonce, enc)
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
	for _, tc := range []struct {
		name, method, query, body string
		code                      int
	}{
		{"wrong signature", "POST", strings.Replace(plainQ(ts), "signature=", "signature=0", 1), good, 401},
		{"no signature", "POST", "timestamp=" + ts + "&nonce=1", good, 401},
		{"old timestamp", "POST", plainQ(old), good, 401},
		{"future timestamp", "POST", plainQ(strconv.FormatInt(wechatNow.Add(time.Hour).Unix(), 10)), good, 401},
		{"non-numeric timestamp", "POST", plainQ("yesterday"), good, 401},
		{"body over 64 kB", "POST", plainQ(ts), strings.Replace(good, "医保卡", strings.Repeat("医", 22000), 1), 413},
		{"malformed XML", "POST", plainQ(ts), "<xml><ToUserName>", 400},
		{"not XML", "POST", plainQ(ts), "\x00\x01binary junk", 400},
		{"wrong root", "POST", plainQ(ts), "<root><MsgType>text</MsgType></root>", 400},
		{"missing fields", "POST", plainQ(ts), "<xml><MsgType>text</MsgType><Content>hi</Content></xml>", 400},
		{"bad CreateTime", "POST", plainQ(ts), strings.Replace(good, ts, "soon", 1), 400},
		{"empty body", "POST", plainQ(ts), "", 400},
		{"unknown encrypt_type", "POST", plainQ(ts) + "&encrypt_type=rot13", good, 400},
		{"wrong msg_signature", "POST", safeQ(goodEnc, vecCMsgSig), envelope(goodEnc), 401},
		{"missing msg_signature", "POST", plainQ(ts) + "&encrypt_type=aes", envelope(goodEnc), 401},
		{"safe mode without Encrypt", "POST", safeQ("", ""), good, 400},
		{"wrong AppID", "POST", safeQ(foreign, ""), envelope(foreign), 400},
		{"bad padding", "POST", safeQ(badPad, ""), envelope(badPad), 400},
		{"ciphertext not a multiple of 16", "POST", safeQ(short, ""), envelope(short), 400},
		{"ciphertext not base64", "POST", safeQ("!!!!", ""), envelope("!!!!"), 400},
		{"malformed decrypted XML", "POST", safeQ(badInner, ""), envelope(badInner), 400},
		{"decrypted message without sender", "POST", safeQ(noFrom, ""), envelope(noFrom), 400},
		{"DELETE", "DELETE", plainQ(ts), good, 405},
	} {
		if code, body := env.do(tc.method, tc.query, tc.body); code != tc.code {
			t.Errorf("%s: %d %q, want %d", tc.name, code, body, tc.code)
		}
	}
	if env.eng.calls() != 0 || env.journaled() != 0 {
		t.Errorf("bad requests were answered: %d Ask calls, %d journaled", env.eng.calls(), env.journaled())
	}
	plainOnly := newWeChatEnv(t, WeChatConfig{})
	if code, _ := plainOnly.do("POST", safeQ(goodEnc, ""), envelope(goodEnc)); code != 400 {
		t.Errorf("safe mode without a configured key: %d, want 400", code)
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestWeChatCDATA: "]]>" and characters XML forbids never break the reply.
func TestWeChatCDATA(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a]]>b", "a]]>b"},
		{"]]>]]>", "]]>]]>"},
		{"]]]>>", "]]]>>"},
		{"ctl\x00\x01\x1f\ttab", "ctl\ttab"},
		{"bad\xffutf8", "badutf8"},
		{"\ufffe\uffff中文", "中文"},
	} {
		out := wechatTextXML(tc.in, "gh", 1, tc.in)
		var o wechatOut
		if err := xml.Unmarshal(out, &o); err != nil {
			t.Errorf("%q: invalid XML %v: %s", tc.in, err, out)
			continue
		}
		if o.Content != tc.want || o.ToUserName != tc.want {
			t.Errorf("%q: round trip %q / %q, want %q", tc.in, o.Content, o.ToUserName, tc.want)
		}
	}
	// End to end: a sender id with "]]>" comes back intact.
	env := newWeChatEnv(t, WeChatConfig{})
	body := "<xml><ToUserName>gh</ToUserName><FromUserName>o]]&gt;x</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1</MsgId></xml>"
	code, reply := env.postPlain(body)
	if code != 200 || parseOut(t, reply).ToUserName != "o]]>x" {
		t.Errorf("%d %s", code, reply)
	}
}

func TestWeChatCommands(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want wechatCommand
	}{
		{"1", wechatCommand{kind: wechatCmdChoice, n: 1}},
		{" ３ ", wechatCommand{kind: wechatCmdChoice, n: 3}},
		{"回复 2", wechatCommand{kind: wechatCmdChoice, n: 2}},
		{"Reply 1", wechatCommand{kind: wechatCmdChoice, n: 1}},
		{"全文", wechatCommand{kind: wechatCmdFull, page: 1}},
		{"全文 lost-card", wechatCommand{kind: wechatCmdFull, id: "lost-card", page: 1}},
		{"回复“全文 lost-card”", wechatCommand{kind: wechatCmdFull, id: "lost-card", page: 1}},
		{"全文lost-card 3", wechatCommand{kind: wechatCmdFull, id: "lost-card", page: 3}},
		{"全文 2", wechatCommand{kind: wechatCmdFull, page: 2}},
		{"FULL remote-filing", wechatCommand{kind: wechatCmdFull, id: "remote-filing", page: 1}},
		{"English", wechatCommand{kind: wechatCmdLang, lang: "en"}},
		{"中文", wechatCommand{kind: wechatCmdLang, lang: "zh"}},
		{"10", wechatCommand{}},
		{"0", wechatCommand{}},
		{"全文 医保卡", wechatCommand{}},
		{"full coverage for surgery", wechatCommand{}},
		{"fullness", wechatCommand{}},
		{"全文 lost-card x", wechatCommand{}},
		{"医保卡丢了", wechatCommand{}},
	} {
		if got := parseWeChatCommand(tc.in); got != tc.want {
			t.Errorf("parseWeChatCommand(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// BenchmarkWeChat measures one new message end to end over loopback (each
// iteration a new MsgId, so each is answered and stored), next to the
// engine alone.
func BenchmarkWeChat(b *testing.B) {
	qs := []string{"医保卡丢了怎么办", "异地就医怎么备案", "How do I file for medical care in another city?", "家庭共济怎么绑定"}
	for _, mode := range []string{"engine", "plain", "safe"} {
		b.Run(mode, func(b *testing.B) {
			env := newWeChatEnv(b, WeChatConfig{AESKey: vecAKey, AppID: vecAAppID})
			id := 0
			for b.Loop() {
				id++
				q := qs[id%len(qs)]
				var code int
				switch mode {
				case "engine":
					if _, err := env.eng.Engine.Ask(context.Background(), Question{Text: q}); err != nil {
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
