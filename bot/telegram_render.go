package bot

import (
	"faqbot/index/zh"
	"fmt"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"faqbot/kb"
)

// Telegram limits.
const (
	tgMaxText        = 4096 // characters (UTF-16 units) of one message
	tgMaxCallback    = 64   // bytes of callback_data
	tgMaxButtonLen   = 60   // runes shown on a button before "…"
	tgNoAnswerTopics = 6    // topic buttons under a no-answer reply
)

// tgLang is a reply language as Telegram shows it: zh, en, or zh rendered in
// Traditional characters (for people who ask in them).
type tgLang struct {
	lang string // zh | en
	trad bool
}

// code is the language's form in callback data and inline result ids.
func (l tgLang) code() string {
	if l.trad {
		return "zt"
	}
	return l.lang
}

func parseTGLang(code string) (tgLang, bool) {
	switch code {
	case "zh", "en":
		return tgLang{lang: code}, true
	case "zt":
		return tgLang{lang: "zh", trad: true}, true
	}
	return tgLang{}, false
}

// conv renders content text in the language's script.
func (l tgLang) conv(s string) string {
	if l.trad {
		return zh.ToTraditional(s)
	}
	return s
}

// label is one fixed UI text in the language.
func (l tgLang) label(key string) string {
	s, ok := tgLabels[l.lang][key]
	if !ok {
		s = tgLabels["zh"][key]
	}
	return l.conv(s)
}

var tgLabels = map[string]map[string]string{
	"zh": {
		"up": "👍 有帮助", "down": "👎 没帮助", "full": "📖 阅读全文",
		"thanks": "谢谢反馈！", "vote_failed": "抱歉，没能记录您的反馈，请稍后再试。",
		"text_only":     "请用文字发送您的医保问题。我看不懂贴纸、图片、语音和文件。",
		"slow":          "您发得太快了，请稍等一分钟再提问。",
		"not_allowed":   "抱歉，这个命令只有管理员可以使用。",
		"not_available": "这个功能暂不可用。",
		"op_failed":     "操作失败",
		"lang_set":      "好的，以后我用中文回答。",
		"lang_auto":     "好的，以后我按提问的语言回答。",
		"lang_usage":    "用法：/lang zh（中文）、/lang en（English）或 /lang auto（按提问的语言回答）",
		"a_usage":       "用法：/a 文章编号，例如 /a lost-card。发送 /topics 查看全部文章。",
		"no_article":    "没有编号为 %s 的文章。发送 /topics 查看全部文章。",
		"unknown":       "我不认识这个命令。发送 /help 查看我能做什么。",
		"error":         "抱歉，出了点问题，请稍后再试。",
		"expired":       "这个按钮已失效，请重新提问。",
		"topics":        "全部文章（按主题）",
		"commands":      "直接发送问题即可。\n/topics 按主题浏览全部文章\n/a 编号 阅读全文\n/lang zh 或 /lang en 切换语言",
	},
	"en": {
		"up": "👍 Helpful", "down": "👎 Not helpful", "full": "📖 Full article",
		"thanks": "Thanks for your feedback!", "vote_failed": "Sorry, your feedback could not be recorded. Please try again later.",
		"text_only":     "Please send your question as text. I can't read stickers, photos, voice messages or files.",
		"slow":          "You are sending messages too fast. Please wait a minute before asking again.",
		"not_allowed":   "Sorry, only operators may use this command.",
		"not_available": "This function is not available.",
		"op_failed":     "Failed",
		"lang_set":      "OK, I will answer in English from now on.",
		"lang_auto":     "OK, I will answer in the language of your question.",
		"lang_usage":    "Usage: /lang en (English), /lang zh (中文) or /lang auto (the language of each question)",
		"a_usage":       "Usage: /a ARTICLE-ID, for example /a lost-card. Send /topics to list all articles.",
		"no_article":    "There is no article %s. Send /topics to list all articles.",
		"unknown":       "I don't know that command. Send /help to see what I can do.",
		"error":         "Sorry, something went wrong. Please try again later.",
		"expired":       "This button has expired. Please ask again.",
		"topics":        "All articles by topic",
		"commands":      "Just send your question.\n/topics browse all articles by topic\n/a ID read a whole article\n/lang en or /lang zh switch language",
	},
}

// tgEscape escapes text for Telegram's HTML parse mode.
var tgEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// tgLen is a string's length as Telegram counts message characters.
func tgLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// tgMessage is one outgoing chat message: HTML text and an inline keyboard.
type tgMessage struct {
	Text     string
	Keyboard [][]tgButton
}

