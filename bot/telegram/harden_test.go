package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"faqbot/bot"
	"faqbot/bot/bottest"
)

// fromUser is a private message from a user whose Telegram client is set
// to languageCode.
func fromUser(user int64, languageCode, text string) map[string]any {
	m := messageObj(user, user, map[string]any{"text": text})
	m["from"] = map[string]any{"id": user, "is_bot": false, "first_name": "Tester", "language_code": languageCode}
	return map[string]any{"message": m}
}

// TestUnreadableTextInUserLanguage: text with no Chinese or English letters
// (Russian, emoji, "4") gets the "please send text" reply in the user's
// language (stored with /lang, else the Telegram client's), saying which
// languages the bot reads.
func TestUnreadableTextInUserLanguage(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	empty := func(lang string) string { return renderText(h.eng.Reply(lang, bot.ReasonEmpty)).Text }
	for lang, names := range map[string][]string{"en": {"Chinese", "English"}, "zh": {"中文", "英文"}} {
		for _, n := range names {
			if !strings.Contains(empty(lang), n) {
				t.Errorf("the %s text-only reply does not say the bot reads %s: %q", lang, n, empty(lang))
			}
		}
	}
	h.ask(t, 9204, "/lang en")
	for i, tc := range []struct {
		user       int64
		code, text string
		lang       string
	}{
		{9201, "en", "Привет, как дела?", "en"},
		{9202, "en-GB", "4", "en"},
		{9203, "zh-hans", "🙂", "zh"},
		{9204, "zh-hans", "Привет", "en"}, // chose English with /lang
		{9205, "ru", "Привет", "zh"},      // neither: Chinese, the bot's first language
	} {
		n := len(fake.callsOf("sendMessage", true))
		fake.push(fromUser(tc.user, tc.code, tc.text))
		c := fake.waitOK(t, "sendMessage", n+1, waitFor)[n]
		if got := c.Params.Get("text"); got != empty(tc.lang) {
			t.Errorf("%d: %q from a %s client: %q, want the %s reply", i, tc.text, tc.code, got, tc.lang)
		}
	}
}

const (
	forumChat   = -1001987654321
	forumThread = 77
)

// topicMessage is a message in topic forumThread of a forum supergroup, as
// Telegram sends it (is_topic_message, message_thread_id, chat.is_forum).
func topicMessage(from map[string]any, fields map[string]any) map[string]any {
	m := messageObj(forumChat, 1, fields)
	m["from"] = from
	m["chat"] = map[string]any{"id": forumChat, "type": "supergroup", "title": "医保交流", "is_forum": true}
	m["message_thread_id"] = forumThread
	m["is_topic_message"] = true
	return m
}

var (
	forumUser = map[string]any{"id": 12001, "is_bot": false, "first_name": "Tester", "language_code": "zh-hans"}
	botUser   = map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "FAQ", "username": "faq_test_bot"}
)

