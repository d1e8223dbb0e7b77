package index

import (
	"math/bits"
	"slices"
	"sync"
	"unicode/utf8"
)

// The signals of a hit (coverage, head, unit, similarity, containment,
// distinct) compare a question's few tokens with an article's token sets:
// the whole article, its head (title, questions, tags) and each unit (each
// phrasing and passage). Built as maps of strings, that is a string hash per
// token, per set, per hit, per question; as sorted id sets, a binary search
// per token, per set.
//
// compactStats holds, per article, the sorted union of its tokens and for
// each one a bitmask of the parts that hold it, made once at build time,
// and per token the articles that hold it. A question finds its tokens'
// masks in its hits by walking those lists once, and every part's coverage
// is then a pass over the question's masks. The signals are the same numbers,
// summed in the same order (TestCompactSignals checks them, bit for bit,
// against the map forms in oracle_test.go).

// compactStats is one language's article data as vocabulary ids.
type compactStats struct {
	vocab map[string]int32 // token → id: the articles' tokens, then the synonyms'
	arts  map[string]*artData
	// occ[id] are the articles that hold token id, with its row in each
	// (artData.ids): a question finds its tokens' masks in its hits from
	// these few lists, not by a search per token per hit (signals.locate).
	occ [][]occurrence
	// syn[group][term] are the ids of a synonym term's tokens (as ix.syn).
	syn [][][]int32
	// df and idf are langStats.df and langStats.idf by token id: a question
	// looks each token up once, in vocab.
	df  []int32
	idf []float64
	// synClauses[group] are the tokens of the group's terms that some
	// article holds, in term and token order: the query clauses a synonym
	// of the group adds (Index.clauses).
	synClauses [][]string
}

// The parts of an article, as bit numbers in its masks.
const (
	partAll  = 0 // the whole article (langStats.tokens)
	partHead = 1 // title, questions, tags (langStats.head)
	partUnit = 2 // + u: unit u (langStats.units); phrasing i is unit i
)

// artData is one article's token sets.
type artData struct {
	ids []int32 // sorted union of the tokens of every part
	// words is the mask width in uint64s; masks[i*words:(i+1)*words] are
	// the parts that hold ids[i].
	words     int
	masks     []uint64
	units     int
	phrasings []float64 // phrasing.weight of each title and question (units 0..)
	ord       int32     // the article's number in its language (-1: noSets)
}

// noSets stands for an article the index has no sets for.
var noSets = &artData{words: 1, ord: -1}

// occurrence is a token's row in one article's masks.
type occurrence struct {
	art, row int32 // art: artData.ord
}

// qtok is one question token, looked up once per search.
type qtok struct {
	id  int32 // -1: neither an article nor a synonym uses it
	df  int
	idf float64
	cw  float64 // weight in coverage: idf, × UnigramWeight for a single CJK character
	uni bool
}

// question looks the tokens up once.
func (st *langStats) question(tokens []string, unigramWeight float64, into []qtok) []qtok {
	into = into[:0]
	c := st.compact
	for _, t := range tokens {
		q := qtok{id: -1, idf: st.unknown, uni: isUnigram(t)} // as st.df and st.idf of a token no article holds
		if id, ok := c.vocab[t]; ok {
			q.id, q.df, q.idf = id, int(c.df[id]), c.idf[id]
		}
		q.cw = q.idf
		if q.uni {
			q.cw *= unigramWeight
		}
		into = append(into, q)
	}
	return into
}

