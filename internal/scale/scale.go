// Package scale makes large knowledge bases from the real one, for tests,
// benchmarks and the measurements at thousands of articles: the real
// articles copied under new ids (the copy method), with every phrasing.
package scale

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing/fstest"
)

var (
	idLine = regexp.MustCompile(`(?m)^id: (\S+)$`)
	// listLine is a title or a list item of the front matter (questions,
	// tags, sources): numbered in a copy so that titles and questions stay
	// unique across articles.
	listLine = regexp.MustCompile(`(?m)^(title: |  - ).*\S$`)
)

// Copies is the content tree src with its articles copied under new ids
// (<id>-c1, <id>-c2, ...), round after round in id order, until it holds
// total articles (each in every language src has it in); the originals
// stay, since related ids name them. Every other file is kept as it is. A
// copy's title, questions and other list items end with the copy's number.
func Copies(src fs.FS, total int) (fstest.MapFS, error) {
	m := fstest.MapFS{}
	byID := map[string][]string{} // article id → its files
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		m[p] = &fstest.MapFile{Data: data}
		if path.Ext(p) == ".md" && path.Dir(p) != "." {
			id := strings.TrimSuffix(path.Base(p), ".md")
			byID[id] = append(byID[id], p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range byID {
			if !yield(id) {
				return
			}
		}
	})
	if len(ids) == 0 {
		return nil, fmt.Errorf("copies: no articles")
	}
	n := len(ids)
	for round := 1; n < total; round++ {
		for _, id := range ids {
			if n >= total {
				break
			}
			for _, p := range byID[id] {
				cp := fmt.Sprintf("%s-c%d", id, round)
				data, err := copyArticle(m[p].Data, cp, round)
				if err != nil {
					return nil, fmt.Errorf("copies: %s: %w", p, err)
				}
				m[path.Join(path.Dir(p), cp+".md")] = &fstest.MapFile{Data: data}
			}
			n++
		}
	}
	return m, nil
}

// copyArticle is an article file under the id id, its phrasings numbered i.
func copyArticle(data []byte, id string, i int) ([]byte, error) {
	fm, body, ok := strings.Cut(strings.TrimPrefix(string(data), "---\n"), "\n---\n")
	if !ok {
		return nil, fmt.Errorf("no front matter")
	}
	fm = listLine.ReplaceAllStringFunc(idLine.ReplaceAllString(fm, "id: "+id), func(line string) string {
		for _, q := range []string{`"`, `'`} { // inside a quoted string
			if strings.HasSuffix(line, q) {
				return fmt.Sprintf("%s %d%s", strings.TrimSuffix(line, q), i, q)
			}
		}
		return fmt.Sprintf("%s %d", line, i)
	})
	return []byte("---\n" + fm + "\n---\n" + body), nil
}
