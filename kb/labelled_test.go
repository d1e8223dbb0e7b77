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
