package bot

import (
	"bytes"
	"container/list"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"faqbot/index"
)

// The answer cache keeps the outcome of the search and the decision for
// popular questions. Everything else of Ask still runs for every question:
// cleaning, the reply text of greetings and empty messages, Traditional
// conversion, the metrics, the log line and the query log (record), and the
// conversation context is still read and written.
//
// An entry is keyed by what the outcome depends on: the cleaned question,
// the reply language, the alternatives asked for, whether the question is
// read in a conversation and, when it is, the remembered context (the
// previous article, its language and place, the subject text: the stored
// bytes themselves). It belongs to one index: the cache empties itself when
// the Searcher serves another index (a reindex swaps index.Live), and
// Searchers that are not an index (fakes) are never cached.

// DefaultCacheSize is the answer cache size `faqbot serve` uses.
const DefaultCacheSize = 4096

type cacheEntry struct {
	key string
	a   Answer
	d   Decision
	// save is the conversation context the question leaves behind (the
	// Memory value followUp stored), replayed on a hit; nil: none.
	save []byte
}

// answerCache is a bounded LRU of answers for one index generation.
type answerCache struct {
	size int
	mu   sync.Mutex
	gen  *index.Index
	m    map[string]*list.Element
	lru  list.List // front: most recent
}

func newAnswerCache(size int) *answerCache {
	if size <= 0 {
		return nil
	}
	return &answerCache{size: size, m: map[string]*list.Element{}}
}

// resetLocked empties the cache for index generation gen.
func (c *answerCache) resetLocked(gen *index.Index) {
	c.gen = gen
	clear(c.m)
	c.lru.Init()
}

func (c *answerCache) get(gen *index.Index, key string) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		c.resetLocked(gen)
		return cacheEntry{}, false
	}
	el, ok := c.m[key]
	if !ok {
		return cacheEntry{}, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(cacheEntry), true
}

func (c *answerCache) put(gen *index.Index, e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return // the index changed while the question was answered
	}
	if el, ok := c.m[e.key]; ok {
		el.Value = e
		c.lru.MoveToFront(el)
		return
	}
	c.m[e.key] = c.lru.PushFront(e)
	for c.lru.Len() > c.size {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.m, old.Value.(cacheEntry).key)
	}
}

// Len is the number of cached answers.
func (c *answerCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// cacheLookup is one question's visit to the cache.
type cacheLookup struct {
	gen     *index.Index
	key     string
	convo   string // the conversation's Memory key, "" when it has none
	before  []byte // the conversation context before the question
	hasPrev bool
}

// cached looks a question up. On a hit it fills a and d, replays the
// context the question leaves behind, and returns true; on a miss it
// returns the lookup to store the answer with (storeCached).
func (e *Engine) cached(ix *index.Index, q Question, text, lang string, alts int, a *Answer, d *Decision) (*cacheLookup, bool) {
	if e.cache == nil {
		return nil, false
	}
	l := &cacheLookup{gen: ix, convo: e.convoKey(q)}
	var k strings.Builder
	k.WriteString(lang)
	k.WriteByte(0)
	k.WriteString(strconv.Itoa(alts))
	k.WriteByte(0)
	k.WriteString(text)
	if l.convo != "" {
		b, ok, err := e.mem.GetTemp(memoryKind, l.convo)
		if err != nil {
			return nil, false // followUp logs it
		}
		l.before, l.hasPrev = b, ok
		k.WriteString("\x00convo\x00")
		if ok {
			k.Write(b)
		}
	}
	l.key = k.String()
	ent, ok := e.cache.get(ix, l.key)
	e.metrics.CacheLookup(ok)
	if !ok {
		return l, false
	}
	*a = ent.a
	a.Alternatives = slices.Clone(ent.a.Alternatives)
	*d = ent.d
	d.Features = slices.Clone(ent.d.Features)
	if ent.save != nil && l.convo != "" {
		if err := e.mem.PutTemp(memoryKind, l.convo, ent.save, e.contextTTL()); err != nil {
			e.log.Warn("conversation context", "err", err)
		}
	}
	return l, true
}

// storeCached keeps the answer of a miss, with the conversation context it
// left behind. When that cannot be told for sure (the context vanished, or
// another question of the same user wrote it meanwhile) nothing is kept.
func (e *Engine) storeCached(ix *index.Index, l *cacheLookup, a Answer, d Decision) {
	if l == nil || ix != l.gen || e.src.Current() != ix {
		return
	}
	ent := cacheEntry{key: l.key, a: a, d: d}
	ent.a.Alternatives = slices.Clone(a.Alternatives)
	ent.d.Features = slices.Clone(d.Features)
	if l.convo != "" {
		after, ok, err := e.mem.GetTemp(memoryKind, l.convo)
		switch {
		case err != nil, !ok && l.hasPrev:
			return
		case a.Answered || ok && !bytes.Equal(after, l.before):
			var c convo
			if !ok || json.Unmarshal(after, &c) != nil || a.Answered && c.ID != a.ID {
				return
			}
			ent.save = after
		}
	}
	e.cache.put(l.gen, ent)
}
