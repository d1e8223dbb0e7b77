package index

import "sync"

// Closest compares a question with every exemplar of its language (some
// hundreds) for every question asked. Walking the exemplars that share a
// token with the question (an inverted list per token) gives the same
// overlap sums, added in the same order, at a fraction of the cost.

func (ex *Exemplars) invert(langs map[string]*langStats) {
	ex.post = map[string]*exemplarPosts{}
	for lang, exs := range ex.byLang {
		vocab := langs[lang].compact.vocab
		p := &exemplarPosts{byID: make([][]int32, len(vocab)), other: map[string][]int32{}}
		for i, e := range exs {
			for t := range e.ph.tokens {
				if id, ok := vocab[t]; ok {
					p.byID[id] = append(p.byID[id], int32(i))
				} else {
					p.other[t] = append(p.other[t], int32(i))
				}
			}
		}
		ex.post[lang] = p
	}
}

// exemplarPosts are one language's inverted lists: by the index's token id
// (the question's tokens come looked up), and by text for tokens no
// article or synonym uses.
type exemplarPosts struct {
	byID  [][]int32
	other map[string][]int32
}

var interPool = sync.Pool{New: func() any { return new(interScratch) }}

type interScratch struct {
	inter   []float64
	touched []int32
}

// closest is similarity(st, phrasings of the exemplars but question itself,
// tokens) over the inverted lists; qt are tokens looked up (question).
func (ex *Exemplars) closest(tokens []string, qt []qtok, question, lang string) (float64, string) {
	exs, post := ex.byLang[lang], ex.post[lang]
	if post == nil {
		return 0, ""
	}
	sc := interPool.Get().(*interScratch)
	defer interPool.Put(sc)
	if cap(sc.inter) < len(exs) {
		sc.inter = make([]float64, len(exs))
	}
	inter := sc.inter[:len(exs)]
	touched := sc.touched[:0]
	var qw float64
	for _, q := range qt {
		qw += q.idf
	}
	for i, q := range qt {
		var list []int32
		if q.id >= 0 {
			list = post.byID[q.id]
		} else {
			list = post.other[tokens[i]]
		}
		for _, e := range list {
			if inter[e] == 0 {
				touched = append(touched, e)
			}
			inter[e] += q.idf
		}
	}
	best, text := 0.0, ""
	for _, e := range touched {
		x := inter[e]
		inter[e] = 0
		if exs[e].text == question {
			continue
		}
		if union := qw + exs[e].ph.weight - x; union > 0 && x/union > best {
			best, text = x/union, exs[e].text
		}
	}
	sc.touched = touched
	return best, text
}
