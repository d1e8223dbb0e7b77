package kb

import (
	"slices"
	"strings"
	"testing"
)

func TestParseLabelled(t *testing.T) {
	in := "question\texpected\n# comment\n\n医保卡丢了\tlost-card\n公积金怎么取\t-\n2024年四川交多少\t?\n补牙报吗\t?dental-coverage, surgery-coverage\r\n"
	got, err := ParseLabelled(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line          int
		want, kind    string
		accept        []string
		acceptsDental bool
	}{
		{4, "lost-card", WantArticle, []string{"lost-card"}, false},
		{5, "-", WantNone, nil, false},
		{6, "?", WantUnsure, nil, false},
		{7, "?dental-coverage, surgery-coverage", WantUnsure, []string{"dental-coverage", "surgery-coverage"}, true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Line != w.line || g.Want != w.want || g.Kind() != w.kind || !slices.Equal(g.Accept(), w.accept) || g.Accepts("dental-coverage") != w.acceptsDental {
			t.Errorf("row %d = %+v kind %s accept %v", i, g, g.Kind(), g.Accept())
		}
	}
	for _, bad := range []string{"no tab here\n", "q\t\n"} {
		if _, err := ParseLabelled(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParsePairs(t *testing.T) {
	t.Parallel()
	in := "# comment\n\nfirst\tfollow-up\texpected\n医保卡丢了怎么办\t补办要多久?\tlost-card\nhi\tthanks\t- \n"
	ok, err := IsPairFile(strings.NewReader(in))
	if err != nil || !ok {
		t.Errorf("IsPairFile = %v, %v", ok, err)
	}
	cs, err := ParsePairs(strings.NewReader(in))
	if err != nil || len(cs) != 2 || cs[0].First != "医保卡丢了怎么办" || cs[0].FollowUp != "补办要多久?" || cs[0].Want != "lost-card" || cs[0].Line != 4 || cs[1].Want != "-" {
		t.Errorf("ParsePairs = %+v, %v", cs, err)
	}
	if ok, _ := IsPairFile(strings.NewReader("# c\n医保卡丢了怎么办\tlost-card\n")); ok {
		t.Error("a two-column file is not a pair file")
	}
	if _, err := ParsePairs(strings.NewReader("a\tb\n")); err == nil {
		t.Error("two columns parsed as a pair")
	}
}