// tgButton is an inline keyboard button with callback data.
type tgButton struct{ Text, Data string }

// markup is the keyboard in the library's form (nil for none).
func (m tgMessage) markup() any {
	if len(m.Keyboard) == 0 {
		return nil
	}
	rows := make([][]tgbotapi.InlineKeyboardButton, 0, len(m.Keyboard))
	for _, r := range m.Keyboard {
		row := make([]tgbotapi.InlineKeyboardButton, 0, len(r))
		for _, b := range r {
			row = append(row, tgbotapi.NewInlineKeyboardButtonData(b.Text, b.Data))
		}
		rows = append(rows, row)
	}
	return tgbotapi.NewInlineKeyboardMarkup(rows...)
}

// Callback data is "<kind>|<lang code>|<arg>", at most 64 bytes.
const (
	tgCbUp    = "up"   // helpful vote on article arg
	tgCbDown  = "dn"   // not-helpful vote
	tgCbFull  = "full" // whole article arg
	tgCbArt   = "art"  // answer card of article arg (runners-up, examples)
	tgCbTopic = "top"  // articles of topic arg
)

type tgCallback struct {
	kind string
	lang tgLang
	arg  string
}

func (c tgCallback) encode() string { return c.kind + "|" + c.lang.code() + "|" + c.arg }

func tgParseCallback(data string) (tgCallback, bool) {
	parts := strings.Split(data, "|")
	if len(parts) != 3 || parts[2] == "" || len(data) > tgMaxCallback {
		return tgCallback{}, false
	}
	lang, ok := parseTGLang(parts[1])
	if !ok {
		return tgCallback{}, false
	}
	switch parts[0] {
	case tgCbUp, tgCbDown, tgCbFull, tgCbArt, tgCbTopic:
		return tgCallback{kind: parts[0], lang: lang, arg: parts[2]}, true
	}
	return tgCallback{}, false
}

// tgButtonFor returns a callback button, or false when the data would not fit
// Telegram's 64 bytes (the button is then left out).
func tgButtonFor(label string, cb tgCallback) (tgButton, bool) {
	data := cb.encode()
	if len(data) > tgMaxCallback || strings.ContainsRune(cb.arg, '|') {
		return tgButton{}, false
	}
	return tgButton{Text: tgShorten(label, tgMaxButtonLen), Data: data}, true
}

// tgShorten cuts s to at most n runes with an ellipsis, at a space when one
// is near the end (English titles keep whole words).
func tgShorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	for i := len(r) - 1; i > n/2; i-- {
		if r[i] == ' ' {
			r = r[:i]
			break
		}
	}
	return strings.TrimSpace(string(r)) + "…"
}

// tgCard is an article answer as a chat shows it: the title, one passage,
// region and date, the disclaimer, and follow-up choices.
type tgCard struct {
	Lang       tgLang
	ID         string
	Title      string
	Heading    string // shown when it differs from Title
	Body       string
	Meta       string
	Disclaimer string
	Alts       []Alternative
}

// tgAnswerCard is an engine answer as a card; art is the answered article.
func tgAnswerCard(a Answer, art *kb.Article) tgCard {
	l := tgLang{lang: a.Lang, trad: a.Traditional}
	return tgCard{
		Lang: l, ID: a.ID, Title: a.Title, Heading: a.Section, Body: a.Snippet,
		Meta: l.conv(MetaLine(a.Lang, art)), Disclaimer: a.Disclaimer, Alts: a.Alternatives,
	}
}

// tgArticleCard is an article's first passage as a card, with up to three
// related articles as follow-ups.
func tgArticleCard(k Asker, art *kb.Article, l tgLang) tgCard {
	c := tgCard{
		Lang: l, ID: art.ID, Title: l.conv(art.Title),
		Meta: l.conv(MetaLine(art.Lang, art)), Disclaimer: l.conv(k.Disclaimer(art.Lang)),
	}
	if ps := art.Passages(); len(ps) > 0 {
		c.Heading, c.Body = l.conv(ps[0].Heading), l.conv(ps[0].Body)
	}
	for _, id := range art.Related {
		if rel, ok := k.Article(art.Lang, id); ok && len(c.Alts) < 3 {
			c.Alts = append(c.Alts, Alternative{ID: rel.ID, Title: l.conv(rel.Title)})
		}
	}
	return c
}

