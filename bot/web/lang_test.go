package web

import (
	"encoding/json"
	"testing"

	"faqbot/bot"
)

// TestRelayUnreadableInBrowserLanguage: a question with no Chinese or
// English letters, asked without a chosen language (the page sends "" until
// the user picks one), gets the "please send text" reply in the browser's
// language (Accept-Language) when that is Chinese or English.
func TestRelayUnreadableInBrowserLanguage(t *testing.T) {
	t.Parallel()
	env := newRelayEnv(t, "")
	for _, tc := range []struct {
		body, accept, lang string
	}{
		{`{"question":"Привет, как дела?","user":"p1"}`, "en-US,en;q=0.9", "en"},
		{`{"question":"4","user":"p1"}`, "ru-RU,ru;q=0.9,en;q=0.8", "en"},
		{`{"question":"🙂","user":"p1"}`, "zh-CN,zh;q=0.9,en;q=0.8", "zh"},
		{`{"question":"Привет","user":"p1"}`, "", "zh"},
		{`{"question":"Привет","user":"p1"}`, "ru", "zh"},
		{`{"question":"Привет","user":"p1"}`, "en;q=0, zh;q=0.5", "zh"},
		{`{"question":"Привет","lang":"zh","user":"p1"}`, "en", "zh"}, // chosen wins
	} {
		code, body := env.post("/api/ask", tc.body, map[string]string{"Accept-Language": tc.accept, "Sec-Fetch-Site": "same-origin"})
		var a bot.Answer
		if err := json.Unmarshal([]byte(body), &a); code != 200 || err != nil {
			t.Fatalf("%s: %d %s", tc.body, code, body)
		}
		if a.Lang != tc.lang || a.Text != env.eng.Reply(tc.lang, bot.ReasonEmpty) || a.Disclaimer != env.eng.Disclaimer(tc.lang) {
			t.Errorf("%s with Accept-Language %q: lang %q text %q, want the %s reply", tc.body, tc.accept, a.Lang, a.Text, tc.lang)
		}
	}
}
