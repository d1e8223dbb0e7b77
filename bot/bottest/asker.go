package bottest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"faqbot/bot"
	"faqbot/content"
	"faqbot/index/zh"
	"faqbot/kb"
)

var (
	kbOnce sync.Once
	kbVal  *kb.KB
	kbErr  error
)

// KB is the embedded knowledge base, loaded once per test binary.
func KB(t testing.TB) *kb.KB {
	t.Helper()
	kbOnce.Do(func() { kbVal, kbErr = kb.Load(content.FS) })
	if kbErr != nil {
		t.Fatal(kbErr)
	}
	return kbVal
}

// Asker is a fake engine: a question that is an article's title or one of its
// listed questions (in either language, Simplified or Traditional, with or
// without a trailing question mark) gets that article's direct answer with
// its related articles as runners-up; "你好"/"hello" and the like get the
// greeting; text with no letters gets the empty reply; a question in Unsure
// gets the "unsure" reply with those articles as suggestions; anything else
// is no-match. Extra maps more questions to article ids. It records every
// Question it was asked.
type Asker struct {
	k *kb.KB
	// Extra maps further questions to article ids ("" for no-match).
	Extra map[string]string
	// Unsure maps questions to the ids of the 1-3 articles suggested with
	// reason "unsure" (Text as the engine renders it: bot.UnsureText).
	Unsure map[string][]string
	// Err, when set, is returned by Ask (an index failure).
	Err error

	mu    sync.Mutex
	asked []bot.Question
	index map[string]string // folded phrasing → id
}

// NewAsker returns a fake engine over the embedded articles.
func NewAsker(t testing.TB) *Asker {
	k := KB(t)
	f := &Asker{k: k, Extra: map[string]string{}, Unsure: map[string][]string{}, index: map[string]string{}}
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			for _, p := range append([]string{a.Title}, a.Questions...) {
				f.index[key(p)] = a.ID
			}
		}
	}
	return f
}

func key(q string) string {
	return strings.TrimRight(strings.TrimSpace(zh.Fold(q)), "?？!！。. ")
}

// Asked returns the questions asked so far.
func (f *Asker) Asked() []bot.Question {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bot.Question(nil), f.asked...)
}

var greetings = map[string]bool{"你好": true, "您好": true, "hi": true, "hello": true, "谢谢": true, "thanks": true}

// Ask answers q as described on Asker.
func (f *Asker) Ask(_ context.Context, q bot.Question) (bot.Answer, error) {
	f.mu.Lock()
	f.asked = append(f.asked, q)
	f.mu.Unlock()
	if f.Err != nil {
		return bot.Answer{}, f.Err
	}
	text := bot.Clean(q.Text, 1024)
	detected := zh.Detect(text)
	lang := q.Lang
	if lang == "" {
		lang = detected
	}
	if lang == "" {
		lang = "zh"
	}
	a := bot.Answer{Question: text, Lang: lang, Disclaimer: f.k.Disclaimer(lang), Alternatives: []bot.Alternative{}}
	id, ok := f.Extra[text]
	if !ok {
		id = f.index[key(text)]
	}
	suggest, unsure := f.Unsure[text]
	switch {
	case detected == "":
		a.Reason = bot.ReasonEmpty
	case greetings[key(text)]:
		a.Reason = bot.ReasonGreeting
	case unsure:
		a.Reason = bot.ReasonUnsure
		for _, sid := range suggest {
			if art, ok := f.k.Article(lang, sid); ok {
				a.Alternatives = append(a.Alternatives, bot.Alternative{ID: art.ID, Title: art.Title, Score: 0.3})
			}
		}
		a.Text = bot.UnsureText(f.k, lang, a.Alternatives, false)
	case id != "":
		art, _ := f.k.Article(lang, id)
		a = bot.ArticleAnswer(art, a.Disclaimer)
		a.Question = text
		max := 3
		if q.Alternatives > 0 {
			max = q.Alternatives
		}
		for _, rid := range art.Related {
			if rel, ok := f.k.Article(lang, rid); ok && len(a.Alternatives) < max {
				a.Alternatives = append(a.Alternatives, bot.Alternative{ID: rel.ID, Title: rel.Title, Score: 0.5})
			}
		}
		a.Text = bot.AnswerText(a, art)
	default:
		a.Reason = bot.ReasonNoMatch
	}
	if !a.Answered && a.Reason != bot.ReasonUnsure {
		a.Text = f.Reply(lang, a.Reason)
	}
	if lang == "zh" && zh.IsTraditional(text) {
		a.Traditional = true
		for _, s := range []*string{&a.Title, &a.Section, &a.Snippet, &a.Region, &a.Disclaimer, &a.Text} {
			*s = zh.ToTraditional(*s)
		}
		for i := range a.Alternatives {
			a.Alternatives[i].Title = zh.ToTraditional(a.Alternatives[i].Title)
		}
	}
	return a, nil
}

// Article returns a whole article.
func (f *Asker) Article(lang, id string) (*kb.Article, bool) { return f.k.Article(lang, id) }

// Topics returns the articles grouped by topic, as the engine does.
func (f *Asker) Topics(lang string) []bot.Topic { return bot.GroupTopics(f.k, lang) }

// Examples returns the engine's example articles.
func (f *Asker) Examples(lang string, n int) []*kb.Article { return bot.ExampleArticles(f.k, lang, n) }

// Disclaimer is the embedded disclaimer.
func (f *Asker) Disclaimer(lang string) string { return f.k.Disclaimer(lang) }

// Reply is the engine's reply text for reason.
func (f *Asker) Reply(lang, reason string) string { return bot.ReplyText(f.k, lang, reason) }

var _ bot.Asker = (*Asker)(nil)
