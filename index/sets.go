package index

import (
	"slices"
)

// sets are one language's article token sets as maps of strings: the form
// the compact sets (compact.go) replaced, which tests rebuild as their
// oracle (newMapSets). At 5,000 articles they took 800 MiB a language.
type sets struct {
	tokens    map[string]map[string]bool   // article id → tokens
	phrasings map[string][]phrasing        // article id → each title/question
	head      map[string]map[string]bool   // article id → tokens of title, questions, tags
	units     map[string][]map[string]bool // article id → tokens of each phrasing and passage
}

// tokenSet is a set of tokens: a map (oracles) or one part of an article's
// compact sets.
type tokenSet interface{ has(t string) bool }

type mapSet map[string]bool

func (m mapSet) has(t string) bool { return m[t] }

// partSet is one part (partAll, partHead) of an article's compact sets.
type partSet struct {
	c    *compactStats
	a    *artData
	part int
}

func (p partSet) has(t string) bool {
	id, ok := p.c.vocab[t]
	if !ok {
		return false
	}
	i, ok := slices.BinarySearch(p.a.ids, id)
	return ok && bit(p.a.masks[i*p.a.words:], p.a.words, 0, p.part)
}
