package telegram

import (
	"strings"
	"testing"

	"faqbot/bot"
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
