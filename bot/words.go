package bot

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"unicode"

	"faqbot/index"
	"faqbot/index/zh"
	"faqbot/kb"
)

// lexicon is a knowledge base's word lists (content/words.txt) made ready
// to match: every entry folded once, Chinese entries matched as substrings
// and English ones as words (index.Terms), whole-message lists as sets.
// Matching runs on folded text, so 謝謝 is a thank-you like 谢谢, and
// "Spain" never holds the symptom "pain".
type lexicon struct {
	k                     *kb.KB
	greetings             map[string]bool
	thanks                map[string]string // folded message → reply language
	symptoms, offtopic    index.Terms
	figures               index.Terms // [figure-cues]
	leadZH, tailZH, refZH []string
	leadEN                []string // padded " and " ...
	refEN, stripEN        map[string]bool
	stripZH               []string // longest first
	places                []place
	placeTerms            index.TermGroups
}

// lexiconCache keeps the lexicon of the knowledge base last asked about; a
// reindex brings a new *kb.KB and the next question builds its lexicon.
type lexiconCache struct{ cur atomic.Pointer[lexicon] }

func (c *lexiconCache) get(k *kb.KB) *lexicon {
	if l := c.cur.Load(); l != nil && l.k == k {
		return l
	}
	l := newLexicon(k)
	c.cur.Store(l)
	return l
}

func fold(s string) string { return strings.ToLower(zh.Fold(s)) }

func newLexicon(k *kb.KB) *lexicon {
	l := &lexicon{k: k, greetings: map[string]bool{}, thanks: map[string]string{}, refEN: map[string]bool{}, stripEN: map[string]bool{}}
	folded := func(name string) []string {
		out := make([]string, 0, len(k.Words(name)))
		for _, w := range k.Words(name) {
			out = append(out, fold(w.Text))
		}
		return out
	}
	for _, w := range folded("greetings") {
		l.greetings[w] = true
	}
	for _, lang := range kb.Languages {
		for _, w := range folded("thanks-" + lang) {
			l.thanks[w] = lang
			l.greetings[w] = true
		}
	}
	l.symptoms, l.offtopic = index.NewTerms(k.WordTexts("symptoms")...), index.NewTerms(k.WordTexts("offtopic")...)
	l.figures = index.NewTerms(k.WordTexts("figure-cues")...)
	l.leadZH, l.tailZH, l.refZH = folded("followup-lead-zh"), folded("followup-tail-zh"), folded("followup-ref-zh")
	for _, w := range folded("followup-lead-en") {
		l.leadEN = append(l.leadEN, " "+w+" ")
	}
	for _, w := range folded("followup-ref-en") {
		l.refEN[w] = true
	}
	for _, w := range folded("strip-en") {
		l.stripEN[w] = true
	}
	l.stripZH = folded("strip-zh")
	slices.SortStableFunc(l.stripZH, func(a, b string) int { return len(b) - len(a) })
	l.places = parsePlaces(k.WordTexts("places"))
	groups := make([][]string, len(l.places))
	for i, p := range l.places {
		groups[i] = append([]string{p.name}, strings.Split(p.en, "|")...)
	}
	l.placeTerms = index.NewTermGroups(groups...)
	return l
}

// parsePlaces reads "name:province:latin|spellings" entries; a malformed
// one is left out (CheckWords reports it).
func parsePlaces(entries []string) []place {
	var out []place
	for _, s := range entries {
		f := strings.SplitN(s, ":", 3)
		if len(f) != 3 || f[0] == "" {
			continue
		}
		out = append(out, place{name: f[0], province: f[1], en: strings.ReplaceAll(f[2], "-", " ")})
	}
	return out
}

// message is text folded, without the punctuation around it: what the
// whole-message lists are matched against.
func message(text string) string {
	return strings.TrimFunc(fold(text), func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) || r == '~' || r == '～' })
}

// greeting reports a message that is only small talk or thanks.
func (l *lexicon) greeting(text string) bool { return l.greetings[message(text)] }

// thanksLang is the reply language of a message that only thanks.
func (l *lexicon) thanksLang(text string) (string, bool) {
	lang, ok := l.thanks[message(text)]
	return lang, ok
}

// medical reports a message naming a health problem.
func (l *lexicon) medical(text string) bool { return index.NewText(text).Find(l.symptoms) != "" }

// asksFigure reports whether text asks for an amount or a share.
func (l *lexicon) asksFigure(text string) bool { return index.NewText(text).Find(l.figures) != "" }

// strip is text without its cue words and particles: what a follow-up adds.
func (l *lexicon) strip(text, lang string) string {
	if lang == "en" {
		var keep []string
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }) {
			if !l.stripEN[w] {
				keep = append(keep, w)
			}
		}
		return strings.Join(keep, " ")
	}
	t := fold(text)
	for _, c := range l.stripZH {
		t = strings.ReplaceAll(t, c, " ")
	}
	return strings.Join(strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

// followUpCue reports a follow-up cue in text: a Chinese lead, tail or
// reference word; an English lead phrase or reference word.
func (l *lexicon) followUpCue(text, lang string) bool {
	if lang == "en" {
		words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
		joined := " " + strings.Join(words, " ") + " "
		for _, c := range l.leadEN {
			if strings.HasPrefix(joined, c) {
				return true
			}
		}
		return slices.ContainsFunc(words, func(w string) bool { return l.refEN[w] })
	}
	t := message(text)
	return slices.ContainsFunc(l.leadZH, func(c string) bool { return strings.HasPrefix(t, c) }) ||
		slices.ContainsFunc(l.tailZH, func(c string) bool { return strings.HasSuffix(t, c) }) ||
		slices.ContainsFunc(l.refZH, func(c string) bool { return strings.Contains(t, c) })
}

// CheckWords reports word lists the engine would miss or never match: a
// list missing or empty, an entry that folding changes (the message is
// folded, the entry is not found), a malformed place, a place whose
// province is not a listed place. Lint runs it after kb's own checks.
func CheckWords(k *kb.KB) []string {
	var out []string
	for _, name := range kb.WordLists {
		if len(k.Words(name)) == 0 {
			out = append(out, fmt.Sprintf("%s: word list [%s] is missing or empty: the engine would not know any %s", kb.WordsFile, name, name))
		}
		for _, w := range k.Words(name) {
			if name != "places" && fold(w.Text) != w.Text {
				out = append(out, fmt.Sprintf("%s:%d: %q can never match: messages are folded first, write it as %q", kb.WordsFile, w.Line, w.Text, fold(w.Text)))
			}
		}
	}
	names := map[string]bool{}
	for _, p := range parsePlaces(k.WordTexts("places")) {
		names[p.name] = true
	}
	for _, w := range k.Words("places") {
		f := strings.SplitN(w.Text, ":", 3)
		switch {
		case len(f) != 3 || f[0] == "":
			out = append(out, fmt.Sprintf("%s:%d: place %q: want name:province:latin|spellings", kb.WordsFile, w.Line, w.Text))
		case f[1] != "" && !names[f[1]]:
			out = append(out, fmt.Sprintf("%s:%d: place %q: its province %q is not a listed place", kb.WordsFile, w.Line, w.Text, f[1]))
		}
	}
	return out
}