// TestForumTopic: in a forum supergroup every message the bot sends about
// a question in a topic carries that topic's message_thread_id: the
// answer, the replies to its buttons (full article, runners-up) and every
// part of a long reply. Messages outside a topic (the General topic, a
// reply thread in an ordinary group) carry none.
func TestForumTopic(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	thread := fmt.Sprint(forumThread)

	// The longest article, for "full" and "/a".
	long, size := "", 0
	for _, art := range bottest.KB(t).Articles("zh") {
		if n := len(renderArticle(art, h.eng.Disclaimer("zh"), locale{lang: "zh"})[0].Text); n > size {
			long, size = art.ID, n
		}
	}

	n := 0
	expect := func(what string, atLeast int) []fakeBotCall {
		t.Helper()
		calls := fake.waitOK(t, "sendMessage", n+atLeast, waitFor)
		time.Sleep(100 * time.Millisecond) // room for further parts
		calls = fake.callsOf("sendMessage", true)
		got := calls[n:]
		n = len(calls)
		for i, c := range got {
			if c.Params.Get("message_thread_id") != thread || c.Params.Get("chat_id") != fmt.Sprint(forumChat) {
				t.Errorf("%s, message %d of %d: message_thread_id %q chat %s, want %s in %d",
					what, i+1, len(got), c.Params.Get("message_thread_id"), c.Params.Get("chat_id"), thread, forumChat)
			}
		}
		return got
	}

	fake.push(map[string]any{"message": topicMessage(forumUser, map[string]any{"text": "@faq_test_bot 异地就医怎么备案"})})
	answer := expect("answer", 1)
	if answer[0].Params.Get("reply_to_message_id") == "" {
		t.Error("the answer does not reply to the question")
	}
	kbd := keyboardOf(t, answer[0].Params.Get("reply_markup"))
	var buttons []string
	for _, row := range kbd {
		for _, b := range row {
			if strings.HasPrefix(b[1], "full|") || strings.HasPrefix(b[1], "art|") {
				buttons = append(buttons, b[1])
			}
		}
	}
	if len(buttons) < 2 {
		t.Fatalf("the answer offers no runners-up to press: %v", kbd)
	}
	buttons = append(buttons, "full|zh|"+long, "topic|zh|x")
	pressed := 0
	for _, data := range buttons {
		msg := topicMessage(botUser, map[string]any{"text": "…"})
		fake.push(map[string]any{"callback_query": map[string]any{
			"id": fmt.Sprintf("cb-topic-%d", pressed), "chat_instance": "42", "data": data,
			"from": forumUser, "message": msg}})
		pressed++
		fake.waitOK(t, "answerCallbackQuery", pressed, waitFor)
		if strings.HasPrefix(data, "topic|") {
			continue // an unknown topic: a toast, no message
		}
		expect("button "+data, 1)
	}
	fake.push(map[string]any{"message": topicMessage(forumUser, map[string]any{"text": "/a " + long})})
	expect("/a "+long, 1)

	// A reply in several parts (no real article is long enough to need
	// them): every part goes to the topic, only the first is a reply.
	parts := splitPlain(strings.Repeat("医保政策很长的一段说明。", 1200), maxText)
	if len(parts) < 2 {
		t.Fatalf("%d parts", len(parts))
	}
	var msgs []message
	for _, p := range parts {
		msgs = append(msgs, renderText(p))
	}
	if err := h.tg.send.messages(context.Background(), forumChat, forumThread, 99, msgs...); err != nil {
		t.Fatal(err)
	}
	got := expect("a reply in parts", len(msgs))
	if len(got) != len(msgs) || got[0].Params.Get("reply_to_message_id") != "99" || got[1].Params.Get("reply_to_message_id") != "" {
		t.Errorf("%d parts sent for %d", len(got), len(msgs))
	}

	// The General topic of the forum and an ordinary group's reply thread:
	// no message_thread_id.
	general := topicMessage(forumUser, map[string]any{"text": "@faq_test_bot 异地就医怎么备案"})
	delete(general, "message_thread_id")
	delete(general, "is_topic_message")
	plainGroup := messageObj(-100500600, 12002, map[string]any{"text": "@faq_test_bot 异地就医怎么备案", "message_thread_id": 5})
	for _, m := range []map[string]any{general, plainGroup} {
		fake.push(map[string]any{"message": m})
		c := fake.waitOK(t, "sendMessage", n+1, waitFor)[n]
		n++
		if got := c.Params.Get("message_thread_id"); got != "" {
			t.Errorf("chat %s outside a topic: message_thread_id %q", c.Params.Get("chat_id"), got)
		}
	}
}

// TestAnonymousAdmin: an anonymous group admin's message comes from
// GroupAnonymousBot (is_bot, id 1087968824) with sender_chat the group; a
// mention of the bot is answered. Other bots are still ignored.
func TestAnonymousAdmin(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	startBot(t, fake, nil, harnessOpts{})
	const group = -1001555666777
	groupChat := map[string]any{"id": group, "type": "supergroup", "title": "医保交流群"}
	anon := func(text string) map[string]any {
		m := messageObj(group, 1, map[string]any{"text": text})
		m["from"] = map[string]any{"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"}
		m["sender_chat"] = groupChat
		m["author_signature"] = "管理员"
		return map[string]any{"message": m}
	}
	otherBot := messageObj(group, 1, map[string]any{"text": "@faq_test_bot 异地就医怎么备案"})
	otherBot["from"] = map[string]any{"id": 5550001, "is_bot": true, "first_name": "Other", "username": "other_bot"}
	fake.push(map[string]any{"message": otherBot})
	fake.push(anon("管理员问一下 异地就医怎么备案")) // no mention: not for the bot
	mention := anon("@faq_test_bot 医保卡丢了怎么看病")
	fake.push(mention)
	c := fake.waitOK(t, "sendMessage", 1, waitFor)[0]
	if c.Params.Get("reply_to_message_id") != fmt.Sprint(mention["message"].(map[string]any)["message_id"]) {
		t.Errorf("answered %v, want the anonymous admin's mention", c.Params)
	}
	if !strings.Contains(c.Params.Get("text"), "医保卡") {
		t.Errorf("answer %q", c.Params.Get("text"))
	}
	time.Sleep(150 * time.Millisecond)
	if n := len(fake.callsOf("sendMessage", false)); n != 1 {
		t.Errorf("%d messages sent, want 1: %s", n, fake.summary())
	}
}

// TestServiceMessagesSilent: service messages in a private chat (pinned
// message, auto-delete timer, write access allowed, chat or users shared)
// get no reply; a sticker still gets the polite "text only" reply.
func TestServiceMessagesSilent(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	const chat = 13001
	pinned := messageObj(chat, chat, map[string]any{"text": "医保卡丢了怎么看病"})
	for _, f := range []map[string]any{
		{"pinned_message": pinned},
		{"message_auto_delete_timer_changed": map[string]any{"message_auto_delete_time": 86400}},
		{"write_access_allowed": map[string]any{"from_request": true}},
		{"write_access_allowed": map[string]any{}},
		{"chat_shared": map[string]any{"request_id": 1, "chat_id": -1001234}},
		{"users_shared": map[string]any{"request_id": 2, "users": []any{map[string]any{"user_id": 4242}}}},
		{"user_shared": map[string]any{"request_id": 3, "user_id": 4242}},
		{"connected_website": "example.org"},
		{"forum_topic_created": map[string]any{"name": "x", "icon_color": 7322096}},
	} {
		fake.push(map[string]any{"message": messageObj(chat, chat, f)})
	}
	fake.push(map[string]any{"message": messageObj(chat, chat, map[string]any{"sticker": map[string]any{"file_id": "s", "file_unique_id": "s1", "width": 512, "height": 512, "is_animated": false}})})
	got := h.sentinel(t, chat, 0)
	if len(got) != 1 || got[0].Params.Get("text") != escape(labels["zh"]["text_only"]) {
		t.Errorf("want only the sticker's reply, got: %s", fake.summary())
	}
}