// text is the card's HTML; an over-long passage is cut to fit one message
// (the full article is one button away).
func (c tgCard) text() string {
	render := func(body string) string {
		var b strings.Builder
		b.WriteString("<b>" + tgEscape(c.Title) + "</b>\n\n")
		if c.Heading != "" && c.Heading != c.Title {
			b.WriteString("<b>" + tgEscape(c.Heading) + "</b>\n")
		}
		b.WriteString(tgEscape(body))
		if c.Meta != "" {
			b.WriteString("\n\n<i>" + tgEscape(c.Meta) + "</i>")
		}
		b.WriteString("\n\n<i>" + tgEscape(c.Disclaimer) + "</i>")
		return b.String()
	}
	out := render(c.Body)
	if over := tgLen(out) - tgMaxText; over > 0 {
		out = render(tgCutToFit(c.Body, max(tgLen(tgEscape(c.Body))-over-8, 0)) + "…")
	}
	return out
}

// message is the card with its keyboard: votes, full article, runners-up.
func (c tgCard) message() tgMessage {
	m := tgMessage{Text: c.text()}
	var row []tgButton
	for _, v := range []struct{ kind, label string }{{tgCbUp, "up"}, {tgCbDown, "down"}} {
		if b, ok := tgButtonFor(c.Lang.label(v.label), tgCallback{v.kind, c.Lang, c.ID}); ok {
			row = append(row, b)
		}
	}
	m.addRow(row...)
	if b, ok := tgButtonFor(c.Lang.label("full"), tgCallback{tgCbFull, c.Lang, c.ID}); ok {
		m.addRow(b)
	}
	for _, alt := range c.Alts {
		if b, ok := tgButtonFor(alt.Title, tgCallback{tgCbArt, c.Lang, alt.ID}); ok {
			m.addRow(b)
		}
	}
	return m
}

func (m *tgMessage) addRow(bs ...tgButton) {
	if len(bs) > 0 {
		m.Keyboard = append(m.Keyboard, bs)
	}
}

// tgRenderText is a plain text reply.
func tgRenderText(s string) tgMessage { return tgMessage{Text: tgEscape(s)} }

// tgRenderNoAnswer is the engine's polite no-answer reply with topic buttons.
func tgRenderNoAnswer(a Answer, topics []Topic) tgMessage {
	l := tgLang{lang: a.Lang, trad: a.Traditional}
	m := tgRenderText(a.Text)
	m.Keyboard = tgTopicButtons(topics, l, tgNoAnswerTopics)
	return m
}

