package wechat

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"faqbot/bot"
	"faqbot/kb"
)

// maxBytes keeps a passive text reply under WeChat's 2048-byte limit.
const maxBytes = 2047

// phrases holds the adapter's own phrases; the engine's texts come with
// the Answer.
var phrases = map[string]map[string]string{
	"zh": {
		"choice":      "回复 %d：%s",
		"suggest":     "这些内容可能相关，回复 %s 查看：",
		"full":        "回复“全文 %s”阅读全文",
		"page":        "（%d/%d）",
		"next":        "回复“全文 %s %d”继续阅读",
		"no-article":  "没有找到这篇文章。请直接发送您的问题，或回复数字选择上一条回答里列出的相关问题。",
		"no-session":  "这个选项已经过期。请直接发送您的医保问题。",
		"busy":        "抱歉，系统暂时繁忙，请稍后再发送一次。",
		"lang":        "好的，之后用中文回复。Send \"English\" for replies in English.",
		"switch-hint": "Send \"English\" for replies in English.",
		"pick-hint":   "回复序号查看。",
	},
	"en": {
		"choice":      "Reply %d: %s",
		"suggest":     "These may be related; reply %s to read one:",
		"full":        "Reply \"full %s\" to read the whole article",
		"page":        " (%d/%d)",
		"next":        "Reply \"full %s %d\" to read on",
		"no-article":  "I could not find that article. Please send your question, or reply with a number to pick a related question from my last answer.",
		"no-session":  "That choice has expired. Please send your question about medical insurance.",
		"busy":        "Sorry, the service is busy. Please send your message again in a moment.",
		"lang":        "OK, I will reply in English. 发送“中文”切换为中文回复。",
		"switch-hint": "发送“中文”切换为中文回复。",
		"pick-hint":   "Reply with a number to read one.",
	},
}

func phrase(lang, key string, args ...any) string {
	t, ok := phrases[lang]
	if !ok {
		t = phrases["zh"]
	}
	if len(args) == 0 {
		return t[key]
	}
	return fmt.Sprintf(t[key], args...)
}

var (
	mdLink    = regexp.MustCompile(`\[([^\]\n]*)\]\(([^)\s]*)\)`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6}[ \t]+`)
	htmlTag   = regexp.MustCompile(`</?[A-Za-z][^<>]*>`)
	mdMarks   = strings.NewReplacer("**", "", "__", "", "`", "")
)

// plainText strips Markdown and HTML markup: WeChat shows text messages
// verbatim, so "**" or "<b>" would reach the user as is.
func plainText(s string) string {
	s = mdLink.ReplaceAllString(s, "$1 $2")
	s = mdHeading.ReplaceAllString(s, "")
	s = htmlTag.ReplaceAllString(s, "")
	return strings.TrimSpace(mdMarks.Replace(s))
}

// renderAnswer renders an engine answer as one plain-text reply under
// maxBytes: title, the passage (cut at a passage or sentence boundary
// when needed), region and date, numbered runners-up, how to get the full
// article, and the disclaimer, which is never cut. art is the answered
// article (nil if unknown): its region line is taken from it, since a
// Traditional answer's region ("全國") no longer reads as nationwide.
func renderAnswer(a bot.Answer, art *kb.Article) string {
	if !a.Answered {
		if out, ok := renderUnsure(a); ok {
			return out
		}
		return fit(plainText(a.Text), maxBytes)
	}
	body := a.Snippet
	if a.Section != "" && a.Section != a.Title {
		body = a.Section + "\n" + body
	}
	body = plainText(body)
	var meta string
	switch {
	case art != nil:
		meta = bot.MetaLine(a.Lang, art)
	case a.Region != "" || a.Updated != "":
		meta = bot.MetaLine(a.Lang, &kb.Article{Region: a.Region, Updated: a.Updated})
	}
	alts := a.Alternatives
	for {
		var tail []string
		if meta != "" {
			tail = append(tail, meta)
		}
		if len(alts) > 0 {
			lines := []string{bot.AlternativesLabel(a.Lang)}
			for i, alt := range alts {
				lines = append(lines, phrase(a.Lang, "choice", i+1, plainText(alt.Title)))
			}
			tail = append(tail, strings.Join(lines, "\n"))
		}
		tail = append(tail, phrase(a.Lang, "full", a.ID), a.Disclaimer)
		head := plainText(a.Title)
		if a.ContextLabel != "" { // a follow-up read in context says so first
			head = plainText(a.ContextLabel) + "\n" + head
		}
		frame := len(head) + len("\n\n") + len("\n\n") + len(strings.Join(tail, "\n\n"))
		if room := maxBytes - frame; room >= 0 || len(alts) == 0 {
			parts := []string{head}
			if b := fit(body, max(room, 0)); b != "" {
				parts = append(parts, b)
			}
			return fit(strings.Join(append(parts, tail...), "\n\n"), maxBytes)
		}
		alts = alts[:len(alts)-1]
	}
}

