package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"faqbot/bot"
	"faqbot/bot/bottest"
)

const (
	testToken  = "123456789:AAtest-SECRET_token_xyz"
	operatorID = 424242
	waitFor    = 10 * time.Second
)

// fakeOps is a hand-written Operator.
type fakeOps struct {
	mu      sync.Mutex
	reindex int
	report  string
	stats   string
}

func (o *fakeOps) Reindex(context.Context) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reindex++
	return o.report, nil
}

func (o *fakeOps) Stats(context.Context) (string, error) { return o.stats, nil }

// testAsker is bottest's fake engine, taught the free-form questions these
// tests ask (mapped to the articles the real engine answered them with).
// Answers to the questions in bare come without runners-up: their goldens
// were recorded from the real engine, which offered none.
type testAsker struct {
	*bottest.Asker
	bare map[string]bool
}

func newTestAsker(t testing.TB) *testAsker {
	f := bottest.NewAsker(t)
	for q, id := range map[string]string{
		"医保卡丢了怎么看病":             "lost-card",
		"醫保卡丟了怎麼辦":              "lost-card",
		"医保卡丢了 <b>怎么办</b> & 补办": "lost-card",
		"异地就医备案":                "remote-filing",
		"异地就医怎么备案":              "remote-filing",
		"remote care filing":    "remote-filing",
	} {
		f.Extra[q] = id
	}
	// Questions no article answers: the fake's "unsure" replies.
	for _, q := range []string{"打胰岛素的钱医保给报吗", "打胰島素的錢醫保給報嗎", "Is insulin covered by medical insurance?"} {
		f.Unsure[q] = []string{"drug-class-a-b", "surgery-coverage", "dental-coverage"}
	}
	return &testAsker{Asker: f, bare: map[string]bool{"医保卡丢了怎么看病": true, "醫保卡丟了怎麼辦": true}}
}

func (a *testAsker) Ask(ctx context.Context, q bot.Question) (bot.Answer, error) {
	ans, err := a.Asker.Ask(ctx, q)
	if a.bare[bot.Clean(q.Text, 1024)] {
		ans.Alternatives = []bot.Alternative{}
	}
	return ans, err
}

// harness is a running adapter on the fake engine and an in-memory state,
// talking to a fake Bot API server.
type harness struct {
	fake *fakeBotAPI
	st   *bottest.State
	eng  *testAsker
	tg   *Bot
	logs *bottest.LogBuffer
	stop func()
}

type harnessOpts struct {
	ops     Operator
	cfg     func(*Config)
	realism bool // keep the production send rates
	noRun   bool
}

// startBot starts an adapter against fake with state st (nil: a new one).
func startBot(t *testing.T, fake *fakeBotAPI, st *bottest.State, o harnessOpts) *harness {
	t.Helper()
	if st == nil {
		st = bottest.NewState()
	}
	logs := &bottest.LogBuffer{}
	eng := newTestAsker(t)
	cfg := Config{
		Token: testToken, APIEndpoint: fake.URL(), Operators: []int64{operatorID},
		PollTimeout: 5 * time.Second, Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	tg, err := New(context.Background(), cfg, eng, st, o.ops)
	if err != nil {
		t.Fatal(err)
	}
	tg.backoffMin, tg.backoffMax = 20*time.Millisecond, 200*time.Millisecond
	tg.send.retryBase = 10 * time.Millisecond
	if !o.realism {
		tg.send.global = rate.NewLimiter(1000, 100)
		tg.send.chatLimit, tg.send.chatBurst = 1000, 100
	}
	h := &harness{fake: fake, st: st, eng: eng, tg: tg, logs: logs, stop: func() {}}
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
			bottest.NoSecrets(t, logs.String(), testToken)
		})
	}
	t.Cleanup(h.stop)
	return h
}

// ask pushes a private question and returns the reply.
func (h *harness) ask(t *testing.T, chat int64, text string) fakeBotCall {
	t.Helper()
	n := len(h.fake.callsOf("sendMessage", true))
	h.fake.push(textUpdate(chat, chat, text))
	return h.fake.waitOK(t, "sendMessage", n+1, waitFor)[n]
}

