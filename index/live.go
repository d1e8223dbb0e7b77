package index

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"faqbot/kb"
)

// ErrClosed is returned by a search on an index that has been closed.
var ErrClosed = errors.New("index closed")

// Live is the index the bot is answering from. Swap replaces it atomically:
// searches in flight finish on the old index, new ones start on the new one,
// and none fails during the switch.
type Live struct {
	cur atomic.Pointer[guarded]
}

// guarded closes an index only after the searches holding it are done.
type guarded struct {
	ix     *Index
	mu     sync.RWMutex
	closed bool
}

// NewLive starts serving ix.
func NewLive(ix *Index) *Live {
	l := &Live{}
	l.cur.Store(&guarded{ix: ix})
	return l
}

// Search searches the current index.
func (l *Live) Search(ctx context.Context, question, lang string, n int) ([]Hit, error) {
	for {
		g := l.cur.Load()
		g.mu.RLock()
		if g.closed {
			g.mu.RUnlock()
			if l.cur.Load() == g {
				return nil, ErrClosed // Live itself was closed
			}
			continue // swapped and closed between Load and RLock: use the new one
		}
		hits, err := g.ix.Search(ctx, question, lang, n)
		g.mu.RUnlock()
		return hits, err
	}
}

// KB returns the knowledge base of the current index.
func (l *Live) KB() *kb.KB { return l.cur.Load().ix.KB() }

// Current returns the index now serving.
func (l *Live) Current() *Index { return l.cur.Load().ix }

// Swap makes ix the live index, then closes the previous one once the
// searches running on it have finished.
func (l *Live) Swap(ix *Index) error {
	old := l.cur.Swap(&guarded{ix: ix})
	old.mu.Lock()
	defer old.mu.Unlock()
	old.closed = true
	return old.ix.Close()
}

// Close closes the current index.
func (l *Live) Close() error {
	g := l.cur.Load()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	return g.ix.Close()
}
