package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"faqbot/bot"
	"faqbot/bot/bottest"
	"faqbot/kb"
)

type relayEnv struct {
	t   *testing.T
	rl  *Relay
	srv *httptest.Server
	st  *bottest.State
	eng *bottest.Asker
	log *bottest.LogBuffer
}

// extra are phrasings the tests ask that are no article's title or listed
// question, mapped to the article that answers them.
var extra = map[string]string{
	"医保卡丢了怎么办":                               "lost-card",
	"how do I file for care in another city": "remote-filing",
}

// newAsker is the fake engine, also answering extra.
func newAsker(t *testing.T) *bottest.Asker {
	eng := bottest.NewAsker(t)
	for q, id := range extra {
		eng.Extra[q] = id
	}
	return eng
}

// newRelayEnv serves the relay on loopback with a fake engine and state,
// capturing its log. Without a secret it is an open relay on a private
// network (Config.OpenFrom loopback), as a relay that does not sign runs
// it; the default (unsigned requests limited and namespaced) is tested in
// limit_test.go.
func newRelayEnv(t *testing.T, secret string) *relayEnv {
	t.Helper()
	st := bottest.NewState()
	eng := newAsker(t)
	log := &bottest.LogBuffer{}
	cfg := Config{Secret: secret, Log: slog.New(slog.NewTextHandler(log, nil))}
	if secret == "" {
		cfg.OpenFrom = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	rl := NewRelay(eng, st, cfg)
	mux := http.NewServeMux()
	mux.Handle("/api/", rl)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &relayEnv{t: t, rl: rl, srv: srv, st: st, eng: eng, log: log}
}

// post sends body to path with extra headers ("Content-Type" defaults to
// JSON) and returns the status and body.
func (e *relayEnv) post(path, body string, hdr map[string]string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func signed(secret, body string, at time.Time) map[string]string {
	ts := strconv.FormatInt(at.Unix(), 10)
	return map[string]string{TimestampHeader: ts, SignatureHeader: Sign([]byte(secret), ts, []byte(body))}
}

// last is the last question the engine was asked.
func (e *relayEnv) last() bot.Question {
	e.t.Helper()
	asked := e.eng.Asked()
	if len(asked) == 0 {
		return bot.Question{}
	}
	return asked[len(asked)-1]
}

// TestRelayAsk: a valid request gets exactly the `ask -json` object the
// engine gives for the same question.
func TestRelayAsk(t *testing.T) {
	t.Parallel()
	env := newRelayEnv(t, "")
	ref := newAsker(t) // answers for comparison
	for _, tc := range []struct{ body, question, lang, id string }{
		{`{"question":"医保卡丢了怎么办","lang":"zh","user":"relay-user-1"}`, "医保卡丢了怎么办", "zh", "lost-card"},
		{`{"question":"how do I file for care in another city"}`, "how do I file for care in another city", "", "remote-filing"},
		{`{"question":"異地就醫備案怎麼辦理","extra":{"ignored":true}}`, "異地就醫備案怎麼辦理", "", "remote-filing"},
		{`{"question":"医保卡丢了怎么办","lang":"en"}`, "医保卡丢了怎么办", "en", "lost-card"},
		{`{"question":""}`, "", "", ""},
		{`{"question":"🙂🙂"}`, "🙂🙂", "", ""},
		{`{"question":"` + strings.Repeat("医保", 3000) + `"}`, strings.Repeat("医保", 3000), "", ""},
	} {
		code, body := env.post("/api/ask", tc.body, nil)
		if code != 200 {
			t.Errorf("%.40s: %d %s", tc.body, code, body)
			continue
		}
		want, err := ref.Ask(context.Background(), bot.Question{Text: tc.question, Lang: tc.lang})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		json.NewEncoder(&buf).Encode(want) // what `ask -json` prints
		if body != buf.String() {
			t.Errorf("%.40s:\n got %s\nwant %s", tc.body, body, buf.String())
		}
		if want.ID != tc.id {
			t.Errorf("%.40s: answered %q, want %q", tc.body, want.ID, tc.id)
		}
	}
	asked := env.eng.Asked()
	for _, q := range asked {
		if q.Channel != "api" {
			t.Errorf("asked on channel %q, want api", q.Channel)
		}
	}
	if len(asked) == 0 {
		t.Fatal("nothing asked")
	}
	if asked[0].User != "relay-user-1" {
		t.Errorf("user %q, want the relay's own id", asked[0].User)
	}
}

// TestRelayAskBadInput: JSON errors are 400 with a JSON error; size 413;
// nothing is answered.
func TestRelayAskBadInput(t *testing.T) {
	t.Parallel()
	env := newRelayEnv(t, "")
	for _, tc := range []struct {
		name, body, ctype, want string
		code                    int
	}{
		{"bad JSON", `{"question":`, "", "bad JSON", 400},
		{"not JSON", "\x00\xffjunk", "", "bad JSON", 400},
		{"empty body", "", "", "empty body", 400},
		{"missing question", `{"lang":"zh"}`, "", `missing "question"`, 400},
		{"null question", `{"question":null}`, "", `missing "question"`, 400},
		{"question is a number", `{"question":5}`, "", `"question" must be a string`, 400},
		{"question is an object", `{"question":{"text":"x"}}`, "", `"question" must be a string`, 400},
		{"lang is a bool", `{"question":"x","lang":true}`, "", `"lang" must be a string`, 400},
		{"user is a list", `{"question":"x","user":[1]}`, "", `"user" must be a string`, 400},
		{"unknown lang", `{"question":"x","lang":"fr"}`, "", `"lang" must be`, 400},
		{"array", `["x"]`, "", "want an object", 400},
		{"two objects", `{"question":"x"}{"question":"y"}`, "", "data after the object", 400},
		{"trailing junk", `{"question":"x"} junk`, "", "data after", 400},
		{"form post", `question=x`, "application/x-www-form-urlencoded", "Content-Type", 415},
		{"text/plain", `{"question":"x"}`, "text/plain", "Content-Type", 415},
		{"over 64 kB", `{"question":"` + strings.Repeat("a", 65<<10) + `"}`, "", "64 kB", 413},
	} {
		hdr := map[string]string{}
		if tc.ctype != "" {
			hdr["Content-Type"] = tc.ctype
		}
		code, body := env.post("/api/ask", tc.body, hdr)
		var e struct{ Error string }
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Errorf("%s: error reply is not JSON: %q", tc.name, body)
		}
		if code != tc.code || !strings.Contains(e.Error, tc.want) {
			t.Errorf("%s: %d %q, want %d containing %q", tc.name, code, e.Error, tc.code, tc.want)
		}
	}
	resp, err := http.Get(env.srv.URL + "/api/ask")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET /api/ask: %d", resp.StatusCode)
	}
	if n := len(env.eng.Asked()); n != 0 {
		t.Errorf("%d bad requests were answered", n)
	}
}

