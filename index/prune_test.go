package index

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/blevesearch/bleve/v2/search"

	"faqbot/content"
	"faqbot/kb"
)

// copiesIndex indexes the embedded articles n times over (copies under new
// ids), so
// that each passage has many equal rivals and the terms' statistics look
// like a large knowledge base's.
func copiesIndex(t *testing.T, n int) *Index {
	t.Helper()
	m := fstest.MapFS{}
	idLine := regexp.MustCompile(`(?m)^id: (\S+)$`)
	phrasingLine := regexp.MustCompile(`(?m)^(title: |  - ).*\S$`)
	err := fs.WalkDir(content.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(content.FS, p)
		if err != nil {
			return err
		}
		if path.Ext(p) != ".md" {
			m[p] = &fstest.MapFile{Data: data}
			return nil
		}
		m[p] = &fstest.MapFile{Data: data} // the original, which related ids name
		fm, body, _ := strings.Cut(strings.TrimPrefix(string(data), "---\n"), "\n---\n")
		for i := 1; i < n; i++ {
			id := fmt.Sprintf("%s-c%d", strings.TrimSuffix(path.Base(p), ".md"), i)
			// Titles and questions must be unique across articles: number them.
			copyFM := phrasingLine.ReplaceAllStringFunc(idLine.ReplaceAllString(fm, "id: "+id), func(line string) string {
				if strings.HasSuffix(line, `"`) {
					return fmt.Sprintf("%s %d\"", strings.TrimSuffix(line, `"`), i)
				}
				return fmt.Sprintf("%s %d", line, i)
			})
			m[path.Join(path.Dir(p), id+".md")] = &fstest.MapFile{Data: []byte("---\n" + copyFM + "\n---\n" + body)}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	k, err := kb.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := Build(context.Background(), k, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// pruneQuestions are the tune sets' questions (the blind sets stay unread).
func pruneQuestions(t *testing.T) []string {
	t.Helper()
	var qs []string
	read := func(fsys fs.FS, name string) {
		f, err := fsys.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		cases, err := kb.ParseLabelled(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			qs = append(qs, c.Question)
		}
	}
	read(content.FS, "regression.tsv")
	read(os.DirFS("../bot/testdata"), "uncovered.tsv")
	read(os.DirFS("../bot/testdata"), "nearmiss.tsv")
	return qs
}

// differences counts the searches whose pruned hits are not the full
// search's, document for document and score bit for bit.
func differences(t *testing.T, ix *Index, qs []string) (diff, searched int) {
	t.Helper()
	ctx := context.Background()
	for _, q := range qs {
		for lang, st := range ix.langs {
			tokens := searchTokens(ix.analyzed(q))
			cs := ix.clauses(st, tokens, ix.analyzed(q).syns)
			if len(cs) == 0 {
				continue
			}
			full, err := searchFull(ctx, ix.bi[lang], cs, maxHits)
			if err != nil {
				t.Fatal(err)
			}
			pruned, err := ix.searchPruned(ctx, ix.bi[lang], ix.impacts[lang], cs, maxHits)
			if err != nil {
				t.Fatal(err)
			}
			searched++
			if !sameHits(full, pruned) {
				diff++
			}
		}
	}
	return diff, searched
}

func sameHits(a, b []*search.DocumentMatch) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID || math.Float64bits(a[i].Score) != math.Float64bits(b[i].Score) {
			return false
		}
	}
	return true
}

// TestPrunedSameHits: a pruned search returns exactly the full search's
// hits, and it does prune; with bounds made too low, the same comparison
// finds differences (so it can fail).
func TestPrunedSameHits(t *testing.T) {
	ix := copiesIndex(t, 8)
	if err := ix.prune(0); err != nil {
		t.Fatal(err)
	}
	qs := pruneQuestions(t)
	diff, n := differences(t, ix, qs)
	pruned, full := ix.pruned.pruned.Load(), ix.pruned.full.Load()
	t.Logf("%d searches: %d pruned, %d full", n, pruned, full)
	if diff > 0 {
		t.Errorf("%d of %d pruned searches differ from the full search", diff, n)
	}
	if pruned < int64(n)/2 {
		t.Errorf("only %d of %d searches were pruned", pruned, n)
	}

	// A saturation off by 1% in one in ten postings must show.
	for _, im := range ix.impacts {
		for _, ti := range im.terms {
			for j := 0; j < len(ti.sat); j += 10 {
				ti.sat[j] *= 0.99
			}
		}
	}
	if diff, n := differences(t, ix, qs); diff == 0 {
		t.Errorf("saturations 1%% off: all %d searches still the same; the comparison cannot fail", n)
	}
}