// sentinel sends "你好" to chat and waits for its reply: the chat's updates
// are handled in order, so everything pushed before has been handled. It
// returns the messages sent to chat before the sentinel's reply, from index
// from of all successful sendMessage calls.
func (h *harness) sentinel(t *testing.T, chat int64, from int) []fakeBotCall {
	t.Helper()
	a, err := h.eng.Ask(context.Background(), bot.Question{Text: "你好"})
	if err != nil {
		t.Fatal(err)
	}
	want := h.tg.answerMessage(a).Text
	h.fake.push(textUpdate(chat, chat, "你好"))
	for deadline := time.Now().Add(waitFor); ; time.Sleep(2 * time.Millisecond) {
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

// keyboardOf decodes a reply_markup into rows of [label, data].
func keyboardOf(t *testing.T, markup string) [][][2]string {
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

// goldenCalls renders sent messages (HTML text, then the keyboard) for golden files.
func goldenCalls(t *testing.T, calls ...fakeBotCall) []byte {
	t.Helper()
	var b strings.Builder
	for i, c := range calls {
		if i > 0 {
			b.WriteString("\n=====\n")
		}
		b.WriteString(c.Params.Get("text"))
		b.WriteString("\n")
		for _, row := range keyboardOf(t, c.Params.Get("reply_markup")) {
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

func TestPrivateQuestion(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	want, err := h.eng.Ask(context.Background(), bot.Question{Text: "医保卡丢了怎么看病", Channel: "test"})
	if err != nil || !want.Answered {
		t.Fatalf("engine does not answer the test question: %+v %v", want, err)
	}
	c := h.ask(t, 1001, "医保卡丢了怎么看病")
	if c.Params.Get("parse_mode") != "HTML" || c.Params.Get("chat_id") != "1001" {
		t.Errorf("params %v", c.Params)
	}
	text := c.Params.Get("text")
	for _, s := range []string{"<b>" + escape(want.Title) + "</b>", escape(want.Disclaimer), escape(want.Snippet)} {
		if !strings.Contains(text, s) {
			t.Errorf("reply lacks %q:\n%s", s, text)
		}
	}
	kbd := keyboardOf(t, c.Params.Get("reply_markup"))
	if len(kbd) < 2 || kbd[0][0][1] != "up|zh|"+want.ID || kbd[0][1][1] != "dn|zh|"+want.ID || kbd[1][0][1] != "full|zh|"+want.ID {
		t.Errorf("keyboard %v", kbd)
	}
	if len(kbd) != 2+len(want.Alternatives) {
		t.Errorf("keyboard has %d rows, want votes, full article and %d runners-up", len(kbd), len(want.Alternatives))
	}
	bottest.Golden(t, "answer_zh.txt", goldenCalls(t, c))
	if c.Params.Get("reply_to_message_id") != "" {
		t.Errorf("private answers are not replies: %v", c.Params)
	}
}

func TestEscapesUserAndContentText(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	// A question with markup: the fake rejects the reply if anything is unescaped.
	c := h.ask(t, 1002, "医保卡丢了 <b>怎么办</b> & 补办")
	if strings.Contains(c.Params.Get("text"), "<b>怎么办</b>") {
		t.Errorf("user markup echoed: %s", c.Params.Get("text"))
	}
	// A command echoing user text.
	c = h.ask(t, 1002, "/a <b>x</b>&y")
	bottest.Golden(t, "no_article.txt", goldenCalls(t, c))
	if !strings.Contains(c.Params.Get("text"), "&lt;b&gt;x&lt;/b&gt;&amp;y") {
		t.Errorf("id not escaped: %s", c.Params.Get("text"))
	}
	// Content with markup characters.
	card := card{Lang: locale{lang: "en"}, ID: "x", Title: "A <b> & B", Heading: "H>1", Body: "a < b && c > d", Meta: "R & D", Disclaimer: "<i>"}
	got := card.message().Text
	want := "<b>A &lt;b&gt; &amp; B</b>\n\n<b>H&gt;1</b>\na &lt; b &amp;&amp; c &gt; d\n\n<i>R &amp; D</i>\n\n<i>&lt;i&gt;</i>"
	if got != want {
		t.Errorf("card text\n got %q\nwant %q", got, want)
	}
	if _, err := fakeBotParseHTML(got); err != nil {
		t.Errorf("card is not valid Telegram HTML: %v", err)
	}
}

func TestVote(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
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
		fake.push(callbackUpdate(2001, 2001, tc.data))
		c := fake.waitOK(t, "answerCallbackQuery", n+1, waitFor)[n]
		if got := c.Params.Get("text"); got != tc.toast {
			t.Errorf("%s: toast %q, want %q", tc.data, got, tc.toast)
		}
		var found bool
		for _, v := range h.st.Votes() {
			parts := strings.Split(tc.data, "|")
			if len(parts) == 3 && v.Article == parts[2] {
				found = true
				if v.Up != tc.up || v.Channel != "telegram" || v.UserHash != h.st.HashUser("2001") || v.Lang != parts[1] {
					t.Errorf("%s: vote %+v", tc.data, v)
				}
			}
		}
		if found != tc.stored {
			t.Errorf("%s: vote stored=%v, want %v", tc.data, found, tc.stored)
		}
	}
	if n := len(fake.callsOf("sendMessage", false)); n != 0 {
		t.Errorf("votes sent %d messages", n)
	}
}

func TestLangThenEnglishAnswer(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	k := bottest.KB(t)
	c := h.ask(t, 3001, "/lang en")
	if got := c.Params.Get("text"); got != escape(labels["en"]["lang_set"]) {
		t.Errorf("/lang en reply %q", got)
	}
	if lang, _ := h.st.UserLang(h.st.HashUser("3001")); lang != "en" {
		t.Errorf("stored language %q", lang)
	}
	c = h.ask(t, 3001, "医保卡丢了怎么看病")
	text := c.Params.Get("text")
	if !strings.Contains(text, escape(k.Disclaimer("en"))) || strings.Contains(text, k.Disclaimer("zh")) {
		t.Errorf("not an English answer:\n%s", text)
	}
	kbd := keyboardOf(t, c.Params.Get("reply_markup"))
	if len(kbd) == 0 || !strings.HasPrefix(kbd[0][0][1], "up|en|") {
		t.Errorf("keyboard %v", kbd)
	}
	bottest.Golden(t, "answer_en_after_lang.txt", goldenCalls(t, c))
	for _, tc := range []struct{ cmd, want string }{
		{"/lang xx", labels["en"]["lang_usage"]},
		{"/lang auto", labels["en"]["lang_auto"]},
		{"/lang zh", labels["zh"]["lang_set"]},
	} {
		if got := h.ask(t, 3001, tc.cmd).Params.Get("text"); got != escape(tc.want) {
			t.Errorf("%s: %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

func TestGroups(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	startBot(t, fake, nil, harnessOpts{})
	const group = -100500
	botMsg := messageObj(group, fakeBotID, map[string]any{"text": "earlier answer"})
	botMsg["from"] = map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "FAQ", "username": "faq_test_bot"}
	other := messageObj(group, 77, map[string]any{"text": "hi"})
	updates := []struct {
		u      map[string]any
		answer bool
	}{
		{textUpdate(group, 5001, "医保卡丢了怎么看病"), false},                // no mention
		{textUpdate(group, 5001, "@faq_test_bot 医保卡丢了怎么看病"), true},   // mention
		{textUpdate(group, 5001, "/help@other_bot"), false},          // another bot's command
		{textUpdate(group, 5001, "请问 @FAQ_Test_Bot 异地就医怎么备案"), true}, // mention, any case
		{textUpdate(group, 5001, "/unknowncmd"), false},              // not ours
		{textUpdate(group, 5001, "@faq_test_bot2 医保卡丢了怎么看病"), false}, // a different bot
		{map[string]any{"message": messageObj(group, 5001, map[string]any{"text": "医保卡丢了", "reply_to_message": other})}, false},
		{map[string]any{"message": messageObj(group, 5001, map[string]any{"text": "那异地就医呢", "reply_to_message": botMsg})}, true},
		{map[string]any{"message": messageObj(group, 5001, map[string]any{"sticker": map[string]any{"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1}})}, false},
		{map[string]any{"edited_message": messageObj(group, 5001, map[string]any{"text": "@faq_test_bot 医保卡丢了"})}, false},
		{map[string]any{"channel_post": messageObj(-100600, 0, map[string]any{"text": "医保卡丢了怎么看病"})}, false},
		{textUpdate(group, 5001, "/lang"), true}, // a command without @: ours
		{textUpdate(group, 5001, "/help@faq_test_bot"), true},
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
	deadline := time.Now().Add(waitFor)
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

func TestInlineQuery(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
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
		fake.push(inlineUpdate(6001, tc.query))
		c := fake.waitOK(t, "answerInlineQuery", i+1, waitFor)[i]
		var results []fakeInlineResult
		if err := json.Unmarshal([]byte(c.Params.Get("results")), &results); err != nil {
			t.Fatal(err)
		}
		if len(results) < tc.min || len(results) > 5 || tc.min == 0 && len(results) != 0 {
			t.Errorf("%q: %d results", tc.query, len(results))
		}
		for _, r := range results {
			if r.Content.ParseMode != "HTML" || !strings.Contains(r.Content.Text, escape(h.eng.Disclaimer(tc.lang))) ||
				!strings.HasPrefix(r.Content.Text, "<b>"+escape(r.Title)+"</b>") {
				t.Errorf("%q: result %+v", tc.query, r)
			}
		}
	}
	if n := len(fake.callsOf("sendMessage", false)); n != 0 {
		t.Errorf("inline queries sent %d chat messages", n)
	}
}

func Test429WaitsAndSendsOnce(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{realism: true})
	fake.fail("sendMessage", fakeBotFault{Code: 429, Desc: "Too Many Requests: retry after 1", RetryAfter: 1})
	id := fake.push(textUpdate(7001, 7001, "医保卡丢了怎么看病"))
	ok := fake.waitOK(t, "sendMessage", 1, waitFor)
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

func TestRestartNoDuplicates(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	st := bottest.NewState()
	waitOffset := func(want int) {
		t.Helper()
		deadline := time.Now().Add(waitFor)
		for off, _ := st.Offset(offsetKey); off != int64(want); off, _ = st.Offset(offsetKey) {
			if time.Now().After(deadline) {
				t.Fatalf("offset %d never saved as %d", off, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	firstPoll := func(after time.Time) fakeBotCall {
		t.Helper()
		for deadline := time.Now().Add(waitFor); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
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
	h1 := startBot(t, fake, st, harnessOpts{})
	updA := textUpdate(8001, 8001, "医保卡丢了怎么看病")
	a := fake.push(updA)
	fake.waitOK(t, "sendMessage", 1, waitFor)
	waitOffset(a + 1)
	h1.stop()
	restart := time.Now()
	h2 := startBot(t, fake, st, harnessOpts{})
	if got := firstPoll(restart).Params.Get("offset"); got != fmt.Sprint(a+1) {
		t.Errorf("first getUpdates after restart has offset %q, want %d", got, a+1)
	}
	updB := textUpdate(8002, 8002, "异地就医怎么备案")
	b := fake.push(updB)
	fake.waitOK(t, "sendMessage", 2, waitFor)
	waitOffset(b + 1)
	h2.stop()
	if got := sent(); len(got) != 2 || got[1].Params.Get("chat_id") != "8002" {
		t.Fatalf("after a restart: %s", fake.summary())
	}

	// 2. Crash before the offset reached Telegram: both updates come again
	// and the saved offset lags; neither is answered twice.
	if err := st.SetOffset(offsetKey, 0); err != nil {
		t.Fatal(err)
	}
	updA["update_id"], updB["update_id"] = a, b
	fake.push(updA)
	fake.push(updB)
	startBot(t, fake, st, harnessOpts{})
	c := fake.push(textUpdate(8003, 8003, "家庭共济怎么绑定"))
	fake.waitOK(t, "sendMessage", 3, waitFor)
	waitOffset(c + 1)
	if got := sent(); len(got) != 3 || got[2].Params.Get("chat_id") != "8003" {
		t.Errorf("after a crash: %s", fake.summary())
	}
}

func TestNonTextMessages(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	kinds := []map[string]any{
		{"sticker": map[string]any{"file_id": "s", "file_unique_id": "s1", "width": 512, "height": 512, "is_animated": false}},
		{"photo": []map[string]any{{"file_id": "p", "file_unique_id": "p1", "width": 90, "height": 90}}, "caption": "医保卡"},
		{"voice": map[string]any{"file_id": "v", "file_unique_id": "v1", "duration": 3}},
		{"document": map[string]any{"file_id": "d", "file_unique_id": "d1", "file_name": "a.pdf"}},
		{"location": map[string]any{"latitude": 31.2, "longitude": 121.5}},
	}
	for i, f := range kinds {
		fake.push(map[string]any{"message": messageObj(9001, 9001, f)})
		c := fake.waitOK(t, "sendMessage", i+1, waitFor)[i]
		if got := c.Params.Get("text"); got != escape(labels["zh"]["text_only"]) {
			t.Errorf("kind %d: reply %q", i, got)
		}
	}
	// Silence: edits, channel posts, unknown update kinds, a malformed update.
	fake.push(map[string]any{"edited_message": messageObj(9001, 9001, map[string]any{"text": "医保卡"})})
	fake.push(map[string]any{"channel_post": messageObj(-1009001, 0, map[string]any{"text": "医保卡"})})
	fake.push(map[string]any{"poll": map[string]any{"id": "1", "question": "q", "options": []any{}}})
	fake.pushRaw(`{"update_id":%d,"message":{"message_id":"not a number"}}`)
	if got := h.sentinel(t, 9001, len(kinds)); len(got) != 0 {
		t.Errorf("%d replies to silent updates: %s", len(got), fake.summary())
	}
	if n := len(fake.callsOf("sendMessage", true)); n != len(kinds)+1 {
		t.Errorf("%d messages sent, want %d: %s", n, len(kinds)+1, fake.summary())
	}
}