// TestRelaySignature: with FAQBOT_RELAY_SECRET, relays sign
// timestamp+"."+body; stale, tampered and replayed requests are refused.
// The page's own same-origin requests pass unsigned as channel "web".
func TestRelaySignature(t *testing.T) {
	t.Parallel()
	const secret = "s3cret"
	env := newRelayEnv(t, secret)
	now := time.Now()
	body := `{"question":"医保卡丢了怎么办","user":"relay-7"}`
	for _, tc := range []struct {
		name, body string
		hdr        map[string]string
		code       int
		channel    string
	}{
		{"signed", body, signed(secret, body, now), 200, "api"},
		{"replayed", body, signed(secret, body, now), 401, ""},
		{"same body, new timestamp", body, signed(secret, body, now.Add(time.Second)), 200, "api"},
		{"unsigned", body, nil, 401, ""},
		{"wrong secret", body, signed("other", body, now), 401, ""},
		{"tampered body", strings.Replace(body, "relay-7", "relay-8", 1), signed(secret, body, now.Add(2*time.Second)), 401, ""},
		{"old timestamp", body, signed(secret, body, now.Add(-10*time.Minute)), 401, ""},
		{"future timestamp", body, signed(secret, body, now.Add(10*time.Minute)), 401, ""},
		{"no timestamp", body, map[string]string{SignatureHeader: signed(secret, body, now)[SignatureHeader]}, 401, ""},
		{"the web page", body, map[string]string{"Sec-Fetch-Site": "same-origin"}, 200, "web"},
		{"another site", body, map[string]string{"Sec-Fetch-Site": "cross-site"}, 401, ""},
	} {
		code, reply := env.post("/api/ask", tc.body, tc.hdr)
		if code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, code, reply, tc.code)
			continue
		}
		if tc.code == 200 {
			q := env.last()
			if q.Channel != tc.channel {
				t.Errorf("%s: channel %q, want %q", tc.name, q.Channel, tc.channel)
			}
			// The page's self-chosen ids are kept apart from relays' ids,
			// and namespaced by the client's address.
			if want := map[string]string{"api": "relay-7", "web": "web@127.0.0.1/32:relay-7"}[tc.channel]; q.User != want {
				t.Errorf("%s: user %q, want %q", tc.name, q.User, want)
			}
		}
	}
	if n := len(env.eng.Asked()); n != 3 {
		t.Errorf("%d requests answered, want 3", n)
	}
	bottest.NoSecrets(t, env.log.String(), secret, "relay-7")
	// Without a secret a signature cannot be checked: refuse rather than
	// pretend.
	open := newRelayEnv(t, "")
	if code, _ := open.post("/api/ask", body, signed(secret, body, now)); code != 401 {
		t.Errorf("signature without a configured secret: %d, want 401", code)
	}
}

