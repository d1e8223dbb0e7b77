package bot

import (
	"context"
	"testing"

	"faqbot/kb"
)

// TestSelfRetrieval asks every article's title and each of its alternate
// questions, in both languages: each must find its own article first. It
// catches alternate questions that collide between articles.
func TestSelfRetrieval(t *testing.T) {
	e := newTestEngine(t, Deps{})
	k := e.KB()
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			for _, q := range append([]string{a.Title}, a.Questions...) {
				got, err := e.Ask(context.Background(), Question{Text: q, Lang: lang})
				if err != nil {
					t.Fatal(err)
				}
				if !got.Answered || got.ID != a.ID {
					t.Errorf("%s/%s: %q answered %v with %q (score %.2f)", lang, a.ID, q, got.Answered, got.ID, got.Score)
				}
			}
		}
	}
}
