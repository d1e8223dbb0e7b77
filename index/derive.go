package index

import (
	"cmp"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2/analysis"

	"faqbot/index/zh"
	"faqbot/kb"
)

// newLangStats analyzes one language's articles into their statistics and
// compact sets (compact.go) directly, without the map forms (sets.go, kept
// as the tests' oracle): at 5,000 articles those took 800 MB a language.
// The articles are analyzed in parallel, each token numbered as it is first
// seen, and the results added up in article order; the numbers are then
// turned into the vocabulary ids the compact sets use (the articles'
// tokens in sorted order, then the synonyms', then the rest). The Latin
// words of the articles are counted into vocab (nil: not).
func newLangStats(an analysis.Analyzer, articles []*kb.Article, syn [][]synTerm, vocab map[string]int) *langStats {
	var (
		mu   sync.Mutex
		num  = map[string]int32{} // token → number, in the order first seen
		toks []string             // number → token
	)
	type result struct {
		all    []int32   // the article's tokens, each once
		units  [][]int32 // each head line (title, questions, tags), then each passage
		head   int       // how many of units are head lines
		phrase int       // how many of units are phrasings (title and questions)
	}
	res := make([]result, len(articles))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(articles)/8)) {
		wg.Go(func() {
			var lists [][]string
			for i := int(next.Add(1) - 1); i < len(articles); i = int(next.Add(1) - 1) {
				a := articles[i]
				heads := append(append([]string{a.Title}, a.Questions...), a.Tags...)
				var text strings.Builder
				for _, h := range heads {
					text.WriteString(h + "\n")
				}
				for _, p := range a.Passages() {
					text.WriteString(p.Heading + "\n" + p.Body + "\n")
				}
				folded := zh.Fold(text.String())
				lists = append(lists[:0], analyze(an, folded))
				for _, h := range heads {
					lists = append(lists, analyze(an, zh.Fold(h)))
				}
				for _, p := range a.Passages() {
					lists = append(lists, analyze(an, zh.Fold(p.Heading+"\n"+p.Body)))
				}
				r := result{head: len(heads), phrase: 1 + len(a.Questions), units: make([][]int32, len(lists)-1)}
				mu.Lock()
				if vocab != nil {
					latinWords(folded, vocab)
				}
				for j, list := range lists {
					ids := make([]int32, len(list))
					for k, t := range list {
						id, ok := num[t]
						if !ok {
							id = int32(len(toks))
							num[t] = id
							toks = append(toks, t)
						}
						ids[k] = id
					}
					if j == 0 {
						r.all = ids
					} else {
						r.units[j-1] = ids
					}
				}
				mu.Unlock()
				res[i] = r
			}
		})
	}
	wg.Wait()

	st := &langStats{n: len(articles), unknown: idf(len(articles), 0)}
	df := make([]int32, len(toks)) // by number
	for i := range res {
		for _, t := range res[i].all {
			df[t]++
		}
	}
	// Vocabulary ids: the articles' tokens sorted, then the synonyms'
	// tokens, then the tokens only a head line or passage yields.
	c := &compactStats{vocab: make(map[string]int32, len(toks))}
	idOf := make([]int32, len(toks)) // number → id
	intern := func(t string) int32 {
		id, ok := c.vocab[t]
		if !ok {
			id = int32(len(c.vocab))
			c.vocab[t] = id
		}
		return id
	}
	known := make([]int32, 0, len(toks))
	for t, d := range df {
		if d > 0 {
			known = append(known, int32(t))
		}
	}
	slices.SortFunc(known, func(a, b int32) int { return strings.Compare(toks[a], toks[b]) })
	for _, t := range known {
		intern(toks[t])
	}
	st.df, st.weight = make(map[string]int, len(known)), make(map[string]float64, len(known))
	for _, t := range known {
		st.df[toks[t]] = int(df[t])
		st.weight[toks[t]] = idf(st.n, int(df[t]))
	}
	for _, g := range syn {
		terms := make([][]int32, len(g))
		var clauses []string
		for i, t := range g {
			for _, tok := range t.tokens {
				terms[i] = append(terms[i], intern(tok))
				if st.df[tok] > 0 {
					clauses = append(clauses, tok)
				}
			}
		}
		c.syn = append(c.syn, terms)
		c.synClauses = append(c.synClauses, clauses)
	}
	var rest []int32
	for t, d := range df {
		if _, ok := c.vocab[toks[t]]; !ok && d == 0 {
			rest = append(rest, int32(t))
		}
	}
	slices.SortFunc(rest, func(a, b int32) int { return strings.Compare(toks[a], toks[b]) })
	for _, t := range rest {
		intern(toks[t])
	}
	for t := range toks {
		idOf[t] = c.vocab[toks[t]]
	}
	c.df, c.idf = make([]int32, len(c.vocab)), make([]float64, len(c.vocab))
	for t, id := range c.vocab {
		c.df[id], c.idf[id] = int32(st.df[t]), st.idf(t)
	}

	// Each article's masks, numbered in article id order.
	byID := make(map[string]int, len(articles))
	for i, a := range articles {
		byID[a.ID] = i
	}
	c.arts = make(map[string]*artData, len(articles))
	var marks []uint64 // id<<32 | part
	for ord, id := range slices.Sorted(maps.Keys(byID)) {
		r := &res[byID[id]]
		a := &artData{units: len(r.units), words: (partUnit + len(r.units) + 63) / 64, ord: int32(ord)}
		marks = marks[:0]
		mark := func(list []int32, part int) {
			for _, t := range list {
				marks = append(marks, uint64(idOf[t])<<32|uint64(part))
			}
		}
		mark(r.all, partAll)
		for u, list := range r.units {
			if u < r.head {
				mark(list, partHead)
			}
			mark(list, partUnit+u)
		}
		slices.Sort(marks)
		for _, m := range marks {
			tid, part := int32(m>>32), int(uint32(m))
			if n := len(a.ids); n == 0 || a.ids[n-1] != tid {
				a.ids = append(a.ids, tid)
				a.masks = append(a.masks, make([]uint64, a.words)...)
			}
			a.masks[(len(a.ids)-1)*a.words+part/64] |= 1 << (part % 64)
		}
		for _, list := range r.units[:r.phrase] {
			var w float64
			for _, t := range list {
				w += c.idf[idOf[t]]
			}
			a.phrasings = append(a.phrasings, w)
		}
		c.arts[id] = a
		*r = result{}
	}
	c.occ = make([][]occurrence, len(c.vocab))
	counts := make([]int32, len(c.vocab))
	for _, a := range c.arts {
		for _, tid := range a.ids {
			counts[tid]++
		}
	}
	for tid, n := range counts {
		c.occ[tid] = make([]occurrence, 0, n)
	}
	for _, a := range slices.SortedFunc(maps.Values(c.arts), func(x, y *artData) int { return cmp.Compare(x.ord, y.ord) }) {
		for row, tid := range a.ids {
			c.occ[tid] = append(c.occ[tid], occurrence{art: a.ord, row: int32(row)})
		}
	}
	st.compact = c
	return st
}
