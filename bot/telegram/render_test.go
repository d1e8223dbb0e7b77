package telegram

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"faqbot/bot"
	"faqbot/bot/bottest"
	"faqbot/kb"
)

// goldenMsgs renders messages like goldenCalls renders sent calls, after
// checking each is what Telegram accepts.
func goldenMsgs(t *testing.T, msgs ...message) []byte {
	t.Helper()
	var b strings.Builder
	for i, m := range msgs {
		checkMessage(t, m)
		if i > 0 {
			b.WriteString("\n=====\n")
		}
		b.WriteString(m.Text + "\n")
		for _, row := range m.Keyboard {
			b.WriteString("\n")
			for j, btn := range row {
				if j > 0 {
					b.WriteString(" ")
				}
				fmt.Fprintf(&b, "[%s → %s]", btn.Text, btn.Data)
			}
		}
		if len(m.Keyboard) > 0 {
			b.WriteString("\n")
		}
	}
	return []byte(b.String())
}

// checkMessage fails unless Telegram would accept m: valid HTML, at most
// 4096 characters, callback data of 1-64 bytes.
func checkMessage(t *testing.T, m message) {
	t.Helper()
	visible, err := fakeBotParseHTML(m.Text)
	if err != nil {
		t.Errorf("invalid HTML (%v):\n%s", err, m.Text)
	}
	if strings.TrimSpace(visible) == "" || textLen(visible) > maxText || textLen(m.Text) > maxText {
		t.Errorf("message of %d characters (%d with markup)", textLen(visible), textLen(m.Text))
	}
	for _, row := range m.Keyboard {
		for _, b := range row {
			if len(b.Data) == 0 || len(b.Data) > maxCallback || b.Text == "" {
				t.Errorf("bad button %+v", b)
			}
			if _, ok := parseCallback(b.Data); !ok {
				t.Errorf("button data %q does not parse", b.Data)
			}
		}
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	eng := newTestAsker(t)
	tg := &Bot{eng: eng}
	k := bottest.KB(t)
	ask := func(q string, lang string) bot.Answer {
		t.Helper()
		a, err := eng.Ask(context.Background(), bot.Question{Text: q, Lang: lang, Channel: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	article := func(lang, id string) *kb.Article {
		t.Helper()
		a, ok := k.Article(lang, id)
		if !ok {
			t.Fatalf("no article %s/%s", lang, id)
		}
		return a
	}
	// answerOf is the answer the engine gives when it picks passage n of
	// article id with the given runners-up: rendering is tested apart from
	// ranking, which the engine's tests own.
	answerOf := func(lang, id string, n int, alts ...string) bot.Answer {
		t.Helper()
		art := article(lang, id)
		p := art.Passages()[n]
		a := bot.Answer{Answered: true, ID: id, Lang: lang, Title: art.Title, Section: p.Heading, Snippet: p.Body,
			Region: art.Region, Updated: art.Updated, Disclaimer: k.Disclaimer(lang)}
		for _, alt := range alts {
			a.Alternatives = append(a.Alternatives, bot.Alternative{ID: alt, Title: article(lang, alt).Title})
		}
		return a
	}
	// A question about symptoms gets the medical reply; the fake engine does
	// not tell symptoms apart, so the answer is built here.
	medical := bot.Answer{Lang: "en", Reason: bot.ReasonMedical, Text: eng.Reply("en", bot.ReasonMedical),
		Disclaimer: k.Disclaimer("en"), Alternatives: []bot.Alternative{}}
	zh, en, zt := locale{lang: "zh"}, locale{lang: "en"}, locale{lang: "zh", trad: true}
	cases := []struct {
		name  string
		check func(a bot.Answer) bool
		a     bot.Answer
		msgs  []message
	}{
		{name: "answer_alternatives_zh", a: answerOf("zh", "male-maternity", 0, "miscarriage-maternity", "gap-maternity-allowance")},
		{name: "answer_section_en", a: answerOf("en", "remote-filing", 3, "urban-rural-in-city", "family-cross-province", "yancheng-kunshan")},
		{name: "answer_regional_zh", a: answerOf("zh", "shanghai-zero-balance", 1)},
		{name: "answer_traditional", a: ask("醫保卡丟了怎麼辦", ""), check: func(a bot.Answer) bool { return a.Answered && a.Traditional }},
		{name: "no_answer_zh", a: ask("今天天气怎么样", ""), check: func(a bot.Answer) bool { return !a.Answered }},
		{name: "no_answer_medical_en", a: medical},
		{name: "no_answer_empty", a: ask("🙂🙂", ""), check: func(a bot.Answer) bool { return a.Reason == bot.ReasonEmpty }},
		{name: "unsure_zh", a: ask("打胰岛素的钱医保给报吗", ""), check: isUnsure},
		{name: "unsure_en", a: ask("Is insulin covered by medical insurance?", ""), check: isUnsure},
		{name: "unsure_traditional", a: ask("打胰島素的錢醫保給報嗎", ""), check: func(a bot.Answer) bool { return isUnsure(a) && a.Traditional }},
		{name: "help_zh", msgs: []message{renderHelp(zh, eng.Reply("zh", bot.ReasonGreeting), eng.Examples("zh", 4))}},
		{name: "help_en", msgs: []message{renderHelp(en, eng.Reply("en", bot.ReasonGreeting), eng.Examples("en", 4))}},
		{name: "topics_zh", msgs: renderTopics(eng.Topics("zh"), zh)},
		{name: "topics_en", msgs: renderTopics(eng.Topics("en"), en)},
		{name: "topic_card_zh", msgs: []message{renderTopic(eng.Topics("zh")[0], zh)}},
		{name: "article_full_zh", msgs: renderArticle(article("zh", "remote-filing"), k.Disclaimer("zh"), zh)},
		{name: "article_full_en", msgs: renderArticle(article("en", "remote-filing"), k.Disclaimer("en"), en)},
		{name: "article_card_traditional", msgs: []message{articleCard(eng, article("zh", "lost-card"), zt).message()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			msgs := c.msgs
			if c.check != nil && !c.check(c.a) {
				t.Fatalf("the engine's answer no longer fits this case: %+v", c.a)
			}
			if c.a.Lang != "" {
				msgs = []message{tg.answerMessage(c.a)}
			}
			bottest.Golden(t, "render_"+c.name+".txt", goldenMsgs(t, msgs...))
		})
	}
}

func isUnsure(a bot.Answer) bool { return a.Reason == bot.ReasonUnsure && len(a.Alternatives) > 0 }

func TestAnswerCardContents(t *testing.T) {
	t.Parallel()
	eng := bottest.NewAsker(t)
	tg := &Bot{eng: eng}
	k := bottest.KB(t)
	for _, q := range []string{"男职工生育险报销比例是多少", "住院费用医保卡怎么扣的", "灵活就业人员有必要交社保吗",
		"Do I have to file before seeing a doctor in another province?", "醫保卡丟了怎麼去醫院看病"} {
		a, err := eng.Ask(context.Background(), bot.Question{Text: q})
		if err != nil || !a.Answered {
			t.Fatalf("%q: %+v %v", q, a, err)
		}
		m := tg.answerMessage(a)
		checkMessage(t, m)
		art, _ := k.Article(a.Lang, a.ID)
		l := locale{lang: a.Lang, trad: a.Traditional}
		for _, want := range []string{"<b>" + escape(a.Title) + "</b>", escape(a.Snippet), escape(l.conv(bot.MetaLine(a.Lang, art))), escape(a.Disclaimer)} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("%q: reply lacks %q", q, want)
			}
		}
		if len(m.Keyboard) != 2+len(a.Alternatives) {
			t.Errorf("%q: %d keyboard rows for %d alternatives", q, len(m.Keyboard), len(a.Alternatives))
		}
		for i, alt := range a.Alternatives {
			if b := m.Keyboard[2+i][0]; b.Data != "art|"+l.code()+"|"+alt.ID {
				t.Errorf("%q: runner-up button %+v", q, b)
			}
		}
	}
}

func TestSplitLongArticle(t *testing.T) {
	t.Parallel()
	var sections []kb.Section
	for i := range 9 {
		sections = append(sections, kb.Section{Heading: fmt.Sprintf("第%d节 <标题> & 说明", i+1), Body: strings.Repeat(fmt.Sprintf("第%d节内容：A&B<C>。", i+1), 90)})
	}
	// One section far over the limit, in one line, full of characters to escape.
	sections = append(sections, kb.Section{Heading: "超长", Body: strings.Repeat("<&>医保😀", 3000)})
	sections = append(sections, kb.Section{Heading: "多行", Body: strings.Repeat("一行文字 & 更多文字。\n", 900)})
	art := &kb.Article{ID: "long", Lang: "zh", Title: "很长的文章", Region: "全国", Updated: "2025-01-01", Lead: "导语 <b>", Sections: sections}
	msgs := renderArticle(art, "免责声明 & 提示", locale{lang: "zh"})
	if len(msgs) < 5 {
		t.Fatalf("%d messages", len(msgs))
	}
	var visible strings.Builder
	headingStarts := 0
	for _, m := range msgs {
		checkMessage(t, m)
		v, _ := fakeBotParseHTML(m.Text)
		visible.WriteString(v)
		if strings.HasPrefix(m.Text, "<b>") {
			headingStarts++
		}
	}
	// Section boundaries: the normal sections never straddle two messages.
	for _, m := range msgs {
		for i := range 9 {
			head := escape(fmt.Sprintf("第%d节 <标题> & 说明", i+1))
			if strings.Contains(m.Text, head) && strings.Count(m.Text, escape(fmt.Sprintf("第%d节内容：A&B<C>。", i+1))) != 90 {
				t.Errorf("section %d split across messages", i+1)
			}
		}
	}
	if headingStarts < 3 {
		t.Errorf("only %d of %d messages start at a heading", headingStarts, len(msgs))
	}
	// Nothing lost, nothing added.
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	var want strings.Builder
	want.WriteString(art.Title + bot.MetaLine("zh", art) + art.Lead)
	for _, s := range sections {
		want.WriteString(s.Heading + s.Body)
	}
	want.WriteString("免责声明 & 提示")
	if got := strip(visible.String()); got != strip(want.String()) {
		t.Errorf("split text differs from the article (%d vs %d runes)", len([]rune(got)), len([]rune(strip(want.String()))))
	}
	if len(msgs[len(msgs)-1].Keyboard) != 1 || len(msgs[0].Keyboard) != 0 {
		t.Errorf("vote buttons belong on the last message only")
	}
}

func TestCallbackData(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 60)
	for _, tc := range []struct {
		cb callback
		ok bool
	}{
		{callback{cbUp, locale{lang: "zh"}, "lost-card"}, true},
		{callback{cbFull, locale{lang: "zh", trad: true}, "switch-employer-to-individual"}, true},
		{callback{cbFull, locale{lang: "en"}, long}, false},
		{callback{cbArt, locale{lang: "en"}, "a|b"}, false},
	} {
		b, ok := buttonFor("label", tc.cb)
		if ok != tc.ok {
			t.Errorf("%+v: ok=%v", tc.cb, ok)
			continue
		}
		if !ok {
			continue
		}
		if len(b.Data) > maxCallback {
			t.Errorf("%q is %d bytes", b.Data, len(b.Data))
		}
		if got, ok := parseCallback(b.Data); !ok || got != tc.cb {
			t.Errorf("round trip of %q: %+v %v", b.Data, got, ok)
		}
	}
	for _, bad := range []string{"", "up", "up|zh", "up|fr|x", "xx|zh|x", "up|zh|", "up|zh|" + long + long, "up|zh|a|b"} {
		if _, ok := parseCallback(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	// Every id in the knowledge base fits in every kind of button.
	k := bottest.KB(t)
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			for _, kind := range []string{cbUp, cbDown, cbFull, cbArt} {
				if _, ok := buttonFor(a.Title, callback{kind, locale{lang: lang, trad: true}, a.ID}); !ok {
					t.Errorf("%s: %s button does not fit", a.ID, kind)
				}
			}
		}
	}
	for in, want := range map[string]string{
		"短标题":                             "短标题",
		strings.Repeat("长", 12):           strings.Repeat("长", 9) + "…",
		"Can I use urban-rural insurance": "Can I use…",
		"Supercalifragilistic":            "Supercali…",
	} {
		if got := shorten(in, 10); got != want {
			t.Errorf("shorten(%q, 10) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitPlain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		limit int
	}{
		{"", 10},
		{"short", 10},
		{"a\nb\nc\nd", 3},
		{strings.Repeat("&", 25), 10}, // each & is 5 characters escaped
		{strings.Repeat("😀", 9), 4},   // 2 UTF-16 units each
		{"甲乙丙丁戊己庚辛壬癸\n子丑寅卯", 4},
	} {
		parts := splitPlain(tc.in, tc.limit)
		if strings.ReplaceAll(strings.Join(parts, ""), "\n", "") != strings.ReplaceAll(tc.in, "\n", "") {
			t.Errorf("%q: parts %q lose text", tc.in, parts)
		}
		for _, p := range parts {
			if n := textLen(escape(p)); n > tc.limit && len([]rune(p)) > 1 {
				t.Errorf("%q: part %q is %d > %d", tc.in, p, n, tc.limit)
			}
		}
	}
}
