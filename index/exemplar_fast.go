package index

import "sync"

// Closest compares a question with every exemplar of its language (some
// hundreds) for every question asked. Walking the exemplars that share a
// token with the question (an inverted list per token) gives the same
// overlap sums, added in the same order, at a fraction of the cost.

func (ex *Exemplars) invert() {
	ex.post = map[string]map[string][]int32{}
	for lang, exs := range ex.byLang {
		post := map[string][]int32{}
		for i, e := range exs {
			for t := range e.ph.tokens {
				post[t] = append(post[t], int32(i))
			}
		}
		ex.post[lang] = post
	}
}

var interPool = sync.Pool{New: func() any { return new(interScratch) }}

type interScratch struct {
	inter   []float64
	touched []int32
}

// closest is similarity(st, phrasings of the exemplars but question itself,
// tokens) over the inverted lists.
func (ex *Exemplars) closest(st *langStats, tokens []string, question, lang string) float64 {
	exs, post := ex.byLang[lang], ex.post[lang]
	sc := interPool.Get().(*interScratch)
	defer interPool.Put(sc)
	if cap(sc.inter) < len(exs) {
		sc.inter = make([]float64, len(exs))
	}
	inter := sc.inter[:len(exs)]
	touched := sc.touched[:0]
	var qw float64
	for _, t := range tokens {
		qw += st.idf(t)
	}
	for _, t := range tokens {
		w := st.idf(t)
		for _, e := range post[t] {
			if inter[e] == 0 {
				touched = append(touched, e)
			}
			inter[e] += w
		}
	}
	best := 0.0
	for _, e := range touched {
		x := inter[e]
		inter[e] = 0
		if exs[e].text == question {
			continue
		}
		if union := qw + exs[e].ph.weight - x; union > 0 {
			best = max(best, x/union)
		}
	}
	sc.touched = touched
	return best
}