// TestRelayFeedback: votes are recorded with the user hashed; a second
// vote replaces the first; bad votes are refused.
func TestRelayFeedback(t *testing.T) {
	t.Parallel()
	env := newRelayEnv(t, "")
	for _, tc := range []struct {
		name, body string
		code       int
	}{
		{"up", `{"id":"lost-card","lang":"zh","up":true,"user":"u1"}`, 200},
		{"changed to down", `{"id":"lost-card","lang":"zh","up":false,"user":"u1"}`, 200},
		{"other user", `{"id":"lost-card","lang":"zh","up":true,"user":"u2"}`, 200},
		{"unknown article", `{"id":"no-such-article","lang":"zh","up":true,"user":"u1"}`, 404},
		{"path in id", `{"id":"../x","lang":"zh","up":true,"user":"u1"}`, 404},
		{"missing id", `{"lang":"zh","up":true,"user":"u1"}`, 400},
		{"missing up", `{"id":"lost-card","lang":"zh","user":"u1"}`, 400},
		{"up is a string", `{"id":"lost-card","lang":"zh","up":"yes","user":"u1"}`, 400},
		{"missing lang", `{"id":"lost-card","up":true,"user":"u1"}`, 400},
		{"missing user", `{"id":"lost-card","lang":"zh","up":true}`, 400},
		{"bad JSON", `{"id":`, 400},
	} {
		if code, body := env.post("/api/feedback", tc.body, nil); code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.code)
		}
	}
	votes := map[string]bool{}
	for _, v := range env.st.Votes() {
		if v.UserHash == "u1" || v.UserHash == "u2" {
			t.Error("raw user id stored")
		}
		if v.Channel != "api" || v.Article != "lost-card" || v.Lang != "zh" {
			t.Errorf("vote %+v", v)
		}
		votes[v.UserHash] = v.Up
	}
	if len(votes) != 2 || votes[env.st.HashUser("u1")] != false || votes[env.st.HashUser("u2")] != true {
		t.Errorf("votes %v", votes)
	}
}

func TestRelayArticle(t *testing.T) {
	t.Parallel()
	env := newRelayEnv(t, "secret-does-not-matter")
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"?id=lost-card&lang=zh", 200},
		{"?id=lost-card&lang=en", 200},
		{"?id=lost-card", 200}, // no lang: zh
		{"?id=lost-card&lang=fr", 404},
		{"?id=nope&lang=zh", 404},
		{"", 404},
	} {
		resp, err := http.Get(env.srv.URL + "/api/article" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		var art relayArticle
		json.NewDecoder(resp.Body).Decode(&art)
		resp.Body.Close()
		if resp.StatusCode != tc.code {
			t.Errorf("%s: %d, want %d", tc.query, resp.StatusCode, tc.code)
			continue
		}
		if tc.code != 200 {
			continue
		}
		want, _ := env.eng.Article(art.Lang, "lost-card")
		if art.ID != "lost-card" || art.Title != want.Title || art.Lead != want.Lead || len(art.Sections) != len(want.Sections) {
			t.Errorf("%s: %+v", tc.query, art)
		}
	}
	if code, _ := env.post("/api/article?id=lost-card&lang=zh", "{}", nil); code != 405 {
		t.Errorf("POST /api/article: %d", code)
	}
	if code, _ := env.post("/api/nothing", "{}", nil); code != 404 {
		t.Errorf("POST /api/nothing: %d", code)
	}
}

