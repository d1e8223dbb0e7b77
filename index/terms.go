package index

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"faqbot/index/zh"
)

// Terms are matched in folded text (Traditional→Simplified, full-width,
// case): a Latin term as whole words ("id card" is not in "valid card"), a
// Chinese one anywhere. Synonym expansion, the scope lists, places and
// cue words all use this one rule.

func wordsOf(folded string) string {
	return " " + strings.Join(strings.FieldsFunc(folded, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 0x2E7F)
	}), " ") + " "
}

// hasTerm reports whether folded text (and its words) holds a folded term
// (padded is " term ").
func hasTerm(folded, words, term, padded string) bool {
	switch {
	case term == "":
		return false
	case term[0] < 0x80:
		return strings.Contains(words, padded)
	default:
		return strings.Contains(folded, term)
	}
}

// FindTerm returns the first of terms that text contains, comparing folded
// forms with the same whole-word rule as synonym expansion; "" if none.
func FindTerm(text string, terms []string) string {
	return NewText(text).Find(NewTerms(terms...))
}

// Terms are terms folded once, to be looked for in many texts.
type Terms struct{ spelled, folded, padded []string }

// NewTerms folds terms.
func NewTerms(terms ...string) Terms {
	t := Terms{spelled: terms, folded: make([]string, len(terms)), padded: make([]string, len(terms))}
	for i, s := range terms {
		t.folded[i] = zh.Fold(s)
		t.padded[i] = " " + t.folded[i] + " "
	}
	return t
}

// Text is a text folded once, to look for many terms in (FindTerm folds
// both every time).
type Text struct{ folded, words string }

// NewText folds text.
func NewText(text string) Text {
	f := zh.Fold(text)
	return Text{f, wordsOf(f)}
}

// has reports whether the text holds term i of terms.
func (t Text) has(terms Terms, i int) bool {
	return hasTerm(t.folded, t.words, terms.folded[i], terms.padded[i])
}

// Find returns the first of terms the text holds, as terms spell it; ""
// if none.
func (t Text) Find(terms Terms) string {
	for i := range terms.folded {
		if t.has(terms, i) {
			return terms.spelled[i]
		}
	}
	return ""
}

// TermGroups are groups of terms (a place's names, a synonym group) folded
// once and indexed by how they start: a Latin term by its first word, a
// Chinese one by its first two runes (its rune when it has one). A text
// tries only the terms its words and runes may start, not every term.
type TermGroups struct {
	groups []Terms
	word   map[string][]termRef
	pair   map[[2]rune][]termRef
	rune   map[rune][]termRef
}

// termRef is term of group.
type termRef struct{ group, term int }

// NewTermGroups folds the groups' terms.
func NewTermGroups(groups ...[]string) TermGroups {
	g := TermGroups{groups: make([]Terms, len(groups)), word: map[string][]termRef{}, pair: map[[2]rune][]termRef{}, rune: map[rune][]termRef{}}
	for i, terms := range groups {
		g.groups[i] = NewTerms(terms...)
		for j, f := range g.groups[i].folded {
			r := termRef{i, j}
			switch rs := []rune(f); {
			case len(rs) == 0:
			case f[0] < utf8.RuneSelf:
				w, _, _ := strings.Cut(f, " ")
				g.word[w] = append(g.word[w], r)
			case len(rs) == 1:
				g.rune[rs[0]] = append(g.rune[rs[0]], r)
			default:
				k := [2]rune{rs[0], rs[1]}
				g.pair[k] = append(g.pair[k], r)
			}
		}
	}
	return g
}

// each calls fn with every term the text holds, in group then term order,
// until fn returns false.
func (g TermGroups) each(t Text, fn func(termRef) bool) {
	var cands []termRef
	for w := range strings.FieldsSeq(t.words) {
		cands = append(cands, g.word[w]...)
	}
	var prev rune
	for i, r := range t.folded {
		if r >= utf8.RuneSelf {
			cands = append(cands, g.rune[r]...)
		}
		if i > 0 && prev >= utf8.RuneSelf {
			cands = append(cands, g.pair[[2]rune{prev, r}]...)
		}
		prev = r
	}
	slices.SortFunc(cands, func(a, b termRef) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.term, b.term))
	})
	for _, r := range slices.Compact(cands) {
		if t.has(g.groups[r.group], r.term) && !fn(r) {
			return
		}
	}
}

// Each calls fn, in group order, with each group the text holds a term of
// and the first such term as the group spells it, until fn returns false.
func (g TermGroups) Each(t Text, fn func(group int, term string) bool) {
	last := -1
	g.each(t, func(r termRef) bool {
		if r.group == last {
			return true // a later term of a group already reported
		}
		last = r.group
		return fn(r.group, g.groups[r.group].spelled[r.term])
	})
}
