package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"faqbot/kb"
	"faqbot/kb/state"
)

const (
	tgTestToken  = "123456789:AAtest-SECRET_token_xyz"
	tgOperatorID = 424242
	tgWait       = 10 * time.Second
)

// tgLogBuf collects the adapter's logs so tests can check what is (not) logged.
type tgLogBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *tgLogBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *tgLogBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tgFakeOps is a hand-written TelegramOperator.
type tgFakeOps struct {
	mu      sync.Mutex
	reindex int
	report  string
	stats   string
}

func (o *tgFakeOps) Reindex(context.Context) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reindex++
	return o.report, nil
}

func (o *tgFakeOps) Stats(context.Context) (string, error) { return o.stats, nil }

// tgHarness is a running adapter on the real engine and a real store,
// talking to a fake Bot API server.
type tgHarness struct {
	fake *fakeBotAPI
	st   *state.Store
	eng  *Engine
	tg   *Telegram
	logs *tgLogBuf
	stop func()
}

type tgOpts struct {
	ops     TelegramOperator
	cfg     func(*TelegramConfig)
	realism bool // keep the production send rates
	noRun   bool
}

// startTelegram starts an adapter against fake with store st (nil: a new one).
func startTelegram(t *testing.T, fake *fakeBotAPI, st *state.Store, o tgOpts) *tgHarness {
	t.Helper()
	if st == nil {
		st = newTestStore(t)
	}
	logs := &tgLogBuf{}
	eng := newTestEngine(t, Deps{Journal: st, HashUser: st.HashUser})
	cfg := TelegramConfig{
		Token: tgTestToken, APIEndpoint: fake.URL(), Operators: []int64{tgOperatorID},
		PollTimeout: 5 * time.Second, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	tg, err := NewTelegram(context.Background(), cfg, eng, st, o.ops)
	if err != nil {
		t.Fatal(err)
	}
	tg.backoffMin, tg.backoffMax = 20*time.Millisecond, 200*time.Millisecond
	tg.send.retryBase = 10 * time.Millisecond
	if !o.realism {
		tg.send.global = rate.NewLimiter(1000, 100)
		tg.send.chatLimit, tg.send.chatBurst = 1000, 100
	}
	h := &tgHarness{fake: fake, st: st, eng: eng, tg: tg, logs: logs, stop: func() {}}
	if o.noRun {
		return h
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- tg.Run(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(2 * time.Second):
				t.Errorf("Run did not return within 2s of cancel")
			}
			if strings.Contains(logs.String(), tgTestToken) {
				t.Errorf("the token was logged")
			}
		})
	}
	t.Cleanup(h.stop)
	return h
}

// tgAsk pushes a private question and returns the reply.
func (h *tgHarness) ask(t *testing.T, chat int64, text string) fakeBotCall {
	t.Helper()
	n := len(h.fake.callsOf("sendMessage", true))
	h.fake.push(tgTextUpdate(chat, chat, text))
	return h.fake.waitOK(t, "sendMessage", n+1, tgWait)[n]
}

// sentinel sends "你好" to chat and waits for its reply: the chat's updates
// are handled in order, so everything pushed before has been handled. It
// returns the messages sent to chat before the sentinel's reply, from index
// from of all successful sendMessage calls.
func (h *tgHarness) sentinel(t *testing.T, chat int64, from int) []fakeBotCall {
	t.Helper()
	a, err := h.eng.Ask(context.Background(), Question{Text: "你好"})
	if err != nil {
		t.Fatal(err)
	}
	want := h.tg.answerMessage(a).Text
	h.fake.push(tgTextUpdate(chat, chat, "你好"))
	for deadline := time.Now().Add(tgWait); ; time.Sleep(2 * time.Millisecond) {
		var out []fakeBotCall
		for _, c := range h.fake.callsOf("sendMessage", true)[from:] {
			if c.Params.Get("chat_id") != fmt.Sprint(chat) {
				continue
			}
			if c.Params.Get("text") == want {
				return out
			}
			out = append(out, c)
		}
		if time.Now().After(deadline) {
			t.Fatalf("sentinel not answered: %s", h.fake.summary())
		}
	}
}