// TestRelayErrors: engine and state failures are a 500 "internal error"
// whose cause is logged once and never sent; an unsupported language is a
// 400; a refused request is one log line.
func TestRelayErrors(t *testing.T) {
	t.Parallel()
	env := newRelayEnv(t, "")
	cause := "index shard /var/lib/faqbot/ix-7 unreadable"
	env.eng.Err = errors.New(cause)
	code, body := env.post("/api/ask", `{"question":"医保卡丢了怎么办","user":"raw-user-42"}`, nil)
	if code != 500 || body != `{"error":"internal error"}`+"\n" {
		t.Errorf("engine failure: %d %s", code, body)
	}
	bottest.NoSecrets(t, body, cause)
	logs := env.log.String()
	if strings.Count(logs, "\n") != 1 || !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, cause) {
		t.Errorf("want one error line with the cause, got:\n%s", logs)
	}
	bottest.NoSecrets(t, logs, "raw-user-42")

	env.eng.Err = fmt.Errorf("ask: %w %q", bot.ErrNoLanguage, "en")
	if code, body := env.post("/api/ask", `{"question":"x"}`, nil); code != 400 || !strings.Contains(body, bot.ErrNoLanguage.Error()) {
		t.Errorf("unsupported language: %d %s", code, body)
	}

	env.st.Err = errors.New("bbolt: database not open")
	code, body = env.post("/api/feedback", `{"id":"lost-card","lang":"zh","up":true,"user":"u1"}`, nil)
	if code != 500 || body != `{"error":"internal error"}`+"\n" {
		t.Errorf("state failure: %d %s", code, body)
	}
	if !strings.Contains(env.log.String(), "database not open") {
		t.Errorf("state failure not logged:\n%s", env.log.String())
	}

	before := strings.Count(env.log.String(), "\n")
	env.post("/api/ask", `{"lang":"zh"}`, nil)
	if logs := env.log.String(); strings.Count(logs, "\n") != before+1 || !strings.Contains(logs, "status=400") {
		t.Errorf("a refused request is not one log line:\n%s", logs)
	}
}

// TestRelayContentLength: a reply goes out whole with its Content-Length,
// not chunked, also when it is over net/http's 2 kB chunking threshold (a
// whole article).
func TestRelayContentLength(t *testing.T) {
	t.Parallel()
	env := newRelayEnv(t, "")
	big := false
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/ask", `{"question":"医保卡丢了怎么办"}`},
		{http.MethodPost, "/api/ask", `{}`},
		{http.MethodGet, "/api/article?id=lost-card&lang=zh", ""},
		{http.MethodGet, "/api/article?id=remote-filing&lang=en", ""},
	} {
		req, _ := http.NewRequest(r.method, env.srv.URL+r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ContentLength != int64(len(data)) || len(resp.TransferEncoding) > 0 {
			t.Errorf("%s %s: Content-Length %d, Transfer-Encoding %v, body %d bytes", r.method, r.path, resp.ContentLength, resp.TransferEncoding, len(data))
		}
		if !json.Valid(data) {
			t.Errorf("%s %s: body is not JSON: %.80s", r.method, r.path, data)
		}
		big = big || len(data) > 2048
	}
	if !big {
		t.Error("no reply over 2 kB: the test checks little")
	}
}

// busyState refuses every vote with kb.ErrBusy, as resilient does when its
// vote spool is full.
type busyState struct{ *bottest.State }

func (busyState) RecordVote(kb.Vote) error { return fmt.Errorf("vote spool full: %w", kb.ErrBusy) }

