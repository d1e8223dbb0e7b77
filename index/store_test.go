package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"faqbot/content"
	"faqbot/kb"
)

// TestSearchFile: a generation stores its search data, an open loads it
// (not derived again) and answers every tune question exactly as the data
// derived from Bleve does; a damaged, truncated or foreign file is derived
// again and rewritten.
func TestSearchFile(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	built, err := BuildOnDisk(context.Background(), k, dir)
	if err != nil {
		t.Fatal(err)
	}
	built.Close()
	cur, err := readCurrent(filepath.Join(dir, indexDir))
	if err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(dir, indexDir, cur.Gen)
	path := filepath.Join(gen, searchFile)

	loaded, err := newIndex(nil, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := loadSearch(path, loaded, k.Hash()); err != nil {
		t.Fatalf("load: %v", err)
	}
	derived, err := Open(k, filepath.Join(gen, bleveDir))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range sampled(tuneQuestions(t)) {
		for _, lang := range kb.Languages {
			want, err1 := derived.Search(ctx, q, lang, 5)
			got, err2 := loaded.Search(ctx, q, lang, 5)
			if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s %q: loaded %+v %v, derived %+v %v", lang, q, got, err2, want, err1)
			}
			if m1, m2 := derived.Missing(q, lang, "lost-card"), loaded.Missing(q, lang, "lost-card"); m1 != m2 {
				t.Fatalf("%s %q: Missing loaded %+v, derived %+v", lang, q, m2, m1)
			}
		}
	}
	if n, _ := loaded.DocCount(); n == 0 {
		t.Error("loaded index counts no documents")
	}
	derived.Close() // Bleve locks its files: one open at a time

	// The snapshot a generation keeps has the content's hash: OpenCurrent
	// loads the same file.
	if snap, err := kb.Load(os.DirFS(filepath.Join(gen, snapshotDir))); err != nil || snap.Hash() != k.Hash() {
		t.Fatalf("snapshot hash differs: %v", err)
	}

	// A file whose checksum holds but whose numbers point out of range
	// (a writer's bug) is stale too, not a panic at the first search.
	for _, tp := range loaded.postings["zh"].terms {
		tp.doc[len(tp.doc)-1] = uint32(len(loaded.postings["zh"].ids) + 5)
		break
	}
	bad := filepath.Join(t.TempDir(), searchFile)
	if err := writeSearch(bad, loaded, k.Hash()); err != nil {
		t.Fatal(err)
	}
	if err := loadSearch(bad, loaded, k.Hash()); !errors.Is(err, errStale) {
		t.Errorf("document number out of range: %v, want stale", err)
	}

	if err := loadSearch(path, loaded, "other content"); !errors.Is(err, errStale) {
		t.Errorf("other content: %v, want stale", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"flipped":   append(append([]byte{}, data[:len(data)/2]...), append([]byte{data[len(data)/2] ^ 1}, data[len(data)/2+1:]...)...),
		"truncated": data[:len(data)-9],
		"empty":     nil,
	} {
		if err := os.WriteFile(path, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := loadSearch(path, loaded, k.Hash()); !errors.Is(err, errStale) {
			t.Errorf("%s file: %v, want stale", name, err)
		}
		ix, built, err := OpenOrBuild(ctx, k, dir)
		if err != nil || built {
			t.Fatalf("%s file: OpenOrBuild built=%v %v, want the generation reopened", name, built, err)
		}
		hits, err := ix.Search(ctx, "医保卡丢了", "zh", 1)
		ix.Close()
		if err != nil || len(hits) == 0 || hits[0].ID != "lost-card" {
			t.Fatalf("%s file: %+v %v", name, hits, err)
		}
		if err := loadSearch(path, loaded, k.Hash()); err != nil {
			t.Errorf("%s file: not rewritten: %v", name, err)
		}
	}
}
