package wechat

import (
	"strings"
	"testing"

	"faqbot/bot"
)

// TestUnreadableTextInUserLanguage: text the bot cannot read (Russian,
// emoji, "4") gets the "please send text" reply in the user's language (the
// one chosen, else the last answer's), saying which languages the bot reads,
// and does not switch the user's language to Chinese.
func TestUnreadableTextInUserLanguage(t *testing.T) {
	env := newEnv(t, Config{})
	id := 5000
	send := func(user, text string) string {
		t.Helper()
		id++
		_, body := env.postPlain(textXML(user, text, id))
		return parseOut(t, body).Content
	}
	empty := func(lang string) string {
		return renderAnswer(bot.Answer{Text: env.eng.Reply(lang, bot.ReasonEmpty)}, nil)
	}
	for lang, names := range map[string][]string{"en": {"Chinese", "English"}, "zh": {"中文", "英文"}} {
		for _, n := range names {
			if !strings.Contains(empty(lang), n) {
				t.Errorf("the %s text-only reply does not say the bot reads %s: %q", lang, n, empty(lang))
			}
		}
	}
	send("u-en", "How do I file for remote medical care?")
	for _, text := range []string{"Привет, как дела?", "42", "🙂🙂"} { // "4" alone picks a runner-up
		if got := send("u-en", text); got != empty("en") {
			t.Errorf("%q after an English question: %q, want the English reply", text, got)
		}
	}
	if got := send("u-en", "全文"); !strings.Contains(got, "Disclaimer") && !strings.Contains(got, env.eng.Disclaimer("en")) {
		t.Errorf("the session language changed after unreadable text: %q", got)
	}
	send("u-chose", "English")
	if got := send("u-chose", "Привет"); got != empty("en") {
		t.Errorf("after choosing English: %q", got)
	}
	if got := send("u-new", "Привет"); got != empty("zh") {
		t.Errorf("a new user: %q, want the Chinese reply", got)
	}
}