// signals computes the signals of each hit of one question; its scratch
// slices are reused from hit to hit.
type signals struct {
	c    *compactStats
	qt   []qtok
	syns []synMatch
	// synQ[i] are the indexes into qt of the tokens that synonym match
	// syns[i]'s term consists of: they count wherever an alternative of the
	// term's group is held in full.
	synQ  [][]int
	qw    float64 // sum of the tokens' IDF (similarity)
	total float64 // sum of the tokens' coverage weights

	// cols are the token ids whose masks the signals read: the question's
	// tokens (column j is qt[j]), then the tokens of the alternatives of
	// its synonym terms, altCols in the order of signals.of's loop.
	cols    []int32
	altCols []int
	// rows[k*len(cols)+c] is 1 + the row of cols[c] in hit k's masks, 0
	// when the hit lacks it (locate); slot[ord] is 1 + k.
	rows []int32
	slot []int32

	has, covers []uint64 // per question token, the parts that hold it (covers: or a synonym of it)
	alt         []uint64
	// unitGot and unitInter are per unit and per phrasing sums (perUnit).
	unitGot, unitInter []float64
}

// signalsPool keeps signals' scratch slices from search to search.
var signalsPool = sync.Pool{New: func() any { return new(signals) }}

// hitSignals are one hit's signals (the fields of Hit of those names).
type hitSignals struct {
	coverage, head, unit, similarity, containment, distinct float64
}

func (s *signals) reset(c *compactStats, qt []qtok, syns []synMatch) {
	s.c, s.qt, s.syns = c, qt, syns
	s.qw, s.total = 0, 0
	for _, q := range qt {
		s.qw += q.idf
		s.total += q.cw
	}
	s.synQ = s.synQ[:0]
	for _, m := range syns {
		var idx []int
		for j, q := range qt {
			if q.id >= 0 && slices.Contains(c.syn[m.group][m.term], q.id) {
				idx = append(idx, j)
			}
		}
		s.synQ = append(s.synQ, idx)
	}
	s.cols, s.altCols = s.cols[:0], s.altCols[:0]
	for _, q := range qt {
		s.cols = append(s.cols, q.id)
	}
	for i, m := range syns {
		if len(s.synQ[i]) == 0 {
			continue
		}
		for _, alt := range c.syn[m.group] {
			for _, id := range alt {
				col := slices.Index(s.cols, id)
				if col < 0 {
					col = len(s.cols)
					s.cols = append(s.cols, id)
				}
				s.altCols = append(s.altCols, col)
			}
		}
	}
}

// locate finds the rows of the columns' tokens in the hits' masks, from the
// tokens' occurrence lists.
func (s *signals) locate(hits []*artData) {
	n := len(s.cols)
	s.rows = slices.Grow(s.rows[:0], len(hits)*n)[:len(hits)*n]
	clear(s.rows)
	s.slot = slices.Grow(s.slot[:0], len(s.c.arts))[:len(s.c.arts)]
	clear(s.slot)
	for k, a := range hits {
		if a.ord >= 0 {
			s.slot[a.ord] = int32(k + 1)
		}
	}
	for col, id := range s.cols {
		if id < 0 {
			continue
		}
		for _, o := range s.c.occ[id] {
			if k := s.slot[o.art]; k > 0 {
				s.rows[int(k-1)*n+col] = o.row + 1
			}
		}
	}
}

// mask returns the parts of hit number hit (article a) that hold column
// col's token (nil: none).
func (s *signals) mask(a *artData, hit, col int) []uint64 {
	r := int(s.rows[hit*len(s.cols)+col])
	if r == 0 {
		return nil
	}
	return a.masks[(r-1)*a.words : r*a.words]
}