// TestFeedbackBusy: a vote the store cannot keep is answered 503 with
// Retry-After, never {"ok": true}.
func TestFeedbackBusy(t *testing.T) {
	t.Parallel()
	eng := newAsker(t)
	rl := NewRelay(eng, busyState{bottest.NewState()}, Config{OpenFrom: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	srv := httptest.NewServer(rl)
	t.Cleanup(srv.Close)
	resp, err := http.Post(srv.URL+"/api/feedback", "application/json", strings.NewReader(`{"id":"lost-card","lang":"zh","up":true,"user":"u1"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || strings.Contains(string(body), `"ok"`) {
		t.Errorf("vote with a full spool: %d Retry-After %q %s, want 503", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestStrictKeysAndRoutes: a key given twice, or a field's key in another
// case, is a 400 naming it (encoding/json would take the last, or the
// case-folded one); unknown keys are still ignored. Routes match exactly.
func TestStrictKeysAndRoutes(t *testing.T) {
	t.Parallel()
	env := newRelayEnv(t, "")
	for _, tc := range []struct {
		name, path, body string
		code             int
		want             string
	}{
		{"plain", "/api/ask", `{"question":"医保卡丢了怎么办","user":"u"}`, 200, ""},
		{"unknown key ignored", "/api/ask", `{"question":"医保卡丢了怎么办","extra":{"question":1}}`, 200, ""},
		{"duplicate key", "/api/ask", `{"question":"医保卡丢了怎么办","question":"别的"}`, 400, `\"question\" given twice`},
		{"duplicate key, one escaped", "/api/ask", `{"question":"医保卡丢了怎么办","\u0071uestion":"别的"}`, 400, "given twice"},
		{"nested keys are not top-level keys", "/api/ask", ` { "extra" : {"question":1,"question":[{"}":"]"}]} , "question":"医保卡丢了怎么办", "n":-1.5e3,"b":true,"z":null } `, 200, ""},
		{"strings with braces and escaped quotes", "/api/ask", `{"x":"{\"question\":}","question":"医保卡丢了怎么办"}`, 200, ""},
		{"duplicate user", "/api/feedback", `{"id":"lost-card","lang":"zh","up":true,"user":"a","user":"b"}`, 400, "given twice"},
		{"case-folded key", "/api/ask", `{"Question":"医保卡丢了怎么办"}`, 400, "case-sensitive"},
		{"case-folded key beside the real one", "/api/feedback", `{"id":"lost-card","lang":"zh","up":true,"user":"a","UP":false}`, 400, "case-sensitive"},
		{"route under another segment", "/api/x/ask", `{"question":"医保卡丢了怎么办"}`, 404, ""},
		{"route with a trailing slash", "/api/ask/", `{"question":"医保卡丢了怎么办"}`, 404, ""},
		{"route with a prefix", "/api/xfeedback", `{"id":"lost-card","lang":"zh","up":true,"user":"a"}`, 404, ""},
	} {
		code, body := env.post(tc.path, tc.body, nil)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d containing %q", tc.name, code, body, tc.code, tc.want)
		}
	}
}

// strictKeysRef is strictKeys by encoding/json's tokenizer: the reference
// FuzzStrictKeys holds the one-pass scanner to.
func strictKeysRef(body []byte, v any) error {
	fields := jsonFields(v)
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := t.(string)
		if seen[key] {
			return fail(http.StatusBadRequest, fmt.Sprintf("bad JSON: key %q given twice", key))
		}
		seen[key] = true
		if !slices.Contains(fields, key) {
			for _, f := range fields {
				if strings.EqualFold(f, key) {
					return fail(http.StatusBadRequest, fmt.Sprintf("bad JSON: key %q: keys are case-sensitive, want %q", key, f))
				}
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return nil
}

// FuzzStrictKeys: on every body Unmarshal takes, the one-pass key scanner
// gives exactly the tokenizer's verdict.
func FuzzStrictKeys(f *testing.F) {
	for _, s := range []string{`{"question":"q","user":"u"}`, `{"question":"a","question":"b"}`, `{"Question":"q"}`,
		`{"x":{"question":1},"question":"q"}`, `{"\u0071uestion":"q","question":"r"}`, ` {"x" : [1,{"}":"]"}], "y":"\"}"} `, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var req relayAskRequest
		if json.Unmarshal([]byte(s), &req) != nil {
			return
		}
		got, want := strictKeys([]byte(s), &req), strictKeysRef([]byte(s), &req)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%q: scanner %v, tokenizer %v", s, got, want)
		}
	})
}