// renderUnsure renders the reply to a question no article clearly answers:
// the honest sentence, the suggestions numbered under "回复 1/2/3 查看" (the
// session remembers them, so a number shows that article), the line that
// rules differ by place when the engine adds it, the hand-off and the
// disclaimer, which is never cut: over maxBytes, suggestions are dropped
// from the end, then the text before the disclaimer is cut. ok is false
// when a is no unsure reply whose Text lists its suggestions.
func renderUnsure(a bot.Answer) (string, bool) {
	head, _, tail, ok := bot.UnsureParts(a)
	if !ok {
		return "", false
	}
	rest, hasDisclaimer := strings.CutSuffix(tail, a.Disclaimer)
	if !hasDisclaimer || a.Disclaimer == "" {
		rest = tail
	}
	rest = plainText(rest)
	label := phrase(a.Lang, "suggest", "%s")
	if a.Traditional {
		// Written out: character by character, 回复 would become 回復.
		label = "這些內容可能相關，回覆 %s 查看："
	}
	alts := a.Alternatives
	for {
		nums := make([]string, len(alts))
		lines := make([]string, 0, 1+len(alts))
		for i := range alts {
			nums[i] = fmt.Sprint(i + 1)
		}
		lines = append(lines, fmt.Sprintf(label, strings.Join(nums, "/")))
		for i, alt := range alts {
			lines = append(lines, fmt.Sprintf("%d. %s", i+1, plainText(alt.Title)))
		}
		parts := []string{plainText(head), strings.Join(lines, "\n")}
		if rest != "" {
			parts = append(parts, rest)
		}
		body := strings.Join(parts, "\n\n")
		if !hasDisclaimer || a.Disclaimer == "" {
			return fit(body, maxBytes), true
		}
		room := maxBytes - len("\n\n"+a.Disclaimer)
		if len(body) <= room || len(alts) == 1 {
			return fit(body, room) + "\n\n" + a.Disclaimer, true
		}
		alts = alts[:len(alts)-1]
	}
}

// renderPage renders page n (1-based) of a whole article; pages are
// cut at passage boundaries and each carries the disclaimer. It returns the
// number of pages.
func renderPage(art *kb.Article, disclaimer string, n int) (string, int) {
	lang := art.Lang
	head := func(i, total int) string {
		return plainText(art.Title) + phrase(lang, "page", i, total) + "\n" + bot.MetaLine(lang, art)
	}
	// The frame is measured with generous numbers so every page fits.
	frame := len(head(99, 99)) + len(phrase(lang, "next", art.ID, 99)) + len(disclaimer) + 3*len("\n\n")
	pages := paginate(art, max(maxBytes-frame, 64))
	total := len(pages)
	n = min(max(n, 1), total)
	parts := []string{head(n, total), pages[n-1]}
	if n < total {
		parts = append(parts, phrase(lang, "next", art.ID, n+1))
	}
	parts = append(parts, disclaimer)
	return fit(strings.Join(parts, "\n\n"), maxBytes), total
}

// paginate packs an article's passages into pages of at most room bytes.
func paginate(art *kb.Article, room int) []string {
	var pages []string
	cur := ""
	add := func(s string) {
		switch {
		case cur == "":
			cur = s
		case len(cur)+2+len(s) <= room:
			cur += "\n\n" + s
		default:
			pages = append(pages, cur)
			cur = s
		}
	}
	for i, p := range art.Passages() {
		text := plainText(p.Body)
		if i > 0 || p.Heading != art.Title {
			text = plainText(p.Heading) + "\n" + text
		}
		for text != "" {
			chunk := cutAtBoundary(text, room)
			if chunk == "" {
				break
			}
			add(chunk)
			text = strings.TrimSpace(text[len(chunk):])
		}
	}
	if cur != "" || len(pages) == 0 {
		pages = append(pages, cur)
	}
	return pages
}

// fit returns s if it fits in limit bytes, else its longest prefix
// that ends at a passage, line or sentence boundary (at worst a rune
// boundary) followed by "…".
func fit(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	if limit < len(ellipsis) {
		return ""
	}
	cut := strings.TrimRight(cutAtBoundary(s, limit-len(ellipsis)), " \t\n")
	return cut + ellipsis
}

// cutAtBoundary returns a prefix of s of at most limit bytes: the longest
// that ends after a line break or a sentence end, unless that would keep
// less than half the room; then the longest ending after a comma or a
// space, with the same proviso; else the longest ending at a rune boundary. It never returns
// "" for a non-empty s and limit >= 4.
func cutAtBoundary(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	strong, weak := 0, 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		end := i + size
		if end > limit {
			break
		}
		switch {
		case sentenceEnd(r, s[end:]):
			strong = end
		case r == '，' || r == '、' || r == '：' || r == ',' || r == ' ':
			weak = end
		}
		i = end
	}
	switch {
	case strong > 0 && strong >= limit/2:
		return s[:strong]
	case weak > 0 && weak >= limit/2:
		return s[:weak]
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// sentenceEnd reports whether a cut may follow r (given the text after it):
// a line break, CJK sentence punctuation, or ASCII punctuation followed by
// a space (so "2.5" and "e.g." inside a word are kept whole).
func sentenceEnd(r rune, rest string) bool {
	switch r {
	case '\n', '。', '！', '？', '；', '…':
		return true
	case '.', '!', '?', ';':
		return rest == "" || rest[0] == ' ' || rest[0] == '\n'
	}
	return false
}
