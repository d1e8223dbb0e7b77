package content_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"faqbot/content"
	"faqbot/kb"
)

func load(t *testing.T) *kb.KB {
	t.Helper()
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatalf("embedded content does not lint:\n%v", err)
	}
	return k
}

// TestStructure checks the shape rules of docs/content-format.md that the
// linter leaves to curators, with nothing from outside the repository.
func TestStructure(t *testing.T) {
	k := load(t)
	if len(k.IDs()) < 8 {
		t.Fatalf("only %d articles", len(k.IDs()))
	}
	for _, lang := range kb.Languages {
		if d := k.Disclaimer(lang); len([]rune(d)) < 40 {
			t.Errorf("%s disclaimer too short: %q", lang, d)
		}
		for _, a := range k.Articles(lang) {
			if n := len(a.Sections); n < 2 || n > 5 {
				t.Errorf("%s: %d sections, want 2-5", a.File, n)
			}
			if n := len(a.Questions); n < 4 {
				t.Errorf("%s: %d alternate questions, want at least 4", a.File, n)
			}
			if n := len(a.Related); n < 2 {
				t.Errorf("%s: %d related articles, want 2-4", a.File, n)
			}
			if n := len(a.Tags); n < 1 {
				t.Errorf("%s: no tags", a.File)
			}
			twin, _ := k.Article(other(lang), a.ID)
			if twin.Topic != a.Topic || twin.Updated != a.Updated || twin.Regional() != a.Regional() {
				t.Errorf("%s: topic/updated/region differ from its %s twin", a.File, other(lang))
			}
			body := a.Markdown()
			for _, bad := range []string{"**", "](", "<", "|---", "http://", "https://"} {
				if strings.Contains(body, bad) {
					t.Errorf("%s: markup %q in the body (plain text only)", a.File, bad)
				}
			}
			if lang == "en" && !strings.ContainsFunc(body, func(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }) {
				t.Errorf("%s: no Chinese name in brackets for the reader to recognise", a.File)
			}
		}
	}
}

func other(lang string) string {
	if lang == "zh" {
		return "en"
	}
	return "zh"
}

// TestCatalog checks the knowledge base against ../shared/catalog.tsv, the
// project's original list of articles, when that file is present beside the
// checkout (it is not part of the repository; without it the test is
// skipped): every catalog id in both languages, titles verbatim (up to the
// width of punctuation: the catalog writes ASCII brackets, the articles
// full-width ones), topics, and the catalog's alternate phrasings among the
// zh questions. Articles added since the catalog are fine: they are listed,
// not failed, so a new article needs no file outside the repository.
func TestCatalog(t *testing.T) {
	f, err := os.Open("../../shared/catalog.tsv")
	if err != nil {
		t.Skipf("catalog not present beside the checkout: %v", err)
	}
	defer f.Close()
	k := load(t)
	sc := bufio.NewScanner(f)
	n := 0
	inCatalog := map[string]bool{}
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 5 || cols[0] == "id" {
			continue
		}
		n++
		id, group, zhTitle, enTitle := cols[0], cols[1], cols[2], cols[3]
		inCatalog[id] = true
		zh, okZ := k.Article("zh", id)
		en, okE := k.Article("en", id)
		if !okZ || !okE {
			t.Errorf("%s: missing (zh %v, en %v)", id, okZ, okE)
			continue
		}
		if foldPunct(zh.Title) != foldPunct(zhTitle) || en.Title != enTitle {
			t.Errorf("%s: titles %q / %q, catalog %q / %q", id, zh.Title, en.Title, zhTitle, enTitle)
		}
		if zh.Topic != group {
			t.Errorf("%s: topic %q, catalog group %q", id, zh.Topic, group)
		}
		if len(cols) > 5 && cols[5] != "" {
			for _, alt := range strings.Split(cols[5], " | ") {
				if !contains(zh.Questions, foldPunct(strings.TrimSpace(alt))) {
					t.Errorf("%s: catalog phrasing %q not among the zh questions", id, alt)
				}
			}
		}
	}
	if n == 0 {
		t.Error("catalog has no rows")
	}
	for _, id := range k.IDs() {
		if !inCatalog[id] {
			t.Logf("%s: not in the catalog (added since: fine)", id)
		}
	}
}

// foldPunct writes full-width punctuation as ASCII, for comparing the
// articles' Chinese text with the catalog's.
var foldPunct = strings.NewReplacer("，", ",", "；", ";", "：", ":", "（", "(", "）", ")", "？", "?", "！", "!").Replace

func contains(s []string, x string) bool {
	for _, v := range s {
		if foldPunct(v) == x {
			return true
		}
	}
	return false
}