// tgKeyboard decodes a reply_markup into rows of [label, data].
func tgKeyboard(t *testing.T, markup string) [][][2]string {
	t.Helper()
	if markup == "" {
		return nil
	}
	var m struct {
		InlineKeyboard [][]struct {
			Text string `json:"text"`
			Data string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(markup), &m); err != nil {
		t.Fatalf("reply_markup %q: %v", markup, err)
	}
	var out [][][2]string
	for _, r := range m.InlineKeyboard {
		var row [][2]string
		for _, b := range r {
			row = append(row, [2]string{b.Text, b.Data})
		}
		out = append(out, row)
	}
	return out
}

// tgGolden renders sent messages (HTML text, then the keyboard) for golden files.
func tgGolden(t *testing.T, calls ...fakeBotCall) []byte {
	t.Helper()
	var b strings.Builder
	for i, c := range calls {
		if i > 0 {
			b.WriteString("\n=====\n")
		}
		b.WriteString(c.Params.Get("text"))
		b.WriteString("\n")
		for _, row := range tgKeyboard(t, c.Params.Get("reply_markup")) {
			b.WriteString("\n")
			for j, btn := range row {
				if j > 0 {
					b.WriteString(" ")
				}
				fmt.Fprintf(&b, "[%s → %s]", btn[0], btn[1])
			}
		}
		if len(c.Params.Get("reply_markup")) > 0 {
			b.WriteString("\n")
		}
	}
	return []byte(b.String())
}

func TestTelegramPrivateQuestion(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	h := startTelegram(t, fake, nil, tgOpts{})
	want, err := h.eng.Ask(context.Background(), Question{Text: "医保卡丢了怎么看病", Channel: "test"})
	if err != nil || !want.Answered {
		t.Fatalf("engine does not answer the test question: %+v %v", want, err)
	}
	c := h.ask(t, 1001, "医保卡丢了怎么看病")
	if c.Params.Get("parse_mode") != "HTML" || c.Params.Get("chat_id") != "1001" {
		t.Errorf("params %v", c.Params)
	}
	text := c.Params.Get("text")
	for _, s := range []string{"<b>" + tgEscape(want.Title) + "</b>", tgEscape(want.Disclaimer), tgEscape(want.Snippet)} {
		if !strings.Contains(text, s) {
			t.Errorf("reply lacks %q:\n%s", s, text)
		}
	}
	kbd := tgKeyboard(t, c.Params.Get("reply_markup"))
	if len(kbd) < 2 || kbd[0][0][1] != "up|zh|"+want.ID || kbd[0][1][1] != "dn|zh|"+want.ID || kbd[1][0][1] != "full|zh|"+want.ID {
		t.Errorf("keyboard %v", kbd)
	}
	if len(kbd) != 2+len(want.Alternatives) {
		t.Errorf("keyboard has %d rows, want votes, full article and %d runners-up", len(kbd), len(want.Alternatives))
	}
	golden(t, "telegram/answer_zh.txt", tgGolden(t, c))
	if c.Params.Get("reply_to_message_id") != "" {
		t.Errorf("private answers are not replies: %v", c.Params)
	}
}

func TestTelegramEscapesUserAndContentText(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	h := startTelegram(t, fake, nil, tgOpts{})
	// A question with markup: the fake rejects the reply if anything is unescaped.
	c := h.ask(t, 1002, "医保卡丢了 <b>怎么办</b> & 补办")
	if strings.Contains(c.Params.Get("text"), "<b>怎么办</b>") {
		t.Errorf("user markup echoed: %s", c.Params.Get("text"))
	}
	// A command echoing user text.
	c = h.ask(t, 1002, "/a <b>x</b>&y")
	golden(t, "telegram/no_article.txt", tgGolden(t, c))
	if !strings.Contains(c.Params.Get("text"), "&lt;b&gt;x&lt;/b&gt;&amp;y") {
		t.Errorf("id not escaped: %s", c.Params.Get("text"))
	}
	// Content with markup characters.
	card := tgCard{Lang: tgLang{lang: "en"}, ID: "x", Title: "A <b> & B", Heading: "H>1", Body: "a < b && c > d", Meta: "R & D", Disclaimer: "<i>"}
	got := card.message().Text
	want := "<b>A &lt;b&gt; &amp; B</b>\n\n<b>H&gt;1</b>\na &lt; b &amp;&amp; c &gt; d\n\n<i>R &amp; D</i>\n\n<i>&lt;i&gt;</i>"
	if got != want {
		t.Errorf("card text\n got %q\nwant %q", got, want)
	}
	if _, err := fakeBotParseHTML(got); err != nil {
		t.Errorf("card is not valid Telegram HTML: %v", err)
	}
}

func TestTelegramVote(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	h := startTelegram(t, fake, nil, tgOpts{})
	since := time.Now().Add(-time.Minute)
	for _, tc := range []struct {
		data, toast string
		up, stored  bool
	}{
		{"up|zh|lost-card", "谢谢反馈！", true, true},
		{"dn|en|remote-filing", "Thanks for your feedback!", false, true},
		{"up|zh|no-such-article", "这个按钮已失效，请重新提问。", false, false},
		{"garbage", "这个按钮已失效，请重新提问。", false, false},
	} {
		n := len(fake.callsOf("answerCallbackQuery", true))
		fake.push(tgCallbackUpdate(2001, 2001, tc.data))
		c := fake.waitOK(t, "answerCallbackQuery", n+1, tgWait)[n]
		if got := c.Params.Get("text"); got != tc.toast {
			t.Errorf("%s: toast %q, want %q", tc.data, got, tc.toast)
		}
		var found bool
		_ = h.st.Votes(since, func(v kb.Vote) error {
			parts := strings.Split(tc.data, "|")
			if len(parts) == 3 && v.Article == parts[2] {
				found = true
				if v.Up != tc.up || v.Channel != "telegram" || v.UserHash != h.st.HashUser("2001") || v.Lang != parts[1] {
					t.Errorf("%s: vote %+v", tc.data, v)
				}
			}
			return nil
		})
		if found != tc.stored {
			t.Errorf("%s: vote stored=%v, want %v", tc.data, found, tc.stored)
		}
	}
	if n := len(fake.callsOf("sendMessage", false)); n != 0 {
		t.Errorf("votes sent %d messages", n)
	}
}

func TestTelegramLangThenEnglishAnswer(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	h := startTelegram(t, fake, nil, tgOpts{})
	k := h.eng.KB()
	c := h.ask(t, 3001, "/lang en")
	if got := c.Params.Get("text"); got != tgEscape(tgLabels["en"]["lang_set"]) {
		t.Errorf("/lang en reply %q", got)
	}
	if lang, _ := h.st.UserLang(h.st.HashUser("3001")); lang != "en" {
		t.Errorf("stored language %q", lang)
	}
	c = h.ask(t, 3001, "医保卡丢了怎么看病")
	text := c.Params.Get("text")
	if !strings.Contains(text, tgEscape(k.Disclaimer("en"))) || strings.Contains(text, k.Disclaimer("zh")) {
		t.Errorf("not an English answer:\n%s", text)
	}
	kbd := tgKeyboard(t, c.Params.Get("reply_markup"))
	if len(kbd) == 0 || !strings.HasPrefix(kbd[0][0][1], "up|en|") {
		t.Errorf("keyboard %v", kbd)
	}
	golden(t, "telegram/answer_en_after_lang.txt", tgGolden(t, c))
	for _, tc := range []struct{ cmd, want string }{
		{"/lang xx", tgLabels["en"]["lang_usage"]},
		{"/lang auto", tgLabels["en"]["lang_auto"]},
		{"/lang zh", tgLabels["zh"]["lang_set"]},
	} {
		if got := h.ask(t, 3001, tc.cmd).Params.Get("text"); got != tgEscape(tc.want) {
			t.Errorf("%s: %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

func TestTelegramGroups(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	startTelegram(t, fake, nil, tgOpts{})
	const group = -100500
	botMsg := tgMessageObj(group, fakeBotID, map[string]any{"text": "earlier answer"})
	botMsg["from"] = map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "FAQ", "username": "faq_test_bot"}
	other := tgMessageObj(group, 77, map[string]any{"text": "hi"})
	updates := []struct {
		u      map[string]any
		answer bool
	}{
		{tgTextUpdate(group, 5001, "医保卡丢了怎么看病"), false},                // no mention
		{tgTextUpdate(group, 5001, "@faq_test_bot 医保卡丢了怎么看病"), true},   // mention
		{tgTextUpdate(group, 5001, "/help@other_bot"), false},          // another bot's command
		{tgTextUpdate(group, 5001, "请问 @FAQ_Test_Bot 异地就医怎么备案"), true}, // mention, any case
		{tgTextUpdate(group, 5001, "/unknowncmd"), false},              // not ours
		{tgTextUpdate(group, 5001, "@faq_test_bot2 医保卡丢了怎么看病"), false}, // a different bot
		{map[string]any{"message": tgMessageObj(group, 5001, map[string]any{"text": "医保卡丢了", "reply_to_message": other})}, false},
		{map[string]any{"message": tgMessageObj(group, 5001, map[string]any{"text": "那异地就医呢", "reply_to_message": botMsg})}, true},
		{map[string]any{"message": tgMessageObj(group, 5001, map[string]any{"sticker": map[string]any{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}})}, false},
		{map[string]any{"edited_message": tgMessageObj(group, 5001, map[string]any{"text": "@faq_test_bot 医保卡丢了"})}, false},
		{map[string]any{"channel_post": tgMessageObj(-100600, 0, map[string]any{"text": "医保卡丢了怎么看病"})}, false},
		{tgTextUpdate(group, 5001, "/lang"), true}, // a command without @: ours
		{tgTextUpdate(group, 5001, "/help@faq_test_bot"), true},
	}
	want := map[string]bool{}
	var lastID string
	for _, u := range updates {
		fake.push(u.u)
		if m, ok := u.u["message"].(map[string]any); ok && u.answer {
			lastID = fmt.Sprint(m["message_id"])
			want[lastID] = true
		}
	}
	// Updates of one chat are handled in order: when the last addressed
	// message is answered, every earlier one has been handled.
	deadline := time.Now().Add(tgWait)
	for {
		done := false
		for _, c := range fake.callsOf("sendMessage", true) {
			done = done || c.Params.Get("reply_to_message_id") == lastID
		}
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("last addressed message not answered: %s", fake.summary())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the channel post is in another chat
	got := map[string]bool{}
	for _, c := range fake.callsOf("sendMessage", false) {
		if c.Params.Get("chat_id") != fmt.Sprint(group) {
			t.Errorf("message to chat %s: %s", c.Params.Get("chat_id"), c.Params.Get("text"))
		}
		to := c.Params.Get("reply_to_message_id")
		if got[to] || !want[to] {
			t.Errorf("unexpected or repeated reply to message %q: %.80s", to, c.Params.Get("text"))
		}
		got[to] = true
	}
	if len(got) != len(want) {
		t.Errorf("answered %d of %d addressed messages: %s", len(got), len(want), fake.summary())
	}
}

func TestTelegramInlineQuery(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	h := startTelegram(t, fake, nil, tgOpts{})
	k := h.eng.KB()
	for i, tc := range []struct {
		query string
		min   int
		lang  string
	}{
		{"异地就医备案", 1, "zh"},
		{"remote care filing", 1, "en"},
		{"", 3, "zh"},        // examples
		{"今天天气怎么样", 0, "zh"}, // nothing: no results
	} {
		fake.push(tgInlineUpdate(6001, tc.query))
		c := fake.waitOK(t, "answerInlineQuery", i+1, tgWait)[i]
		var results []fakeInlineResult
		if err := json.Unmarshal([]byte(c.Params.Get("results")), &results); err != nil {
			t.Fatal(err)
		}
		if len(results) < tc.min || len(results) > 5 || tc.min == 0 && len(results) != 0 {
			t.Errorf("%q: %d results", tc.query, len(results))
		}
		for _, r := range results {
			if r.Content.ParseMode != "HTML" || !strings.Contains(r.Content.Text, tgEscape(k.Disclaimer(tc.lang))) ||
				!strings.HasPrefix(r.Content.Text, "<b>"+tgEscape(r.Title)+"</b>") {
				t.Errorf("%q: result %+v", tc.query, r)
			}
		}
	}
	if n := len(fake.callsOf("sendMessage", false)); n != 0 {
		t.Errorf("inline queries sent %d chat messages", n)
	}
}

func TestTelegram429WaitsAndSendsOnce(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	h := startTelegram(t, fake, nil, tgOpts{realism: true})
	fake.fail("sendMessage", fakeBotFault{Code: 429, Desc: "Too Many Requests: retry after 1", RetryAfter: 1})
	id := fake.push(tgTextUpdate(7001, 7001, "医保卡丢了怎么看病"))
	ok := fake.waitOK(t, "sendMessage", 1, tgWait)
	time.Sleep(300 * time.Millisecond) // room for a wrong duplicate
	all := fake.callsOf("sendMessage", false)
	if len(all) != 2 || all[0].OK || !all[1].OK {
		t.Fatalf("sendMessage calls: %s", fake.summary())
	}
	if len(fake.callsOf("sendMessage", true)) != 1 {
		t.Errorf("delivered %d messages, want exactly 1", len(fake.callsOf("sendMessage", true)))
	}
	if wait := ok[0].At.Sub(all[0].At); wait < time.Second {
		t.Errorf("retried after %v, before retry_after (1s)", wait)
	}
	if d := ok[0].At.Sub(fake.pushedAt(id)); d > 5*time.Second {
		t.Errorf("delivered after %v", d)
	}
	_ = h
}

func TestTelegramRestartNoDuplicates(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	st := newTestStore(t)
	waitOffset := func(want int) {
		t.Helper()
		deadline := time.Now().Add(tgWait)
		for off, _ := st.Offset(tgOffsetKey); off != int64(want); off, _ = st.Offset(tgOffsetKey) {
			if time.Now().After(deadline) {
				t.Fatalf("offset %d never saved as %d", off, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	firstPoll := func(after time.Time) fakeBotCall {
		t.Helper()
		for deadline := time.Now().Add(tgWait); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			for _, c := range fake.callsOf("getUpdates", false) {
				if c.At.After(after) {
					return c
				}
			}
		}
		t.Fatal("no getUpdates after restart")
		return fakeBotCall{}
	}
	sent := func() []fakeBotCall {
		time.Sleep(150 * time.Millisecond) // room for a wrong duplicate
		return fake.callsOf("sendMessage", true)
	}

	// 1. Graceful restart: the second run resumes from the saved offset.
	h1 := startTelegram(t, fake, st, tgOpts{})
	updA := tgTextUpdate(8001, 8001, "医保卡丢了怎么看病")
	a := fake.push(updA)
	fake.waitOK(t, "sendMessage", 1, tgWait)
	waitOffset(a + 1)
	h1.stop()
	restart := time.Now()
	h2 := startTelegram(t, fake, st, tgOpts{})
	if got := firstPoll(restart).Params.Get("offset"); got != fmt.Sprint(a+1) {
		t.Errorf("first getUpdates after restart has offset %q, want %d", got, a+1)
	}
	updB := tgTextUpdate(8002, 8002, "异地就医怎么备案")
	b := fake.push(updB)
	fake.waitOK(t, "sendMessage", 2, tgWait)
	waitOffset(b + 1)
	h2.stop()
	if got := sent(); len(got) != 2 || got[1].Params.Get("chat_id") != "8002" {
		t.Fatalf("after a restart: %s", fake.summary())
	}

	// 2. Crash before the offset reached Telegram: both updates come again
	// and the saved offset lags; neither is answered twice.
	if err := st.SetOffset(tgOffsetKey, 0); err != nil {
		t.Fatal(err)
	}
	updA["update_id"], updB["update_id"] = a, b
	fake.push(updA)
	fake.push(updB)
	startTelegram(t, fake, st, tgOpts{})
	c := fake.push(tgTextUpdate(8003, 8003, "家庭共济怎么绑定"))
	fake.waitOK(t, "sendMessage", 3, tgWait)
	waitOffset(c + 1)
	if got := sent(); len(got) != 3 || got[2].Params.Get("chat_id") != "8003" {
		t.Errorf("after a crash: %s", fake.summary())
	}
}

func TestTelegramNonTextMessages(t *testing.T) {
	fake := newFakeBotAPI(t, tgTestToken)
	h := startTelegram(t, fake, nil, tgOpts{})
	kinds := []map[string]any{
		{"sticker": map[string]any{"file_id": "s", "file_unique_id": "s1", "width": 512, "height": 512, "is_animated": false}},
		{"photo": []map[string]any{{"file_id": "p", "file_unique_id": "p1", "width": 90, "height": 90}}, "caption": "医保卡"},
		{"voice": map[string]any{"file_id": "v", "file_unique_id": "v1", "duration": 3}},
		{"document": map[string]any{"file_id": "d", "file_unique_id": "d1", "file_name": "a.pdf"}},
		{"location": map[string]any{"latitude": 31.2, "longitude": 121.5}},
	}
	for i, f := range kinds {
		fake.push(map[string]any{"message": tgMessageObj(9001, 9001, f)})
		c := fake.waitOK(t, "sendMessage", i+1, tgWait)[i]
		if got := c.Params.Get("text"); got != tgEscape(tgLabels["zh"]["text_only"]) {
			t.Errorf("kind %d: reply %q", i, got)
		}
	}
	// Silence: edits, channel posts, unknown update kinds, a malformed update.
	fake.push(map[string]any{"edited_message": tgMessageObj(9001, 9001, map[string]any{"text": "医保卡"})})
	fake.push(map[string]any{"channel_post": tgMessageObj(-1009001, 0, map[string]any{"text": "医保卡"})})
	fake.push(map[string]any{"poll": map[string]any{"id": "1", "question": "q", "options": []any{}}})
	fake.pushRaw(`{"update_id":%d,"message":{"message_id":"not a number"}}`)
	if got := h.sentinel(t, 9001, len(kinds)); len(got) != 0 {
		t.Errorf("%d replies to silent updates: %s", len(got), fake.summary())
	}
	if n := len(fake.callsOf("sendMessage", true)); n != len(kinds)+1 {
		t.Errorf("%d messages sent, want %d: %s", n, len(kinds)+1, fake.summary())
	}
}
