package bot

import (
	"faqbot/kb"
	"strings"
	"unicode"
)

// foreignScript reports a message written in letters of another script
// than Chinese or Latin (Cyrillic, Hangul, Arabic, kana ...): at least two
// such letters. Such a message gets a reply saying which languages faqbot
// reads, in English, not the "send text" reply.
func foreignScript(text string) bool {
	n := 0
	for _, r := range text {
		if unicode.IsLetter(r) && !unicode.Is(unicode.Han, r) && !unicode.Is(unicode.Latin, r) {
			n++
		}
	}
	return n >= 2
}

// An unsure reply lists 1-3 suggestions and says "回复序号查看" / "reply with
// a number". suggestionNumber reads such a reply: the message is only the
// digit 1-9 (half- or full-width, or a Chinese numeral), with punctuation
// or spaces around it. 0 means it is not one.
func suggestionNumber(text string) int {
	t := strings.TrimFunc(text, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	t = strings.TrimPrefix(strings.TrimPrefix(t, "第"), "#")
	t = strings.TrimSuffix(strings.TrimSuffix(t, "个"), "条")
	r := []rune(t)
	if len(r) != 1 {
		return 0
	}
	switch c := r[0]; {
	case c >= '1' && c <= '9':
		return int(c - '0')
	case c >= '１' && c <= '９':
		return int(c-'１') + 1
	default:
		return strings.IndexRune("一二三四五六七八九", c) + 1
	}
}

// openSuggestion answers "1"-"3" sent right after an unsure reply with the
// suggestion of that number: its lead, the article's other sections as
// runners-up. It reports false when the conversation has no such
// suggestion (the message is then read as any other).
func (e *Engine) openSuggestion(k *kb.KB, q Question, a *Answer, n int) bool {
	key := e.convoKey(q)
	if key == "" || n < 1 {
		return false
	}
	prev := e.loadConvo(key)
	if prev == nil || n > len(prev.Suggest) {
		return false
	}
	art, ok := k.Article(a.Lang, prev.Suggest[n-1])
	if !ok {
		return false
	}
	lead := art.Passages()[0]
	a.Answered, a.ID, a.Title, a.Section, a.Snippet = true, art.ID, art.Title, lead.Heading, lead.Body
	a.Region, a.Updated, a.Score = art.Region, art.Updated, 1
	a.Text = AnswerText(*a, art)
	e.saveConvo(key, convo{ID: art.ID, Lang: a.Lang, Place: prev.Place, Subject: art.Title, Suggest: prev.Suggest}) // "2" may follow "1"
	return true
}