// of computes the signals of hit number hit, article a (as given to locate).
func (s *signals) of(n int, a *artData, hit int) hitSignals {
	w := a.words
	s.has = grow(s.has, len(s.qt)*w)
	s.covers = grow(s.covers, len(s.qt)*w)
	for j := range s.qt {
		if m := s.mask(a, hit, j); m != nil {
			has := s.has[j*w : j*w+w]
			for k := range has { // a word or two: a loop beats copy's call
				has[k] = m[k]
			}
		}
	}
	copy(s.covers, s.has)
	// A token also counts in a part where an alternative of its synonym
	// term's group is held in full.
	next := 0 // into altCols
	for i, m := range s.syns {
		if len(s.synQ[i]) == 0 {
			continue
		}
		s.alt = grow(s.alt, 2*w)
		either, all := s.alt[:w], s.alt[w:]
		for _, alt := range s.c.syn[m.group] {
			cols := s.altCols[next : next+len(alt)]
			next += len(alt)
			if len(alt) == 0 {
				continue
			}
			for k := range all {
				all[k] = ^uint64(0)
			}
			for _, col := range cols {
				pm := s.mask(a, hit, col)
				if pm == nil {
					clear(all)
					break
				}
				for k := range all {
					all[k] &= pm[k]
				}
			}
			for k := range either {
				either[k] |= all[k]
			}
		}
		for _, j := range s.synQ[i] {
			for k := range either {
				s.covers[j*w+k] |= either[k]
			}
		}
	}
	out := hitSignals{
		coverage: s.coverage(w, partAll),
		head:     s.coverage(w, partHead),
		distinct: s.distinct(n, w),
	}
	s.perUnit(w, a)
	if s.total != 0 && len(s.unitGot) > 0 {
		out.unit = max(0, slices.Max(s.unitGot)) / s.total // division is monotonic: the max of the shares
	}
	for i, weight := range a.phrasings {
		inter := s.unitInter[i]
		if union := s.qw + weight - inter; union > 0 {
			out.similarity = max(out.similarity, inter/union)
		}
		if weight > 0 {
			out.containment = max(out.containment, inter/weight)
		}
	}
	return out
}

// grow returns buf resized to n, zeroed.
func grow[T any](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	buf = buf[:n]
	clear(buf)
	return buf
}

func bit(masks []uint64, w, j, part int) bool {
	return masks[j*w+part/64]&(1<<(part%64)) != 0
}

// coverage is the IDF-weighted share of the question's tokens in part,
// synonyms included.
func (s *signals) coverage(w, part int) float64 {
	if s.total == 0 {
		return 0
	}
	var got float64
	for j, q := range s.qt {
		if bit(s.covers, w, j, part) {
			got += q.cw
		}
	}
	return got / s.total
}

// distinct is the IDF-weighted share of the question's distinctive tokens
// (few articles use them) the article holds; 1 when it has none.
func (s *signals) distinct(n, w int) float64 {
	var got, total float64
	for j, q := range s.qt {
		if q.df == 0 || float64(q.df) > distinctShare*float64(n) || q.uni {
			continue
		}
		total += q.idf
		if bit(s.has, w, j, partAll) {
			got += q.idf
		}
	}
	if total == 0 {
		return 1
	}
	return got / total
}

// perUnit sets, for each unit of a, the coverage weight of the question
// tokens it covers (unitGot) and, for each phrasing, the IDF weight of those
// it holds (unitInter): the sums coverage and inter make, in the same
// order (token by token), from one pass over the set bits.
func (s *signals) perUnit(w int, a *artData) {
	s.unitGot = grow(s.unitGot, a.units)
	s.unitInter = grow(s.unitInter, len(a.phrasings))
	const notUnits = 1<<partAll | 1<<partHead
	for j, q := range s.qt {
		for k := range w {
			covers, has := s.covers[j*w+k], s.has[j*w+k]
			if k == 0 {
				covers, has = covers&^notUnits, has&^notUnits
			}
			for ; covers != 0; covers &= covers - 1 {
				s.unitGot[k*64+bits.TrailingZeros64(covers)-partUnit] += q.cw
			}
			for ; has != 0; has &= has - 1 {
				if u := k*64 + bits.TrailingZeros64(has) - partUnit; u < len(s.unitInter) {
					s.unitInter[u] += q.idf
				}
			}
		}
	}
}

// isUnigram reports whether t is a single CJK character.
func isUnigram(t string) bool {
	r, size := utf8.DecodeRuneInString(t)
	return len(t) > 0 && size == len(t) && r > 0x2E7F
}
