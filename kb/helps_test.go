package kb

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseHelpsAndApply(t *testing.T) {
	t.Parallel()
	helps, err := ParseHelps(strings.NewReader("question\thelpful_suggestions\tdemand_cluster\n胰岛素能报吗\tdrug-class-a-b|x\tdrug-coverage\n养老金多少\t-\tother\n"))
	if err != nil {
		t.Fatal(err)
	}
	covers, err := ParseCovers(strings.NewReader("胰岛素能报吗\tdrug-list\n养老金多少\t-\tpension\n"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []Labelled{{Question: "胰岛素能报吗", Want: "?"}, {Question: "养老金多少", Want: "-"}, {Question: "卡丢了", Want: "lost-card|no-card"}, {Question: "新问题", Want: "?"}}
	ApplyHelps(cases, helps, covers)
	want := []struct{ cluster, helps string }{{"drug-coverage", "drug-class-a-b x drug-list"}, {"other", ""}, {"covered", ""}, {"uncovered", ""}}
	for i, w := range want {
		if cases[i].Cluster != w.cluster || strings.Join(cases[i].Helps, " ") != w.helps {
			t.Errorf("row %d: cluster %q helps %q, want %q %q", i, cases[i].Cluster, cases[i].Helps, w.cluster, w.helps)
		}
	}
	if !cases[0].Accepts("drug-list") || cases[0].Kind() != WantUnsure {
		t.Errorf("a covered ? row: want %q", cases[0].Want)
	}
	if !cases[2].Accepts("no-card") || !cases[2].Accepts("lost-card") || cases[2].Accepts("lost") {
		t.Errorf("| alternatives: accept %v", cases[2].Accept())
	}
	if _, err := ParseHelps(strings.NewReader("a\tb\n")); err == nil {
		t.Error("a two-column helps line was accepted")
	}
}

func TestSplitBlindIsFixedAndStratified(t *testing.T) {
	t.Parallel()
	var cases []Labelled
	for i := range 90 {
		c := Labelled{Question: fmt.Sprintf("问题%d", i), Want: "?", Cluster: []string{"a", "b", "c"}[i%3]}
		cases = append(cases, c)
	}
	blind, tune := SplitBlind(cases, PartBlind), SplitBlind(cases, PartTune)
	if len(blind)+len(tune) != len(cases) || len(blind) != 30 {
		t.Fatalf("blind %d tune %d of %d", len(blind), len(tune), len(cases))
	}
	per := map[string]int{}
	isBlind := map[string]bool{}
	for _, c := range blind {
		per[c.Cluster]++
		isBlind[c.Question] = true
	}
	for _, cl := range []string{"a", "b", "c"} {
		if per[cl] != 10 {
			t.Errorf("cluster %s: %d blind rows, want 10", cl, per[cl])
		}
	}
	// The part is the seeded hash's, not the rows' order.
	rev := make([]Labelled, len(cases))
	for i, c := range cases {
		rev[len(cases)-1-i] = c
	}
	for _, c := range SplitBlind(rev, PartBlind) {
		if !isBlind[c.Question] {
			t.Errorf("%q is blind only in the reversed set", c.Question)
		}
	}
	if got := SplitBlind(cases, PartAll); len(got) != len(cases) {
		t.Errorf("PartAll returned %d rows", len(got))
	}
}