// TestFloodCallbackAnsweredOnce: a button press that crosses the flood
// limit is answered exactly once ("slow down" as its toast); so is every
// press after it.
func TestFloodCallbackAnsweredOnce(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	startBot(t, fake, nil, harnessOpts{})
	const presses = 24
	for i := range presses {
		u := callbackUpdate(15001, 15001, "up|zh|lost-card")
		u["callback_query"].(map[string]any)["id"] = fmt.Sprintf("flood-cb-%d", i)
		fake.push(u)
	}
	fake.waitOK(t, "answerCallbackQuery", presses, waitFor)
	time.Sleep(200 * time.Millisecond) // room for a wrong second answer
	per := map[string]int{}
	slow := 0
	for _, c := range fake.callsOf("answerCallbackQuery", false) {
		per[c.Params.Get("callback_query_id")]++
		if c.Params.Get("text") == labels["zh"]["slow"] {
			slow++
		}
	}
	for i := range presses {
		if id := fmt.Sprintf("flood-cb-%d", i); per[id] != 1 {
			t.Errorf("%s answered %d times, want once", id, per[id])
		}
	}
	if slow != 1 {
		t.Errorf("%d slow-down toasts, want 1", slow)
	}
}

// TestWebhookUndecodableUpdate: an update that does not decode is logged
// and answered 200, so Telegram does not redeliver it forever; the next
// update is handled as usual.
func TestWebhookUndecodableUpdate(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{cfg: func(c *Config) {
		c.WebhookURL = "https://bot.example.com/telegram"
		c.WebhookSecret = testSecret
	}})
	srv := httptest.NewServer(h.tg)
	defer srv.Close()
	post := func(body string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/telegram", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(secretHeader, testSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, body := range []string{
		`{"update_id":`,
		`{"update_id":900001,"message":{"message_id":"not a number","chat":{"id":1,"type":"private"}}}`,
		`[1,2,3]`,
		`{"update_id":900002,"message":{"text":"` + strings.Repeat("a", 2<<20) + `"}}`,
	} {
		if got := post(body); got != 200 {
			t.Errorf("%.60s: status %d, want 200", body, got)
		}
	}
	if !strings.Contains(h.logs.String(), "undecodable update") || !strings.Contains(h.logs.String(), "update_id=900001") {
		t.Errorf("undecodable updates not logged:\n%s", h.logs.String())
	}
	u := textUpdate(16001, 16001, "医保卡丢了怎么看病")
	u["update_id"] = 900003
	b, _ := json.Marshal(u)
	if got := post(string(b)); got != 200 {
		t.Errorf("a good update after bad ones: %d", got)
	}
	fake.waitOK(t, "sendMessage", 1, waitFor)
}

// TestSenderKeys: every person keeps their own conversation: two anonymous
// admins of one group (told apart by signature), a channel posting in the
// group, and a user; other bots are ignored.
func TestSenderKeys(t *testing.T) {
	t.Parallel()
	group := &tgbotapi.Chat{ID: -100111, Type: "supergroup", Title: "群"}
	anonBot := &tgbotapi.User{ID: 1087968824, IsBot: true, UserName: "GroupAnonymousBot"}
	msgs := map[string]*tgbotapi.Message{
		"admin A": {Chat: group, From: anonBot, SenderChat: group, AuthorSignature: "甲"},
		"admin B": {Chat: group, From: anonBot, SenderChat: group, AuthorSignature: "乙"},
		"channel": {Chat: group, From: &tgbotapi.User{ID: 136817688, IsBot: true}, SenderChat: &tgbotapi.Chat{ID: -100222, Type: "channel"}},
		"user":    {Chat: group, From: &tgbotapi.User{ID: 42}},
	}
	seen := map[string]string{}
	for name, m := range msgs {
		u, ok := messageSender(m)
		if !ok {
			t.Fatalf("%s: ignored", name)
		}
		key := conversationKey(incoming{chat: group.ID, user: u})
		if other, dup := seen[key]; dup {
			t.Errorf("%s and %s share the conversation %q", name, other, key)
		}
		seen[key] = name
	}
	if _, ok := messageSender(&tgbotapi.Message{Chat: group, From: &tgbotapi.User{ID: 7, IsBot: true}}); ok {
		t.Error("another bot's message is answered")
	}
}
