package index

import (
	"strings"
	"unicode/utf8"
)

// English spelling slips ("insurence", "shoud") are corrected before a
// question is analyzed: a Latin word the knowledge base never uses becomes
// the most frequent known word one edit away (two for words of 9+ letters). Chinese
// slips (新农和) are curated in synonyms.txt instead: they are homophones,
// not edits.

// minTypoLen is the shortest word corrected: shorter words have too many
// neighbours to guess from.
const minTypoLen = 4

// latinWords counts the Latin words of folded text.
func latinWords(folded string, into map[string]int) {
	for _, w := range strings.Fields(strings.Trim(wordsOf(folded), " ")) {
		if w[0] < 0x80 && isLatinWord(w) {
			into[w]++
		}
	}
}

func isLatinWord(w string) bool {
	for i := 0; i < len(w); i++ {
		if c := w[i]; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// correct rewrites the unknown Latin words of a folded question.
func (ix *Index) correct(folded string) string {
	if len(ix.vocab) == 0 || !strings.ContainsFunc(folded, func(r rune) bool { return r >= 'a' && r <= 'z' }) {
		return folded
	}
	words := strings.FieldsFunc(folded, func(r rune) bool { return !(r >= 'a' && r <= 'z') })
	for _, w := range words {
		if len(w) < minTypoLen || ix.vocab[w] > 0 {
			continue
		}
		if fix := ix.nearest(w); fix != "" {
			folded = replaceWord(folded, w, fix)
		}
	}
	return folded
}

// nearest is the most frequent vocabulary word within the allowed edits of w.
func (ix *Index) nearest(w string) string {
	maxEdits := 1
	if len(w) >= 9 {
		maxEdits = 2
	}
	best, bestN, bestD := "", 0, maxEdits+1
	for v, n := range ix.vocab {
		// People seldom miss the first letter; "table" is not "stable".
		if len(v) < minTypoLen || v[0] != w[0] || abs(len(v)-len(w)) > maxEdits {
			continue
		}
		d := editDistance(w, v, maxEdits)
		if d < bestD || d == bestD && (n > bestN || n == bestN && v < best) {
			best, bestN, bestD = v, n, d
		}
	}
	if bestD > maxEdits {
		return ""
	}
	return best
}

// replaceWord replaces whole-word occurrences of w in s.
func replaceWord(s, w, by string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(w)
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[end:])
		b.WriteString(s[:i])
		if (i == 0 || !(before >= 'a' && before <= 'z')) && (end == len(s) || !(after >= 'a' && after <= 'z')) {
			b.WriteString(by)
		} else {
			b.WriteString(w)
		}
		s = s[end:]
	}
}

// editDistance is the optimal-string-alignment distance of a and b (ASCII),
// or limit+1 when it exceeds limit.
func editDistance(a, b string, limit int) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[len(b)] > limit {
		return limit + 1
	}
	return prev[len(b)]
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
