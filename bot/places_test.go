package bot

import (
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"

	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

// placesInOracle and placeInOracle are placesIn and placeIn as first
// written: one FindTerm per place.
func placesInOracle(placeList []place, question string) []place {
	var out []place
	for _, p := range placeList {
		if index.FindTerm(question, append([]string{p.name}, strings.Split(p.en, "|")...)) != "" {
			out = append(out, p)
		}
	}
	return out
}

func placeInOracle(placeList []place, text string) string {
	for _, p := range placeList {
		if t := index.FindTerm(text, append([]string{p.name}, strings.Split(p.en, "|")...)); t != "" {
			return t
		}
	}
	return ""
}

// TestPlacesInOracle: placesIn and placeIn find what one FindTerm per place
// finds, in the same order, on every labelled question and on texts naming
// several places in every spelling.
// labelledTexts are every question of the project's labelled sets
// (content/regression.tsv, bot/testdata/*.tsv, every column), for oracle
// tests.
func labelledTexts(t *testing.T) []string {
	t.Helper()
	var texts []string
	file, err := content.FS.Open("regression.tsv")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := kb.ParseLabelled(file)
	file.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		texts = append(texts, c.Question)
	}
	tsvs, _ := fs.Glob(os.DirFS("testdata"), "*.tsv")
	for _, f := range tsvs {
		data, _ := fs.ReadFile(os.DirFS("testdata"), f)
		for _, line := range strings.Split(string(data), "\n") {
			texts = append(texts, strings.Split(line, "\t")...)
		}
	}
	if len(texts) < 500 {
		t.Fatalf("only %d labelled texts", len(texts))
	}
	return texts
}

func TestPlacesInOracle(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	lx := newLexicon(k)
	placeList := lx.places
	if len(placeList) < 60 {
		t.Fatalf("only %d places in content/words.txt", len(placeList))
	}
	texts := labelledTexts(t)
	for i, p := range placeList {
		q := placeList[(i*7+3)%len(placeList)]
		texts = append(texts, p.name+"的医保在"+q.name+"能用吗", "moving from "+strings.ReplaceAll(p.en, "|", " to ")+" to "+q.en,
			strings.ToUpper(p.en), "在"+p.name+q.name+p.name+"看病", p.name+" or "+strings.ReplaceAll(p.en, "|", " ")+"?", "")
	}
	found := 0
	for _, text := range texts {
		want, got := placesInOracle(placeList, text), lx.placesIn(text)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("placesIn(%q) = %v, want %v", text, got, want)
		}
		if got, want := lx.placeIn(text), placeInOracle(placeList, text); got != want {
			t.Errorf("placeIn(%q) = %q, want %q", text, got, want)
		}
		found += len(want)
	}
	if found < len(placeList) {
		t.Errorf("only %d places found in %d texts: the test checks little", found, len(texts))
	}
}
