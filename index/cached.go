package index

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"faqbot/kb"
)

// cacheKeep is how many knowledge bases' search data a cache directory
// keeps (the most recently written).
const cacheKeep = 4

// Cached is Build in memory for the one-shot commands (ask, chat, eval),
// with the search data kept in dir under the content hash. When dir holds
// the data of k, the index is loaded from it alone, without Bleve: a search
// reads nothing else (doc.go). Otherwise the index is built, and its data
// written to dir for the next time (best effort). With dir == "" it is
// Build.
func Cached(ctx context.Context, k *kb.KB, dir string) (*Index, error) {
	if dir == "" || len(k.Hash()) < 16 {
		return Build(ctx, k, "")
	}
	path := filepath.Join(dir, "search-"+k.Hash()[:16]+".bin")
	if ix, err := newIndex(nil, k); err == nil && loadSearch(path, ix, k.Hash()) == nil {
		return ix, nil
	}
	ix, err := Build(ctx, k, "")
	if err != nil {
		return nil, err
	}
	if os.MkdirAll(dir, 0o755) == nil && writeSearch(path, ix, k.Hash()) == nil {
		pruneCache(dir)
	}
	return ix, nil
}

// pruneCache removes all but the cacheKeep newest search data files of dir.
func pruneCache(dir string) {
	entries, _ := os.ReadDir(dir)
	type file struct {
		name string
		mod  int64
	}
	var files []file
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "search-") || !strings.HasSuffix(e.Name(), ".bin") {
			continue
		}
		if fi, err := e.Info(); err == nil {
			files = append(files, file{e.Name(), fi.ModTime().UnixNano()})
		}
	}
	slices.SortFunc(files, func(a, b file) int { return cmp.Compare(b.mod, a.mod) })
	for _, f := range files[min(cacheKeep, len(files)):] {
		os.Remove(filepath.Join(dir, f.name))
	}
}
