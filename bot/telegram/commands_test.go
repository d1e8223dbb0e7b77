package telegram

import (
	"strings"
	"testing"

	"faqbot/bot/bottest"
)

func TestCommands(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	k := bottest.KB(t)
	sendAll := func(chat int64, text string) []fakeBotCall {
		t.Helper()
		n := len(fake.callsOf("sendMessage", true))
		fake.push(textUpdate(chat, chat, text))
		return h.sentinel(t, chat, n)
	}
	start := sendAll(15001, "/start")
	if len(start) != 1 {
		t.Fatalf("/start: %d messages", len(start))
	}
	bottest.Golden(t, "start.txt", goldenCalls(t, start...))
	if help := sendAll(15001, "/help"); len(help) != 1 || help[0].Params.Get("text") != start[0].Params.Get("text") {
		t.Errorf("/help differs from /start")
	}
	topics := sendAll(15001, "/topics")
	var all strings.Builder
	for _, c := range topics {
		all.WriteString(c.Params.Get("text"))
	}
	for _, a := range k.Articles("zh") {
		if !strings.Contains(all.String(), "/a "+a.ID+"<") {
			t.Errorf("/topics lacks %s", a.ID)
		}
	}
	full := sendAll(15001, "/a remote-filing")
	art, _ := k.Article("zh", "remote-filing")
	text := ""
	for _, c := range full {
		text += c.Params.Get("text")
	}
	for _, s := range art.Sections {
		if !strings.Contains(text, "<b>"+escape(s.Heading)+"</b>") {
			t.Errorf("/a: section %q missing", s.Heading)
		}
	}
	for cmd, want := range map[string]string{
		"/a":             labels["zh"]["a_usage"],
		"/nosuchthing":   labels["zh"]["unknown"],
		"/A   LOST-CARD": "",
	} {
		got := sendAll(15001, cmd)
		if len(got) != 1 {
			t.Errorf("%s: %d messages", cmd, len(got))
			continue
		}
		if want != "" && got[0].Params.Get("text") != escape(want) {
			t.Errorf("%s: %q", cmd, got[0].Params.Get("text"))
		}
	}
	// A Telegram client in English gets English menus before any /lang.
	en := textUpdate(15002, 15002, "/start")
	en["message"].(map[string]any)["from"].(map[string]any)["language_code"] = "en-GB"
	n := len(fake.callsOf("sendMessage", true))
	fake.push(en)
	if got := fake.waitOK(t, "sendMessage", n+1, waitFor)[n]; !strings.Contains(got.Params.Get("text"), escape(labels["en"]["commands"])) {
		t.Errorf("English client got %q", got.Params.Get("text"))
	}
}

func TestButtons(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	k := bottest.KB(t)
	lost, _ := k.Article("zh", "lost-card")
	for i, tc := range []struct {
		data     string
		messages int
		contains string
	}{
		{"full|zh|lost-card", 1, "<b>" + escape(lost.Sections[0].Heading) + "</b>"},
		{"art|en|remote-filing", 1, escape(k.Disclaimer("en"))},
		{"top|zh|card", 1, "<b>医保卡与医保码</b>"},
		{"top|zh|no-such-topic", 0, ""},
		{"full|en|no-such-article", 0, ""},
	} {
		sent := len(fake.callsOf("sendMessage", true))
		fake.push(callbackUpdate(16001, 16001, tc.data))
		fake.waitOK(t, "answerCallbackQuery", i+1, waitFor)
		got := h.sentinel(t, 16001, sent)
		if len(got) != tc.messages {
			t.Errorf("%s: %d messages", tc.data, len(got))
			continue
		}
		if tc.messages > 0 && !strings.Contains(got[0].Params.Get("text"), tc.contains) {
			t.Errorf("%s: %s", tc.data, got[0].Params.Get("text"))
		}
	}
}

func TestOperators(t *testing.T) {
	t.Parallel()
	ops := &fakeOps{report: "reindexed 48 articles <ok> & swapped", stats: "top unanswered:\n  3× 今天天气怎么样"}
	for _, tc := range []struct {
		name    string
		ops     Operator
		user    int64
		cmd     string
		want    string
		reindex int
	}{
		{"operator reindex", ops, operatorID, "/reindex", "<pre>reindexed 48 articles &lt;ok&gt; &amp; swapped</pre>", 1},
		{"operator stats", ops, operatorID, "/stats", "<pre>top unanswered:\n  3× 今天天气怎么样</pre>", 1},
		{"stranger reindex", ops, 17002, "/reindex", escape(labels["zh"]["not_allowed"]), 1},
		{"stranger stats", ops, 17002, "/stats", escape(labels["zh"]["not_allowed"]), 1},
		{"no operator", nil, operatorID, "/reindex", escape(labels["zh"]["not_available"]), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeBotAPI(t, testToken)
			var o Operator
			if tc.ops != nil {
				o = tc.ops
			}
			h := startBot(t, fake, nil, harnessOpts{ops: o})
			if got := h.ask(t, tc.user, tc.cmd).Params.Get("text"); got != tc.want {
				t.Errorf("reply %q, want %q", got, tc.want)
			}
			ops.mu.Lock()
			if ops.reindex != tc.reindex {
				t.Errorf("reindex ran %d times, want %d", ops.reindex, tc.reindex)
			}
			ops.mu.Unlock()
			if tc.user != operatorID {
				logs := h.logs.String()
				if !strings.Contains(logs, "operator command refused") || !strings.Contains(logs, h.st.HashUser("17002")) {
					t.Errorf("refusal not logged with the hashed user:\n%s", logs)
				}
				bottest.NoSecrets(t, logs, "17002")
			}
		})
	}
}
