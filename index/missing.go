package index

import (
	"sync"

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
// count as missing. Chinese fillers are matched as characters (in either
// position of a bigram) or as whole bigrams; English ones as analyzed tokens.
var (
	zhFillerChars = "的了吗呢吧啊呀么嘛哈呗哦噢喔嗯是我你他她它俺咱您在和与跟就都也还要会能可这那个怎什哪请咋啥谁吶滴"
	zhFillerWords = []string{
		"到底", "一般", "现在", "应该", "知道", "请问", "麻烦", "谢谢", "是否", "大概", "具体", "一下", "还是", "就是",
		"可以", "怎么", "多少", "为啥", "为何", "什么", "如何", "怎样", "有没", "没有", "能不", "是不", "不是",
		"行不", "不行", "好不", "对不", "有啥", "有用", "办法", "咋办", "怎办", "这样", "那样", "这种", "那种",
		"情况", "问题", "东西", "事情", "时候", "以后", "之后", "以前", "之前", "然后", "但是", "不过", "而且",
		"所以", "因为", "已经", "一直", "还有", "或者", "比如", "其实", "真的", "确实", "一定", "肯定", "必须",
		"得多", "多久", "多长", "几天", "一样", "不一", "哪儿", "哪里", "哪个", "哪些", "几个", "几年", "几号",
		"好多", "很多", "有点", "一点", "怎弄", "搞定", "弄好", "想问", "问下", "问问", "咨询", "了解", "清楚",
		"说说", "告诉", "帮我", "给我", "我们", "你们", "他们", "自己", "大家", "别人", "人家", "老是", "总是",
		"突然", "马上", "赶紧", "最近", "今天", "明天", "昨天", "刚刚", "刚才", "正在", "打算", "准备", "想要",
		"能够", "可能", "会不", "要不", "用不", "能用", "管不", "给不", "报不", "交不", "该怎", "么办", "么样",
	}
	enFillerWords = []string{
		"really", "actually", "still", "went", "go", "going", "gone", "got", "get", "gets", "getting", "gonna",
		"wanna", "just", "hey", "hi", "please", "thanks", "thank", "exactly", "anyway", "kind", "sort", "like",
		"mean", "know", "tell", "want", "wants", "need", "needs", "someone", "somebody", "something", "anything",
		"guy", "guys", "ok", "okay", "well", "basically", "way", "ways", "possible", "able", "sure", "now",
		"currently", "happen", "happens", "happened", "help", "thing", "things", "stuff", "much", "many", "long",
		"also", "even", "ever", "yet", "already", "someone's", "whether", "which", "what", "how", "when", "why",
		"where", "who", "would", "could", "should", "must", "may", "might", "shall", "can", "will", "does", "do",
		"did", "done", "make", "makes", "made", "let", "lets", "say", "says", "said", "try", "tried", "look",
		"seems", "seem", "somehow", "right", "ok", "bit", "lot", "lots", "pretty", "quite", "very", "too",
		"first", "new", "old", "good", "bad", "better", "best", "big", "small", "little", "own", "other",
		"another", "some", "any", "every", "each", "all", "both", "more", "most", "less", "least",
		"today", "tomorrow", "yesterday", "recently", "soon", "later", "again", "usual", "usually", "normally",
	}
)

type fillers struct {
	chars map[rune]bool
	words map[string]bool // analyzed tokens
}

var fillerOnce sync.Once
var fillerSet fillers

func (ix *Index) fillers() fillers {
	fillerOnce.Do(func() {
		f := fillers{chars: map[rune]bool{}, words: map[string]bool{}}
		for _, r := range zhFillerChars {
			f.chars[r] = true
		}
		for _, w := range zhFillerWords {
			f.words[w] = true
		}
		for _, w := range enFillerWords {
			for _, t := range analyze(ix.an, zh.Fold(w)) {
				f.words[t] = true
			}
		}
		fillerSet = f
	})
	return fillerSet
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
	f := ix.fillers()
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
