package index

import (
	"github.com/blevesearch/bleve/v2/analysis"

	"faqbot/kb"

	"faqbot/index/zh"
)

// Missing says what specific thing a question names that an article does
// not: the signal that tells a reworded covered question ("医保起负线到底多少
// 钱": only fillers and a slip are missing) from an uncovered one ("打胰岛素
// 的钱医保给报吗": a drug the article never mentions).
type Missing struct {
	// Max is the IDF of the most distinctive specific question term the
	// article lacks, over the IDF of a term no article uses (0..1).
	Max float64
	// Mass is the summed IDF of the specific terms the article lacks, in
	// units of the unknown-term IDF (a count of rare missing terms).
	Mass float64
	// Unknown: a missing specific term no article of the language uses
	// (胰岛素, 2024, insulin).
	Unknown bool
	// Term is the most distinctive missing term (for debugging).
	Term string
	// HeadMax and HeadMass are Max and Mass against what the article is
	// about (its title, phrasings and tags), not what its body mentions.
	HeadMax, HeadMass float64
}

// Filler words say how a question is asked, not what it is about: they never
// count as missing. They are the knowledge base's [fillers-zh] and
// [fillers-en] lists (content/words.txt): a one-character Chinese filler
// matches in either position of a bigram, a longer one as a whole bigram;
// English ones as analyzed tokens. newFillers makes them once per index.
type fillers struct {
	chars map[rune]bool
	words map[string]bool // analyzed tokens
}

func newFillers(k *kb.KB, an analysis.Analyzer) fillers {
	f := fillers{chars: map[rune]bool{}, words: map[string]bool{}}
	for _, w := range k.WordTexts("fillers-zh") {
		if r := []rune(w); len(r) == 1 {
			f.chars[r[0]] = true
		} else {
			f.words[w] = true
		}
	}
	for _, w := range k.WordTexts("fillers-en") {
		for _, t := range analyze(an, zh.Fold(w)) {
			f.words[t] = true
		}
	}
	return f
}

// Missing reports the specific terms of question that article id of lang
// lacks: Latin words and digits, and Chinese bigrams, that are not fillers,
// that the article holds neither in its text, title, phrasings and tags nor
// through a synonym of a term the question names. A Chinese bigram counts
// when the article lacks one of its characters and some article uses it, or
// when the article lacks both (胰岛 in 胰岛素); a bigram across two words the
// article holds (线到 in 起付线到底) is no term.
func (ix *Index) Missing(question, lang, id string) Missing {
	st, ok := ix.langs[lang]
	if !ok || st.compact.arts[id] == nil {
		return Missing{}
	}
	a := st.compact.arts[id]
	q := ix.analyzed(question)
	tokens, syns := q.tokens, q.syns
	m := ix.missing(st, partSet{st.compact, a, partAll}, tokens, syns)
	h := ix.missing(st, partSet{st.compact, a, partHead}, tokens, syns)
	m.HeadMax, m.HeadMass = h.Max, h.Mass
	return m
}

func (ix *Index) missing(st *langStats, set tokenSet, tokens []string, syns []synMatch) Missing {
	f := ix.fillers
	covered := ix.synCovered(set, syns)
	var m Missing
	for _, t := range tokens {
		if set.has(t) || covered[t] || f.words[t] {
			continue
		}
		var w float64
		unknown := false
		switch rs := []rune(t); {
		case rs[0] < 0x80:
			if len(t) < 2 {
				continue
			}
			w, unknown = st.idf(t), st.df[t] == 0
		case len(rs) == 2 && rs[0] > 0x2E7F && rs[1] > 0x2E7F:
			if f.chars[rs[0]] || f.chars[rs[1]] {
				continue
			}
			absent := 0
			for _, r := range rs {
				c := string(r)
				if !set.has(c) && !covered[c] {
					absent++
					if v := st.idf(c); v > w {
						w, unknown = v, st.df[c] == 0
					}
				}
			}
			switch {
			case absent == 0:
				continue // both characters are the article's: a bigram across words (线到 in 起付线到底)
			case st.df[t] > 0:
				w, unknown = st.idf(t), false // a word other articles use
			case absent < 2:
				continue // a new character next to one of the article's: 跑 in 开始跑外卖
			}
		default:
			continue // single characters are counted through their bigrams
		}
		if st.unknown > 0 {
			w /= st.unknown
		}
		m.Mass += w
		if w > m.Max {
			m.Max, m.Term = w, t
		}
		m.Unknown = m.Unknown || unknown
	}
	return m
}

// synCovered is the question tokens that count as held by an article with
// token set set through synonym expansion: the tokens of a synonym term the
// question names whose group has an alternative the article holds in full.
func (ix *Index) synCovered(set tokenSet, syns []synMatch) map[string]bool {
	covered := map[string]bool{}
	for _, m := range syns {
		for _, alt := range ix.syn[m.group] {
			if len(alt.tokens) > 0 && all(set, alt.tokens) {
				for _, t := range ix.syn[m.group][m.term].tokens {
					covered[t] = true
				}
				for _, r := range ix.syn[m.group][m.term].folded {
					if r > 0x2E7F {
						covered[string(r)] = true
					}
				}
				break
			}
		}
	}
	return covered
}
