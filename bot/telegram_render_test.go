package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"faqbot/kb"
)

// tgGoldenMsgs renders messages like tgGolden renders sent calls, after
// checking each is what Telegram accepts.
func tgGoldenMsgs(t *testing.T, msgs ...tgMessage) []byte {
	t.Helper()
	var b strings.Builder
	for i, m := range msgs {
		tgCheckMessage(t, m)
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

// tgCheckMessage fails unless Telegram would accept m: valid HTML, at most
// 4096 characters, callback data of 1-64 bytes.
func tgCheckMessage(t *testing.T, m tgMessage) {
	t.Helper()
	visible, err := fakeBotParseHTML(m.Text)
	if err != nil {
		t.Errorf("invalid HTML (%v):\n%s", err, m.Text)
	}
	if strings.TrimSpace(visible) == "" || tgLen(visible) > tgMaxText || tgLen(m.Text) > tgMaxText {
		t.Errorf("message of %d characters (%d with markup)", tgLen(visible), tgLen(m.Text))
	}
	for _, row := range m.Keyboard {
		for _, b := range row {
			if len(b.Data) == 0 || len(b.Data) > tgMaxCallback || b.Text == "" {
				t.Errorf("bad button %+v", b)
			}
			if _, ok := tgParseCallback(b.Data); !ok {
				t.Errorf("button data %q does not parse", b.Data)
			}
		}
	}
}

func TestTelegramRenderGolden(t *testing.T) {
	eng := newTestEngine(t, Deps{})
	tg := &Telegram{eng: eng}
	k := eng.KB()
	ask := func(q string, lang string) Answer {
		t.Helper()
		a, err := eng.Ask(context.Background(), Question{Text: q, Lang: lang, Channel: "test"})
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
	// ranking, which other tests own.
	answerOf := func(lang, id string, n int, alts ...string) Answer {
		t.Helper()
		art := article(lang, id)
		p := art.Passages()[n]
		a := Answer{Answered: true, ID: id, Lang: lang, Title: art.Title, Section: p.Heading, Snippet: p.Body,
			Region: art.Region, Updated: art.Updated, Disclaimer: k.Disclaimer(lang)}
		for _, alt := range alts {
			a.Alternatives = append(a.Alternatives, Alternative{ID: alt, Title: article(lang, alt).Title})
		}
		return a
	}
	zh, en, zt := tgLang{lang: "zh"}, tgLang{lang: "en"}, tgLang{lang: "zh", trad: true}
	cases := []struct {
		name  string
		check func(a Answer) bool
		a     Answer
		msgs  []tgMessage
	}{
		{name: "answer_alternatives_zh", a: answerOf("zh", "male-maternity", 0, "miscarriage-maternity", "gap-maternity-allowance")},
		{name: "answer_section_en", a: answerOf("en", "remote-filing", 3, "urban-rural-in-city", "family-cross-province", "yancheng-kunshan")},
		{name: "answer_regional_zh", a: answerOf("zh", "shanghai-zero-balance", 1)},
		{name: "answer_traditional", a: ask("醫保卡丟了怎麼辦", ""), check: func(a Answer) bool { return a.Answered && a.Traditional }},
		{name: "no_answer_zh", a: ask("今天天气怎么样", ""), check: func(a Answer) bool { return !a.Answered }},
		{name: "no_answer_medical_en", a: ask("My headache hurts, what can I do?", ""), check: func(a Answer) bool { return a.Reason == ReasonMedical }},
		{name: "no_answer_empty", a: ask("🙂🙂", ""), check: func(a Answer) bool { return a.Reason == ReasonEmpty }},
		{name: "help_zh", msgs: []tgMessage{tgRenderHelp(zh, ExampleArticles(k, "zh", 4))}},
		{name: "help_en", msgs: []tgMessage{tgRenderHelp(en, ExampleArticles(k, "en", 4))}},
		{name: "topics_zh", msgs: tgRenderTopics(GroupTopics(k, "zh"), zh)},
		{name: "topics_en", msgs: tgRenderTopics(GroupTopics(k, "en"), en)},
		{name: "topic_card_zh", msgs: []tgMessage{tgRenderTopic(GroupTopics(k, "zh")[0], zh)}},
		{name: "article_full_zh", msgs: tgRenderArticle(article("zh", "remote-filing"), k.Disclaimer("zh"), zh)},
		{name: "article_full_en", msgs: tgRenderArticle(article("en", "remote-filing"), k.Disclaimer("en"), en)},
		{name: "article_card_traditional", msgs: []tgMessage{tgArticleCard(eng, article("zh", "lost-card"), zt).message()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msgs := c.msgs
			if c.check != nil && !c.check(c.a) {
				t.Fatalf("the engine's answer no longer fits this case: %+v", c.a)
			}
			if c.a.Lang != "" {
				msgs = []tgMessage{tg.answerMessage(c.a)}
			}
			golden(t, "telegram/render_"+c.name+".txt", tgGoldenMsgs(t, msgs...))
		})
	}
}

func TestTelegramAnswerCardContents(t *testing.T) {
	eng := newTestEngine(t, Deps{})
	tg := &Telegram{eng: eng}
	k := eng.KB()
	for _, q := range []string{"生育保险", "报销比例", "灵活就业医保怎么交", "Can I use my medical insurance card in another city?", "醫保卡丟了怎麼辦"} {
		a, err := eng.Ask(context.Background(), Question{Text: q})
		if err != nil || !a.Answered {
			t.Fatalf("%q: %+v %v", q, a, err)
		}
		m := tg.answerMessage(a)
		tgCheckMessage(t, m)
		art, _ := k.Article(a.Lang, a.ID)
		l := tgLang{lang: a.Lang, trad: a.Traditional}
		for _, want := range []string{"<b>" + tgEscape(a.Title) + "</b>", tgEscape(a.Snippet), tgEscape(l.conv(MetaLine(a.Lang, art))), tgEscape(a.Disclaimer)} {
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

func TestTelegramSplitLongArticle(t *testing.T) {
	var sections []kb.Section
	for i := range 9 {
		sections = append(sections, kb.Section{Heading: fmt.Sprintf("第%d节 <标题> & 说明", i+1), Body: strings.Repeat(fmt.Sprintf("第%d节内容：A&B<C>。", i+1), 90)})
	}
	// One section far over the limit, in one line, full of characters to escape.
	sections = append(sections, kb.Section{Heading: "超长", Body: strings.Repeat("<&>医保😀", 3000)})
	sections = append(sections, kb.Section{Heading: "多行", Body: strings.Repeat("一行文字 & 更多文字。\n", 900)})
	art := &kb.Article{ID: "long", Lang: "zh", Title: "很长的文章", Region: "全国", Updated: "2025-01-01", Lead: "导语 <b>", Sections: sections}
	msgs := tgRenderArticle(art, "免责声明 & 提示", tgLang{lang: "zh"})
	if len(msgs) < 5 {
		t.Fatalf("%d messages", len(msgs))
	}
	var visible strings.Builder
	headingStarts := 0
	for _, m := range msgs {
		tgCheckMessage(t, m)
		v, _ := fakeBotParseHTML(m.Text)
		visible.WriteString(v)
		if strings.HasPrefix(m.Text, "<b>") {
			headingStarts++
		}
	}
	// Section boundaries: the normal sections never straddle two messages.
	for _, m := range msgs {
		for i := range 9 {
			head := tgEscape(fmt.Sprintf("第%d节 <标题> & 说明", i+1))
			if strings.Contains(m.Text, head) && strings.Count(m.Text, tgEscape(fmt.Sprintf("第%d节内容：A&B<C>。", i+1))) != 90 {
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
	want.WriteString(art.Title + MetaLine("zh", art) + art.Lead)
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

func TestTelegramCallbackData(t *testing.T) {
	long := strings.Repeat("x", 60)
	for _, tc := range []struct {
		cb tgCallback
		ok bool
	}{
		{tgCallback{tgCbUp, tgLang{lang: "zh"}, "lost-card"}, true},
		{tgCallback{tgCbFull, tgLang{lang: "zh", trad: true}, "switch-employer-to-individual"}, true},
		{tgCallback{tgCbFull, tgLang{lang: "en"}, long}, false},
		{tgCallback{tgCbArt, tgLang{lang: "en"}, "a|b"}, false},
	} {
		b, ok := tgButtonFor("label", tc.cb)
		if ok != tc.ok {
			t.Errorf("%+v: ok=%v", tc.cb, ok)
			continue
		}
		if !ok {
			continue
		}
		if len(b.Data) > tgMaxCallback {
			t.Errorf("%q is %d bytes", b.Data, len(b.Data))
		}
		if got, ok := tgParseCallback(b.Data); !ok || got != tc.cb {
			t.Errorf("round trip of %q: %+v %v", b.Data, got, ok)
		}
	}
	for _, bad := range []string{"", "up", "up|zh", "up|fr|x", "xx|zh|x", "up|zh|", "up|zh|" + long + long, "up|zh|a|b"} {
		if _, ok := tgParseCallback(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	// Every id in the knowledge base fits in every kind of button.
	k := newTestEngine(t, Deps{}).KB()
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			for _, kind := range []string{tgCbUp, tgCbDown, tgCbFull, tgCbArt} {
				if _, ok := tgButtonFor(a.Title, tgCallback{kind, tgLang{lang: lang, trad: true}, a.ID}); !ok {
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
		if got := tgShorten(in, 10); got != want {
			t.Errorf("tgShorten(%q, 10) = %q, want %q", in, got, want)
		}
	}
}

func TestTelegramSplitPlain(t *testing.T) {
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
		parts := tgSplitPlain(tc.in, tc.limit)
		if strings.ReplaceAll(strings.Join(parts, ""), "\n", "") != strings.ReplaceAll(tc.in, "\n", "") {
			t.Errorf("%q: parts %q lose text", tc.in, parts)
		}
		for _, p := range parts {
			if n := tgLen(tgEscape(p)); n > tc.limit && len([]rune(p)) > 1 {
				t.Errorf("%q: part %q is %d > %d", tc.in, p, n, tc.limit)
			}
		}
	}
}
