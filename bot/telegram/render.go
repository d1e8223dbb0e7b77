package telegram

import (
	"fmt"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"faqbot/bot"
	"faqbot/index/zh"
	"faqbot/kb"
)

// Telegram limits.
const (
	maxText        = 4096 // characters (UTF-16 units) of one message
	maxCallback    = 64   // bytes of callback_data
	maxButtonLen   = 60   // runes shown on a button before "…"
	noAnswerTopics = 6    // topic buttons under a no-answer reply
)

// locale is a reply language as Telegram shows it: zh, en, or zh rendered in
// Traditional characters (for people who ask in them).
type locale struct {
	lang string // zh | en
	trad bool
}

// code is the language's form in callback data and inline result ids.
func (l locale) code() string {
	if l.trad {
		return "zt"
	}
	return l.lang
}

func parseLocale(code string) (locale, bool) {
	switch code {
	case "zh", "en":
		return locale{lang: code}, true
	case "zt":
		return locale{lang: "zh", trad: true}, true
	}
	return locale{}, false
}

// conv renders content text in the language's script.
func (l locale) conv(s string) string {
	if l.trad {
		return zh.ToTraditional(s)
	}
	return s
}

// label is one fixed UI text in the language.
func (l locale) label(key string) string {
	s, ok := labels[l.lang][key]
	if !ok {
		s = labels["zh"][key]
	}
	return l.conv(s)
}

var labels = map[string]map[string]string{
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
		"examples":      "您可以这样问：",
		"suggest":       "这些内容可能相关，点下面的按钮查看：",
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
		"examples":      "You can ask, for example:",
		"suggest":       "These may be related; tap one below to read it:",
		"commands":      "Just send your question.\n/topics browse all articles by topic\n/a ID read a whole article\n/lang en or /lang zh switch language",
	},
}

// escape escapes text for Telegram's HTML parse mode.
var escape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

// textLen is a string's length as Telegram counts message characters.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// message is one outgoing chat message: HTML text and an inline keyboard.
type message struct {
	Text     string
	Keyboard [][]button
}

// button is an inline keyboard button with callback data.
type button struct{ Text, Data string }

// markup is the keyboard in the library's form (nil for none).
func (m message) markup() any {
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
	cbUp    = "up"   // helpful vote on article arg
	cbDown  = "dn"   // not-helpful vote
	cbFull  = "full" // whole article arg
	cbArt   = "art"  // answer card of article arg (runners-up, examples)
	cbTopic = "top"  // articles of topic arg
)

type callback struct {
	kind string
	lang locale
	arg  string
}

func (c callback) encode() string { return c.kind + "|" + c.lang.code() + "|" + c.arg }

func parseCallback(data string) (callback, bool) {
	parts := strings.Split(data, "|")
	if len(parts) != 3 || parts[2] == "" || len(data) > maxCallback {
		return callback{}, false
	}
	lang, ok := parseLocale(parts[1])
	if !ok {
		return callback{}, false
	}
	switch parts[0] {
	case cbUp, cbDown, cbFull, cbArt, cbTopic:
		return callback{kind: parts[0], lang: lang, arg: parts[2]}, true
	}
	return callback{}, false
}

// buttonFor returns a callback button, or false when the data would not fit
// Telegram's 64 bytes (the button is then left out).
func buttonFor(label string, cb callback) (button, bool) {
	data := cb.encode()
	if len(data) > maxCallback || strings.ContainsRune(cb.arg, '|') {
		return button{}, false
	}
	return button{Text: shorten(label, maxButtonLen), Data: data}, true
}

