package index

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"faqbot/index/zh"
)

// TestAnalyzedShared: a question's shared analysis is the analysis made
// afresh, whatever other questions went through the slots in between, and
// concurrent askers get consistent ones.
func TestAnalyzedShared(t *testing.T) {
	ix := memIndex(t)
	qs := []string{"异地就医备案怎么办理", "lost my insurence card", "新农和断交了还能补吗", "醫保卡丟了"}
	for i := range 300 {
		qs = append(qs, fmt.Sprintf("第%d个问题 医保 question %d", i, i))
	}
	check := func(q string) error {
		folded := ix.correct(zh.Fold(q))
		want := &analyzed{text: q, tokens: analyze(ix.an, folded), syns: ix.expand(folded)}
		got := ix.analyzed(q)
		if got.text != q || !slices.Equal(got.tokens, want.tokens) || !slices.Equal(got.syns, want.syns) {
			return fmt.Errorf("%q: shared analysis %+v, afresh %+v", q, got, want)
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(qs))
	for w := range 4 {
		wg.Go(func() {
			for i := range qs {
				if err := check(qs[(i*(w+1))%len(qs)]); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if a, b := ix.analyzed(qs[0]), ix.analyzed(qs[0]); a != b {
		t.Error("the same question asked twice in a row was analyzed twice")
	}
}
