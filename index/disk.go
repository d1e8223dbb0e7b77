package index

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"faqbot/kb"
)

// On disk, the index lives under <data>/index/: one directory per build
// ("gen-<unix nanos>") and a CURRENT file naming the live one with the hash of
// the content it was built from. CURRENT is replaced by rename only after the
// new build is complete and closed, so a crash at any point leaves either the
// previous or the new index, never a broken one; unfinished builds are
// removed at the next start.
const (
	indexDir    = "index"
	currentFile = "CURRENT"
	bleveDir    = "bleve"
	snapshotDir = "content"
)

type current struct {
	Gen  string    `json:"gen"`
	Hash string    `json:"content_hash"`
	Time time.Time `json:"built"`
}

// OpenOrBuild opens the index under dataDir when it was built from the same
// content as k, and otherwise builds a new one. It reports whether it built.
func OpenOrBuild(ctx context.Context, k *kb.KB, dataDir string) (*Index, bool, error) {
	root := filepath.Join(dataDir, indexDir)
	if cur, err := readCurrent(root); err == nil && cur.Hash == k.Hash() {
		ix, err := openGen(k, filepath.Join(root, cur.Gen))
		if err == nil {
			removeStale(root, cur.Gen)
			return ix, false, nil
		}
		if errors.Is(err, ErrLocked) {
			return nil, false, err // another process serves it: building beside it would pull it away
		}
	}
	ix, err := BuildOnDisk(ctx, k, dataDir)
	return ix, err == nil, err
}

// BuildOnDisk builds a new generation beside the live one and makes it
// current. The previous generation's files are removed; an *Index still open
// on them keeps working until closed (the files are unlinked, not truncated).
func BuildOnDisk(ctx context.Context, k *kb.KB, dataDir string) (*Index, error) {
	root := filepath.Join(dataDir, indexDir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("index dir: %w", err)
	}
	gen := fmt.Sprintf("gen-%d", time.Now().UnixNano())
	dir := filepath.Join(root, gen)
	// The content snapshot is written while Bleve builds (at 5,000 articles
	// ten thousand small files: seconds of system calls).
	snap := make(chan error, 1)
	go func() { snap <- k.WriteSnapshot(filepath.Join(dir, snapshotDir)) }()
	bis, err := buildBleve(ctx, k, filepath.Join(dir, bleveDir))
	if serr := <-snap; err == nil && serr != nil {
		closeAll(bis)
		err = serr
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Close and reopen so every segment is flushed before CURRENT names it,
	// and the search data is derived from the index as it will be opened.
	if err := closeAll(bis); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("flush index: %w", err)
	}
	ix, err := Open(k, filepath.Join(dir, bleveDir))
	if err == nil {
		err = writeSearch(filepath.Join(dir, searchFile), ix, k.Hash())
		if err != nil {
			ix.Close()
		}
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := writeCurrent(root, current{Gen: gen, Hash: k.Hash(), Time: time.Now().UTC()}); err != nil {
		ix.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	removeStale(root, gen)
	return ix, nil
}

// openGen opens the generation at dir: its Bleve indexes, and the search
// data stored beside them (store.go) when it is there and belongs to them;
// otherwise the data is derived again and stored for the next open.
func openGen(k *kb.KB, dir string) (*Index, error) {
	bis, err := openBleve(filepath.Join(dir, bleveDir))
	if err != nil {
		return nil, err
	}
	ix, err := newIndex(bis, k)
	if err != nil {
		ix.Close()
		return nil, err
	}
	path := filepath.Join(dir, searchFile)
	if err := loadSearch(path, ix, k.Hash()); err == nil && ix.sameCounts() {
		return ix, nil
	}
	if err := ix.derive(); err != nil {
		ix.Close()
		return nil, err
	}
	_ = writeSearch(path, ix, k.Hash()) // best effort: a read-only directory still serves
	return ix, nil
}

// sameCounts reports whether the loaded postings count the documents
// Bleve counts.
func (ix *Index) sameCounts() bool {
	for lang, bi := range ix.bi {
		n, err := bi.DocCount()
		if p := ix.postings[lang]; err != nil || p == nil || p.docCount != n {
			return false
		}
	}
	return true
}

// ErrNoIndex is returned by OpenCurrent when no index was built under the
// data directory yet.
var ErrNoIndex = errors.New("no index built yet")

// OpenCurrent opens the index now current under dataDir with the content
// snapshot it was built from (what an offline reindex compares against).
func OpenCurrent(dataDir string) (*Index, error) {
	root := filepath.Join(dataDir, indexDir)
	cur, err := readCurrent(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoIndex
	}
	if err != nil {
		return nil, err
	}
	k, err := kb.Load(os.DirFS(filepath.Join(root, cur.Gen, snapshotDir)))
	if err != nil {
		return nil, fmt.Errorf("content snapshot of %s: %w", cur.Gen, err)
	}
	return openGen(k, filepath.Join(root, cur.Gen))
}

func readCurrent(root string) (current, error) {
	var c current
	data, err := os.ReadFile(filepath.Join(root, currentFile))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("%s: %w", currentFile, err)
	}
	if c.Gen == "" || strings.ContainsAny(c.Gen, `/\`) || c.Gen == ".." {
		return c, errors.New("CURRENT names no generation")
	}
	return c, nil
}

func writeCurrent(root string, c current) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tmp := filepath.Join(root, currentFile+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write CURRENT: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write CURRENT: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync CURRENT: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write CURRENT: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(root, currentFile)); err != nil {
		return fmt.Errorf("switch CURRENT: %w", err)
	}
	if d, err := os.Open(root); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// removeStale deletes every generation but keep (old builds, crashed builds).
func removeStale(root, keep string) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "gen-") && e.Name() != keep {
			os.RemoveAll(filepath.Join(root, e.Name()))
		}
	}
}
