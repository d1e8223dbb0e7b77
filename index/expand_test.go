package index

import (
	"slices"
	"testing"

	"faqbot/index/zh"
)

// TestExpandBuckets: expand finds the same synonym terms, in the same order,
// as trying every term, on the tune questions and on each synonym term
// itself (alone, inside a sentence, and glued to Chinese text).
func TestExpandBuckets(t *testing.T) {
	ix := memIndex(t)
	qs := tuneQuestions(t)
	for _, terms := range ix.syn {
		for _, st := range terms {
			qs = append(qs, st.folded, "请问 "+st.folded+" 怎么办", "我想问"+st.folded+"的事")
		}
	}
	found := 0
	for _, q := range qs {
		f := zh.Fold(q)
		got, want := ix.expand(f), ix.expandAll(f)
		if !slices.Equal(got, want) {
			t.Errorf("expand(%q) = %v, want %v", q, got, want)
		}
		found += len(got)
	}
	if found == 0 {
		t.Fatalf("no synonym found in %d questions", len(qs))
	}
}

// TestTermGroups: Each visits the groups a text names, in group order, with
// the first term of each as spelled, whatever the text's order and script;
// it stops when told to.
func TestTermGroups(t *testing.T) {
	t.Parallel()
	g := NewTermGroups([]string{"北京", "beijing", "peking"}, []string{"西安", "xi'an", "xian"}, []string{"上海", "shanghai"})
	tests := []struct {
		text string
		want []string
	}{
		{"从上海去北京看病", []string{"北京", "上海"}},
		{"moving from Shanghai to Xian", []string{"xian", "shanghai"}},
		{"西安醫保在上海能用嗎", []string{"西安", "上海"}},
		{"Xianyang", nil}, // Latin terms are whole words
		{"医保", nil},
	}
	for _, tc := range tests {
		var got []string
		g.Each(NewText(tc.text), func(_ int, term string) bool {
			got = append(got, term)
			return true
		})
		if !slices.Equal(got, tc.want) {
			t.Errorf("Each(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	n := 0
	g.Each(NewText("北京 西安 上海"), func(int, string) bool { n++; return false })
	if n != 1 {
		t.Errorf("Each went on after false: %d calls", n)
	}
}
