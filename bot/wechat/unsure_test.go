package wechat

import (
	"fmt"
	"strings"
	"testing"

	"faqbot/bot"
	"faqbot/bot/bottest"
	"faqbot/index/zh"
)

// TestUnsure: a question no article answers gets, in a signed push's
// passive reply, the honest sentence, the suggestions numbered under
// "回复 1/2/3 查看", the hand-off and the disclaimer in the question's
// language and script (goldens); replying a number shows that article,
// and "全文" has no article to open.
func TestUnsure(t *testing.T) {
	env := newEnv(t, Config{})
	ids := []string{"drug-class-a-b", "surgery-coverage", "dental-coverage"}
	k := bottest.KB(t)
	cases := []struct {
		name, q, lang, label string
		trad                 bool
	}{
		{"zh", "打胰岛素的钱医保给报吗", "zh", "这些内容可能相关，回复 1/2/3 查看：", false},
		{"en", "Is insulin covered by medical insurance?", "en", "These may be related; reply 1/2/3 to read one:", false},
		{"traditional", "打胰島素的錢醫保給報嗎", "zh", "這些內容可能相關，回覆 1/2/3 查看：", true},
	}
	for _, tc := range cases { // before any request: the server reads the map
		env.eng.Unsure[tc.q] = ids
	}
	env.eng.Unsure["医保能报销胰岛素吗"] = ids[:1]
	for i, tc := range cases {
		user := "u-unsure-" + tc.name
		_, body := env.postPlain(textXML(user, tc.q, 900+10*i))
		c := parseOut(t, body).Content
		checkReply(t, c)
		bottest.Golden(t, "unsure-"+tc.name+".xml", []byte(body))
		conv := func(s string) string { return s }
		if tc.trad {
			conv = zh.ToTraditional
		}
		lines := []string{tc.label}
		for j, id := range ids {
			art, _ := k.Article(tc.lang, id)
			lines = append(lines, fmt.Sprintf("%d. %s", j+1, conv(art.Title)))
		}
		for _, want := range []string{strings.Join(lines, "\n"), conv(k.Handoff(tc.lang))} {
			if !strings.Contains(c, want) {
				t.Errorf("%s: reply lacks %q:\n%s", tc.name, want, c)
			}
		}
		if !strings.HasSuffix(c, "\n\n"+conv(k.Disclaimer(tc.lang))) {
			t.Errorf("%s: reply does not end with the disclaimer:\n%s", tc.name, c)
		}

		// "2" shows the second suggestion, in the reply's script.
		_, body = env.postPlain(textXML(user, "2", 901+10*i))
		c = parseOut(t, body).Content
		checkReply(t, c)
		art, _ := k.Article(tc.lang, ids[1])
		if !strings.HasPrefix(c, conv(art.Title)+"\n\n") || !strings.Contains(c, phrase(tc.lang, "full", ids[1])) {
			t.Errorf("%s: reply 2 should show %s:\n%s", tc.name, ids[1], c)
		}
	}

	// "全文" right after an unsure reply: there is no article to open.
	_, body := env.postPlain(textXML("u-unsure-full", "医保能报销胰岛素吗", 990))
	if c := parseOut(t, body).Content; !strings.Contains(c, "回复 1 查看") {
		t.Errorf("one suggestion: %s", c)
	}
	_, body = env.postPlain(textXML("u-unsure-full", "全文", 991))
	if c := parseOut(t, body).Content; c != phrase("zh", "no-article") {
		t.Errorf("全文 after unsure: %q", c)
	}
	_, body = env.postPlain(textXML("u-unsure-full", "2", 992))
	if c := parseOut(t, body).Content; c != phrase("zh", "no-session") {
		t.Errorf("2 after one suggestion: %q", c)
	}
}

// TestUnsureLength: an unsure reply stays under 2048 bytes and keeps the
// disclaimer and at least one suggestion however long its parts are.
func TestUnsureLength(t *testing.T) {
	t.Parallel()
	k := bottest.KB(t)
	long := strings.Repeat("很长的标题", 60) // 900 bytes
	var alts []bot.Alternative
	for i := range 3 {
		alts = append(alts, bot.Alternative{ID: fmt.Sprintf("a%d", i), Title: fmt.Sprint(i) + long})
	}
	for _, handoff := range []string{"短的转人工说明。", strings.Repeat("请拨打 12393 咨询。", 200)} {
		a := bot.Answer{Lang: "zh", Reason: bot.ReasonUnsure, Disclaimer: k.Disclaimer("zh"), Alternatives: alts}
		a.Text = "我没有找到确切回答这个问题的内容。\n\n这些内容可能相关，回复序号查看："
		for i, alt := range alts {
			a.Text += fmt.Sprintf("\n%d. %s", i+1, alt.Title)
		}
		a.Text += "\n\n" + handoff + "\n\n" + a.Disclaimer
		out := renderAnswer(a, nil)
		checkReply(t, out)
		if !strings.HasSuffix(out, "\n\n"+a.Disclaimer) || !strings.Contains(out, "1. 0"+long) {
			t.Errorf("handoff of %d bytes: disclaimer or first suggestion lost:\n%s", len(handoff), out)
		}
		if strings.Contains(out, "3. ") {
			t.Errorf("handoff of %d bytes: all three long suggestions kept in %d bytes", len(handoff), len(out))
		}
	}
}