// tgTopicButtons lays out up to n topic buttons two to a row.
func tgTopicButtons(topics []Topic, l tgLang, n int) [][]tgButton {
	var rows [][]tgButton
	var row []tgButton
	for _, tp := range topics {
		if n == 0 {
			break
		}
		b, ok := tgButtonFor(l.conv(tp.Name), tgCallback{tgCbTopic, l, tp.Key})
		if !ok {
			continue
		}
		n--
		if row = append(row, b); len(row) == 2 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// tgRenderHelp answers /start and /help: what the bot answers, the commands,
// and example questions as buttons.
func tgRenderHelp(l tgLang, examples []*kb.Article) tgMessage {
	text := l.conv(noAnswerIntro[l.lang][ReasonGreeting]) + "\n\n" + l.label("commands")
	if len(examples) > 0 {
		text += "\n\n" + l.conv(examplesLabel[l.lang])
	}
	m := tgRenderText(text)
	for _, a := range examples {
		if b, ok := tgButtonFor(l.conv(a.Title), tgCallback{tgCbArt, l, a.ID}); ok {
			m.addRow(b)
		}
	}
	return m
}

// tgRenderTopic lists one topic's articles as buttons.
func tgRenderTopic(tp Topic, l tgLang) tgMessage {
	m := tgMessage{Text: "<b>" + tgEscape(l.conv(tp.Name)) + "</b>"}
	for _, a := range tp.Articles {
		if b, ok := tgButtonFor(l.conv(a.Title), tgCallback{tgCbArt, l, a.ID}); ok {
			m.addRow(b)
		}
	}
	return m
}

// tgBlock is a unit of a long reply: an HTML head and a plain body that may
// be split at line boundaries when the block alone is too long.
type tgBlock struct {
	head string // HTML, kept whole, only on the first piece
	body string // plain text, escaped when rendered
}

// tgRenderTopics is the catalog grouped by topic (/topics), split at topic
// boundaries; topic buttons come with the last message.
func tgRenderTopics(topics []Topic, l tgLang) []tgMessage {
	blocks := []tgBlock{{head: "<b>" + tgEscape(l.label("topics")) + "</b>"}}
	for _, tp := range topics {
		var b strings.Builder
		for _, a := range tp.Articles {
			fmt.Fprintf(&b, "\n• %s — <code>/a %s</code>", tgEscape(l.conv(a.Title)), tgEscape(a.ID))
		}
		blocks = append(blocks, tgBlock{head: "<b>" + tgEscape(l.conv(tp.Name)) + "</b>" + b.String()})
	}
	msgs := tgPackBlocks(blocks, tgMaxText)
	msgs[len(msgs)-1].Keyboard = tgTopicButtons(topics, l, len(topics))
	return msgs
}

// tgRenderArticle is a whole article: title and region line, the lead, every
// section, the disclaimer; split at section boundaries under 4096 characters.
// Vote buttons come with the last message.
func tgRenderArticle(art *kb.Article, disclaimer string, l tgLang) []tgMessage {
	blocks := []tgBlock{{head: "<b>" + tgEscape(l.conv(art.Title)) + "</b>\n<i>" + tgEscape(l.conv(MetaLine(art.Lang, art))) + "</i>"}}
	if art.Lead != "" {
		blocks = append(blocks, tgBlock{body: l.conv(art.Lead)})
	}
	for _, s := range art.Sections {
		blocks = append(blocks, tgBlock{head: "<b>" + tgEscape(l.conv(s.Heading)) + "</b>\n", body: l.conv(s.Body)})
	}
	blocks = append(blocks, tgBlock{head: "<i>" + tgEscape(l.conv(disclaimer)) + "</i>"})
	msgs := tgPackBlocks(blocks, tgMaxText)
	last := &msgs[len(msgs)-1]
	var row []tgButton
	for _, v := range []struct{ kind, label string }{{tgCbUp, "up"}, {tgCbDown, "down"}} {
		if b, ok := tgButtonFor(l.label(v.label), tgCallback{v.kind, l, art.ID}); ok {
			row = append(row, b)
		}
	}
	last.addRow(row...)
	return msgs
}

// tgRenderPre is an operator report in <pre>, split at line boundaries.
func tgRenderPre(report string) []tgMessage {
	const open, closing = "<pre>", "</pre>"
	pieces := tgSplitPlain(report, tgMaxText-len(open)-len(closing))
	out := make([]tgMessage, 0, len(pieces))
	for _, p := range pieces {
		out = append(out, tgMessage{Text: open + tgEscape(p) + closing})
	}
	return out
}

// tgPackBlocks joins blocks with blank lines into as few messages as fit in
// limit; a block too long for one message is split at line boundaries (then
// at rune boundaries), never inside a tag or an entity.
func tgPackBlocks(blocks []tgBlock, limit int) []tgMessage {
	var parts []string
	for _, b := range blocks {
		whole := b.head + tgEscape(b.body)
		if tgLen(whole) <= limit {
			parts = append(parts, whole)
			continue
		}
		room := limit - tgLen(b.head)
		for i, p := range tgSplitPlain(b.body, max(room, limit/2)) {
			if i == 0 && room >= limit/2 {
				p = b.head + tgEscape(p)
			} else if i == 0 {
				parts = append(parts, b.head)
				p = tgEscape(p)
			} else {
				p = tgEscape(p)
			}
			parts = append(parts, p)
		}
	}
	var msgs []tgMessage
	var cur strings.Builder
	for _, p := range parts {
		if cur.Len() > 0 && tgLen(cur.String())+2+tgLen(p) > limit {
			msgs = append(msgs, tgMessage{Text: cur.String()})
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(p)
	}
	if cur.Len() > 0 || len(msgs) == 0 {
		msgs = append(msgs, tgMessage{Text: cur.String()})
	}
	return msgs
}

// tgSplitPlain cuts plain text into pieces whose escaped form fits limit,
// preferring line boundaries.
func tgSplitPlain(s string, limit int) []string {
	var out []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
			curLen = 0
		}
	}
	for _, line := range strings.Split(s, "\n") {
		n := tgLen(tgEscape(line))
		if curLen > 0 && curLen+1+n > limit {
			flush()
		}
		for n > limit {
			head := tgCutToFit(line, limit)
			out = append(out, head)
			line = line[len(head):]
			n = tgLen(tgEscape(line))
		}
		if curLen > 0 {
			cur.WriteByte('\n')
			curLen++
		}
		cur.WriteString(line)
		curLen += n
	}
	flush()
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// tgCutToFit is the longest prefix of s (at a rune boundary, at least one rune)
// whose escaped form fits limit characters.
func tgCutToFit(s string, limit int) string {
	n := 0
	for i, r := range s {
		w := tgLen(tgEscape(string(r)))
		if n+w > limit && i > 0 {
			return s[:i]
		}
		n += w
	}
	return s
}
