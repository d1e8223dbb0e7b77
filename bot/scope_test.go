package bot

import (
	"testing"

	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

// TestScopeCacheFollowsKB: the folded scope terms are those of the knowledge
// base asked about; a new one (a reindex) brings its own, Traditional
// spellings included.
func TestScopeCacheFollowsKB(t *testing.T) {
	t.Parallel()
	before, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	m := contentWith(t, "scope.txt", func(s string) string { return s + "\n- 彩票\n" })
	after, err := kb.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	var c scopeCache
	question := index.NewText("彩票中獎了醫保怎麼交") // Traditional, as people type it
	for _, tc := range []struct {
		k       *kb.KB
		wantOut string
	}{
		{before, ""},
		{after, "彩票"},
		{before, ""}, // and back
	} {
		s := c.get(tc.k)
		if got := question.Find(s.out); got != tc.wantOut {
			t.Errorf("out-of-scope term = %q, want %q", got, tc.wantOut)
		}
		if got := question.Find(s.in); got != "医保" {
			t.Errorf("in-scope term = %q, want 医保", got)
		}
	}
}
