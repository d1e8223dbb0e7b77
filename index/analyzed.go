package index

import (
	"hash/maphash"
	"sync/atomic"

	"faqbot/index/zh"
)

// analyzed is a question folded, corrected and analyzed. One Ask runs
// Search (once or twice), Closest (twice) and Missing on the same text:
// the analysis is done once and shared. Its slices are read-only.
type analyzed struct {
	text   string
	tokens []string   // of the folded, typo-corrected text: distinct, in order of appearance
	syns   []synMatch // the synonym terms it names
}

// recentSlots is how many analyzed questions an Index keeps (by hash; a
// collision only costs an analysis).
const recentSlots = 64

var recentSeed = maphash.MakeSeed()

// analyzed returns question analyzed, from the recent slots when the same
// text was analyzed last in its slot.
func (ix *Index) analyzed(question string) *analyzed {
	slot := &ix.recent[maphash.String(recentSeed, question)%recentSlots]
	if a := slot.Load(); a != nil && a.text == question {
		return a
	}
	folded := ix.correct(zh.Fold(question))
	a := &analyzed{text: question, tokens: analyze(ix.an, folded), syns: ix.expand(folded)}
	slot.Store(a)
	return a
}

// recent holds the last analyzed questions, by hash.
type recent [recentSlots]atomic.Pointer[analyzed]