// shorten cuts s to at most n runes with an ellipsis, at a space when one
// is near the end (English titles keep whole words).
func shorten(s string, n int) string {
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

// card is an article answer as a chat shows it: the title, one passage,
// region and date, the disclaimer, and follow-up choices.
type card struct {
	Lang       locale
	ID         string
	Title      string
	Heading    string // shown when it differs from Title
	Body       string
	Meta       string
	Disclaimer string
	Alts       []bot.Alternative
	Context    string // the label of a follow-up read in context, shown first
}

// answerCard is an engine answer as a card; art is the answered article.
func answerCard(a bot.Answer, art *kb.Article) card {
	l := locale{lang: a.Lang, trad: a.Traditional}
	return card{
		Lang: l, ID: a.ID, Title: a.Title, Heading: a.Section, Body: a.Snippet,
		Meta: l.conv(bot.MetaLine(a.Lang, art)), Disclaimer: a.Disclaimer, Alts: a.Alternatives,
		Context: a.ContextLabel,
	}
}

// articleCard is an article's first passage as a card, with up to three
// related articles as follow-ups.
func articleCard(eng bot.Asker, art *kb.Article, l locale) card {
	c := card{
		Lang: l, ID: art.ID, Title: l.conv(art.Title),
		Meta: l.conv(bot.MetaLine(art.Lang, art)), Disclaimer: l.conv(eng.Disclaimer(art.Lang)),
	}
	if ps := art.Passages(); len(ps) > 0 {
		c.Heading, c.Body = l.conv(ps[0].Heading), l.conv(ps[0].Body)
	}
	for _, id := range art.Related {
		if rel, ok := eng.Article(art.Lang, id); ok && len(c.Alts) < 3 {
			c.Alts = append(c.Alts, bot.Alternative{ID: rel.ID, Title: l.conv(rel.Title)})
		}
	}
	return c
}

// text is the card's HTML; an over-long passage is cut to fit one message
// (the full article is one button away).
func (c card) text() string {
	render := func(body string) string {
		var b strings.Builder
		if c.Context != "" {
			b.WriteString("<i>" + escape(c.Context) + "</i>\n")
		}
		b.WriteString("<b>" + escape(c.Title) + "</b>\n\n")
		if c.Heading != "" && c.Heading != c.Title {
			b.WriteString("<b>" + escape(c.Heading) + "</b>\n")
		}
		b.WriteString(escape(body))
		if c.Meta != "" {
			b.WriteString("\n\n<i>" + escape(c.Meta) + "</i>")
		}
		b.WriteString("\n\n<i>" + escape(c.Disclaimer) + "</i>")
		return b.String()
	}
	out := render(c.Body)
	if over := textLen(out) - maxText; over > 0 {
		out = render(cutToFit(c.Body, max(textLen(escape(c.Body))-over-8, 0)) + "…")
	}
	return out
}

// message is the card with its keyboard: votes, full article, runners-up.
func (c card) message() message {
	m := message{Text: c.text()}
	var row []button
	for _, v := range []struct{ kind, label string }{{cbUp, "up"}, {cbDown, "down"}} {
		if b, ok := buttonFor(c.Lang.label(v.label), callback{v.kind, c.Lang, c.ID}); ok {
			row = append(row, b)
		}
	}
	m.addRow(row...)
	if b, ok := buttonFor(c.Lang.label("full"), callback{cbFull, c.Lang, c.ID}); ok {
		m.addRow(b)
	}
	for _, alt := range c.Alts {
		if b, ok := buttonFor(alt.Title, callback{cbArt, c.Lang, alt.ID}); ok {
			m.addRow(b)
		}
	}
	return m
}

func (m *message) addRow(bs ...button) {
	if len(bs) > 0 {
		m.Keyboard = append(m.Keyboard, bs)
	}
}

// renderText is a plain text reply.
func renderText(s string) message { return message{Text: escape(s)} }

// renderNoAnswer is the engine's polite no-answer reply with topic buttons.
func renderNoAnswer(a bot.Answer, topics []bot.Topic) message {
	l := locale{lang: a.Lang, trad: a.Traditional}
	m := renderText(a.Text)
	m.Keyboard = topicButtons(topics, l, noAnswerTopics)
	return m
}

// renderUnsure is the reply to a question no article clearly answers: the
// honest sentence, a line pointing to the suggestions, the line that rules
// differ by place (when the engine adds it), the hand-off and the
// disclaimer, then one button per suggestion that shows its card. There
// are no vote buttons: a vote is on an article, and this reply is none (the
// suggestion's card has them). A reply whose Text does not list its
// suggestions is shown as it is, with the same buttons.
func renderUnsure(a bot.Answer) message {
	l := locale{lang: a.Lang, trad: a.Traditional}
	head, _, tail, ok := bot.UnsureParts(a)
	var m message
	if !ok {
		m = renderText(a.Text)
	} else {
		var b strings.Builder
		b.WriteString(escape(head) + "\n\n" + escape(l.label("suggest")))
		if rest, found := strings.CutSuffix(tail, a.Disclaimer); found && a.Disclaimer != "" {
			if rest = strings.TrimRight(rest, "\n"); rest != "" {
				b.WriteString("\n\n" + escape(rest))
			}
			b.WriteString("\n\n<i>" + escape(a.Disclaimer) + "</i>")
		} else if tail != "" {
			b.WriteString("\n\n" + escape(tail))
		}
		m = message{Text: b.String()}
	}
	for _, alt := range a.Alternatives {
		if b, ok := buttonFor(alt.Title, callback{cbArt, l, alt.ID}); ok {
			m.addRow(b)
		}
	}
	return m
}

// topicButtons lays out up to n topic buttons two to a row.
func topicButtons(topics []bot.Topic, l locale, n int) [][]button {
	var rows [][]button
	var row []button
	for _, tp := range topics {
		if n == 0 {
			break
		}
		b, ok := buttonFor(l.conv(tp.Name), callback{cbTopic, l, tp.Key})
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

// renderHelp answers /start and /help: what the bot answers (the first
// paragraph of greeting, the engine's reply to a greeting), the commands,
// and example questions as buttons.
func renderHelp(l locale, greeting string, examples []*kb.Article) message {
	intro, _, _ := strings.Cut(greeting, "\n\n")
	text := l.conv(intro) + "\n\n" + l.label("commands")
	if len(examples) > 0 {
		text += "\n\n" + l.label("examples")
	}
	m := renderText(text)
	for _, a := range examples {
		if b, ok := buttonFor(l.conv(a.Title), callback{cbArt, l, a.ID}); ok {
			m.addRow(b)
		}
	}
	return m
}

// renderTopic lists one topic's articles as buttons.
func renderTopic(tp bot.Topic, l locale) message {
	m := message{Text: "<b>" + escape(l.conv(tp.Name)) + "</b>"}
	for _, a := range tp.Articles {
		if b, ok := buttonFor(l.conv(a.Title), callback{cbArt, l, a.ID}); ok {
			m.addRow(b)
		}
	}
	return m
}

// block is a unit of a long reply: an HTML head and a plain body that may
// be split at line boundaries when the block alone is too long.
type block struct {
	head string // HTML, kept whole, only on the first piece
	body string // plain text, escaped when rendered
}

// renderTopics is the catalog grouped by topic (/topics), split at topic
// boundaries; topic buttons come with the last message.
func renderTopics(topics []bot.Topic, l locale) []message {
	blocks := []block{{head: "<b>" + escape(l.label("topics")) + "</b>"}}
	for _, tp := range topics {
		// A topic's lines, as many blocks as it takes: a block is never
		// split inside its markup, so each stays well under a message.
		head := "<b>" + escape(l.conv(tp.Name)) + "</b>"
		b := strings.Builder{}
		b.WriteString(head)
		for _, a := range tp.Articles {
			line := fmt.Sprintf("\n• %s — <code>/a %s</code>", escape(l.conv(a.Title)), escape(a.ID))
			if textLen(b.String())+textLen(line) > maxText/2 {
				blocks = append(blocks, block{head: b.String()})
				b.Reset()
				b.WriteString(head + " …")
			}
			b.WriteString(line)
		}
		blocks = append(blocks, block{head: b.String()})
	}
	msgs := packBlocks(blocks, maxText)
	msgs[len(msgs)-1].Keyboard = topicButtons(topics, l, len(topics))
	return msgs
}

// renderArticle is a whole article: title and region line, the lead, every
// section, the disclaimer; split at section boundaries under 4096 characters.
// Vote buttons come with the last message.
func renderArticle(art *kb.Article, disclaimer string, l locale) []message {
	blocks := []block{{head: "<b>" + escape(l.conv(art.Title)) + "</b>\n<i>" + escape(l.conv(bot.MetaLine(art.Lang, art))) + "</i>"}}
	if art.Lead != "" {
		blocks = append(blocks, block{body: l.conv(art.Lead)})
	}
	for _, s := range art.Sections {
		blocks = append(blocks, block{head: "<b>" + escape(l.conv(s.Heading)) + "</b>\n", body: l.conv(s.Body)})
	}
	blocks = append(blocks, block{head: "<i>" + escape(l.conv(disclaimer)) + "</i>"})
	msgs := packBlocks(blocks, maxText)
	last := &msgs[len(msgs)-1]
	var row []button
	for _, v := range []struct{ kind, label string }{{cbUp, "up"}, {cbDown, "down"}} {
		if b, ok := buttonFor(l.label(v.label), callback{v.kind, l, art.ID}); ok {
			row = append(row, b)
		}
	}
	last.addRow(row...)
	return msgs
}

// renderPre is an operator report in <pre>, split at line boundaries.
func renderPre(report string) []message {
	const open, closing = "<pre>", "</pre>"
	pieces := splitPlain(report, maxText-len(open)-len(closing))
	out := make([]message, 0, len(pieces))
	for _, p := range pieces {
		out = append(out, message{Text: open + escape(p) + closing})
	}
	return out
}

// packBlocks joins blocks with blank lines into as few messages as fit in
// limit; a block too long for one message is split at line boundaries (then
// at rune boundaries), never inside a tag or an entity.
func packBlocks(blocks []block, limit int) []message {
	var parts []string
	for _, b := range blocks {
		whole := b.head + escape(b.body)
		if textLen(whole) <= limit {
			parts = append(parts, whole)
			continue
		}
		room := limit - textLen(b.head)
		for i, p := range splitPlain(b.body, max(room, limit/2)) {
			if i == 0 && room >= limit/2 {
				p = b.head + escape(p)
			} else if i == 0 {
				parts = append(parts, b.head)
				p = escape(p)
			} else {
				p = escape(p)
			}
			parts = append(parts, p)
		}
	}
	var msgs []message
	var cur strings.Builder
	for _, p := range parts {
		if cur.Len() > 0 && textLen(cur.String())+2+textLen(p) > limit {
			msgs = append(msgs, message{Text: cur.String()})
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString("\n\n")
		}
		cur.WriteString(p)
	}
	if cur.Len() > 0 || len(msgs) == 0 {
		msgs = append(msgs, message{Text: cur.String()})
	}
	return msgs
}

// splitPlain cuts plain text into pieces whose escaped form fits limit,
// preferring line boundaries.
func splitPlain(s string, limit int) []string {
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
		n := textLen(escape(line))
		if curLen > 0 && curLen+1+n > limit {
			flush()
		}
		for n > limit {
			head := cutToFit(line, limit)
			out = append(out, head)
			line = line[len(head):]
			n = textLen(escape(line))
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

// cutToFit is the longest prefix of s (at a rune boundary, at least one rune)
// whose escaped form fits limit characters.
func cutToFit(s string, limit int) string {
	n := 0
	for i, r := range s {
		w := textLen(escape(string(r)))
		if n+w > limit && i > 0 {
			return s[:i]
		}
		n += w
	}
	return s
}
