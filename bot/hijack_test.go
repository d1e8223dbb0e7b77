package bot_test

import (
	"fmt"
	"os"
	"testing"

	"faqbot/bot"
	"faqbot/bot/bottest"
	"faqbot/kb"
)

// hijackFirsts are unrelated questions, each answered, asked before every
// standalone question of TestNoHijack.
var hijackFirsts = []string{
	"异地就医备案怎么办理",
	"医保卡丢了怎么办",
	"宝宝没有医保卡能报销吗",
	"How do I file for remote medical care?",
	"新农合断交一年还能恢复吗",
}

// TestNoHijack: after any answered question, a question that stands alone
// gets exactly what a fresh user gets: answered or not, the same article,
// never read in context. The standalone questions are the blind heldout
// set's and the shared dev set's (scored here, never fitted on).
func TestNoHijack(t *testing.T) {
	e := bot.NewTestEngine(t, bot.Deps{Memory: bottest.NewState()})
	fresh := bot.NewTestEngine(t, bot.Deps{})
	var qs []string
	for _, f := range []string{"testdata/heldout.tsv", "../../shared/eval/dev.tsv"} {
		r, err := os.Open(f)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		cases, err := kb.ParseLabelled(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			qs = append(qs, c.Question)
		}
	}
	if len(qs) < 50 {
		t.Fatalf("only %d standalone questions", len(qs))
	}
	for i, first := range hijackFirsts {
		if a := ask(t, fresh, "", first); !a.Answered {
			t.Fatalf("first question %q is not answered: the test needs a context", first)
		}
		changed := 0
		for j, q := range qs {
			user := fmt.Sprintf("u%d-%d", i, j)
			ask(t, e, user, first)
			got, want := ask(t, e, user, q), ask(t, fresh, "", q)
			if got.Answered != want.Answered || got.ID != want.ID || got.Context != "" && want.Answered {
				changed++
				t.Errorf("after %q, %q got %q (answered %v, context %q); alone %q (answered %v)", first, q, got.ID, got.Answered, got.Context, want.ID, want.Answered)
			}
		}
		t.Logf("after %q: %d of %d standalone questions changed", first, changed, len(qs))
	}
}
