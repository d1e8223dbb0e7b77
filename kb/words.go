package kb

import (
	"slices"
	"strings"
)

// WordsFile holds the word lists the engine and the index read messages
// with: greetings, thanks, health and off-topic cues, follow-up cues, the
// cue words a follow-up is stripped of, stop words and fillers, and places
// with their aliases. They are content:
// curators edit them like the articles, and lint checks them.
const WordsFile = "words.txt"

// Word lists of WordsFile, by section name. How each is matched is the
// engine's (bot/words.go); lint knows only the names.
var WordLists = []string{
	"greetings",        // whole messages that are small talk
	"thanks-zh",        // whole messages that thank (a Chinese reply)
	"thanks-en",        // whole messages that thank (an English reply)
	"symptoms",         // health-problem cues: the bot points to a doctor
	"offtopic",         // small talk about something else: never read in context
	"figure-cues",      // a question asking for an amount or a share (a model input)
	"followup-lead-zh", // a Chinese message starting with one leans on the context
	"followup-tail-zh", // ... ending with one
	"followup-ref-zh",  // ... holding one (这个, 那种)
	"followup-lead-en", // an English message starting with one
	"followup-ref-en",  // ... holding one as a word (it, that)
	"strip-zh",         // cue words and particles a follow-up is stripped of, to leave what it adds
	"strip-en",         // the same for English, whole words
	"stopwords-zh",     // Chinese function words the index's analyzer leaves out (index/mapping.go)
	"fillers-zh",       // how a Chinese question is asked, never a missing term (index/missing.go); a character or a word
	"fillers-en",       // the same for English words
	"places",           // 上海::shanghai — a place, its province (上海 for a municipality) and Latin spellings
}

// Word is one entry of a word list and the line it is on.
type Word struct {
	Text string
	Line int
}

// Words returns the entries of word list name, in file order.
func (k *KB) Words(name string) []Word { return k.words[name] }

// WordTexts returns the entries of word list name as strings.
func (k *KB) WordTexts(name string) []string {
	out := make([]string, len(k.words[name]))
	for i, w := range k.words[name] {
		out[i] = w.Text
	}
	return out
}

// parseWords reads WordsFile: "[name]" starts a list, then one entry a
// line; '#' starts a comment line. An unknown list, an entry outside a
// list, and an entry twice in one list (case-insensitively) are errors.
func parseWords(text string, errs *Errors) map[string][]Word {
	out := map[string][]Word{}
	cur := ""
	seen := map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			cur = strings.TrimSpace(line[1 : len(line)-1])
			if !slices.Contains(WordLists, cur) {
				errs.add(WordsFile, i+1, "unknown word list %q (known: %s)", cur, strings.Join(WordLists, ", "))
				cur = ""
			}
			seen = map[string]int{}
			continue
		case cur == "":
			errs.add(WordsFile, i+1, "entry %q is outside a [list]", line)
			continue
		}
		key := strings.ToLower(line)
		if prev, dup := seen[key]; dup {
			errs.add(WordsFile, i+1, "%q is already in [%s] on line %d", line, cur, prev)
			continue
		}
		seen[key] = i + 1
		out[cur] = append(out[cur], Word{Text: line, Line: i + 1})
	}
	return out
}
