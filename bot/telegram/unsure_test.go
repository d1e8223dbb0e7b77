package telegram

import (
	"context"
	"strings"
	"testing"

	"faqbot/bot"
	"faqbot/bot/bottest"
)

// TestUnsureReply: a question no article answers gets, over the Bot API,
// the honest sentence, the hand-off and the disclaimer in the question's
// language and script, one button per suggestion and no vote buttons;
// pressing a suggestion sends that article's card (with votes).
func TestUnsureReply(t *testing.T) {
	t.Parallel()
	fake := newFakeBotAPI(t, testToken)
	h := startBot(t, fake, nil, harnessOpts{})
	k := bottest.KB(t)
	for _, tc := range []struct {
		q, code, intro, handoff, disclaimer string
	}{
		{"打胰岛素的钱医保给报吗", "zh", "我没有找到确切回答这个问题的内容", k.Handoff("zh"), k.Disclaimer("zh")},
		{"Is insulin covered by medical insurance?", "en", "I don't have an article that answers this exactly", k.Handoff("en"), k.Disclaimer("en")},
		{"打胰島素的錢醫保給報嗎", "zt", "我沒有找到確切回答這個問題的內容", zt(k.Handoff("zh")), zt(k.Disclaimer("zh"))},
	} {
		want, err := h.eng.Ask(context.Background(), bot.Question{Text: tc.q})
		if err != nil || want.Reason != bot.ReasonUnsure {
			t.Fatalf("%q: the fake engine is not unsure: %+v %v", tc.q, want, err)
		}
		c := h.ask(t, 3001, tc.q)
		text := c.Params.Get("text")
		for _, s := range []string{tc.intro, escape(tc.handoff), "<i>" + escape(tc.disclaimer) + "</i>"} {
			if !strings.Contains(text, s) {
				t.Errorf("%q: reply lacks %q:\n%s", tc.q, s, text)
			}
		}
		if strings.Contains(text, "1. ") {
			t.Errorf("%q: suggestions listed in the text as well as on buttons:\n%s", tc.q, text)
		}
		kbd := keyboardOf(t, c.Params.Get("reply_markup"))
		if len(kbd) != len(want.Alternatives) {
			t.Fatalf("%q: keyboard %v, want one row per suggestion %v", tc.q, kbd, want.Alternatives)
		}
		for i, alt := range want.Alternatives {
			if len(kbd[i]) != 1 || kbd[i][0] != [2]string{alt.Title, "art|" + tc.code + "|" + alt.ID} {
				t.Errorf("%q: row %d = %v, want [%s → art|%s|%s]", tc.q, i, kbd[i], alt.Title, tc.code, alt.ID)
			}
		}
	}

	// Pressing the first suggestion shows its card, with votes on it.
	n := len(fake.callsOf("sendMessage", true))
	fake.push(callbackUpdate(3001, 3001, "art|zh|drug-class-a-b"))
	c := fake.waitOK(t, "sendMessage", n+1, waitFor)[n]
	art, _ := k.Article("zh", "drug-class-a-b")
	if !strings.Contains(c.Params.Get("text"), "<b>"+escape(art.Title)+"</b>") {
		t.Errorf("suggestion pressed: %s", c.Params.Get("text"))
	}
	if kbd := keyboardOf(t, c.Params.Get("reply_markup")); len(kbd) == 0 || kbd[0][0][1] != "up|zh|drug-class-a-b" {
		t.Errorf("suggestion card keyboard %v", kbd)
	}
}

func zt(s string) string { return locale{lang: "zh", trad: true}.conv(s) }
