package bot

import (
	"sync/atomic"

	"faqbot/index"
	"faqbot/kb"
)

// scopeTerms are a knowledge base's scope lists, folded once: folding them
// for every question cost a tenth of a new question's time.
type scopeTerms struct {
	k       *kb.KB
	in, out index.Terms
}

// scopeCache keeps the scope terms of the knowledge base last asked about;
// a reindex brings a new *kb.KB, and the next question folds its lists.
type scopeCache struct{ cur atomic.Pointer[scopeTerms] }

func (c *scopeCache) get(k *kb.KB) *scopeTerms {
	if s := c.cur.Load(); s != nil && s.k == k {
		return s
	}
	sc := k.Scope()
	s := &scopeTerms{k: k, in: index.NewTerms(sc.In...), out: index.NewTerms(sc.Out...)}
	c.cur.Store(s)
	return s
}
