package index

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"faqbot/content"
	"faqbot/kb"
)

func TestSweep(t *testing.T) {
	if os.Getenv("SWEEP") == "" {
		t.Skip()
	}
	k, _ := kb.Load(content.FS)
	ix, _ := Build(context.Background(), k, "")
	type c struct{ q, want string }
	var cases []c
	for _, path := range []string{"/work/shared/eval/dev.tsv", "/work/main/content/regression.tsv"} {
		f, _ := os.Open(path)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			q, want, ok := strings.Cut(sc.Text(), "\t")
			if ok && want != "-" && want != "expected" {
				cases = append(cases, c{q, want})
			}
		}
	}
	var self []c
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			for _, q := range append([]string{a.Title}, a.Questions...) {
				self = append(self, c{lang + "\x00" + q, a.ID})
			}
		}
	}
	for _, pb := range []float64{1, 2, 3} {
		for _, bb := range []float64{0.7, 1.2} {
			for _, pw := range []float64{0.6, 1} {
				for _, cw := range []float64{0.6, 0.7, 0.8, 0.9} {
					for _, uw := range []float64{0, 0.2, 0.4, 0.7} {
						p := DefaultParams
						p.PhrasingBoost, p.BodyBoost, p.PassageWeight, p.CoverageWeight, p.PhrasingWeight = pb, bb, pw, cw, uw
						ix.SetParams(p)
						n := 0
						for _, cs := range cases {
							h, _ := ix.Search(context.Background(), cs.q, Detect(cs.q), 1)
							if len(h) > 0 && h[0].ID == cs.want {
								n++
							}
						}
						selfMiss := 0
					for _, cs := range self {
						lang, q, _ := strings.Cut(cs.q, "\x00")
						h, _ := ix.Search(context.Background(), q, lang, 1)
						if len(h) == 0 || h[0].ID != cs.want {
							selfMiss++
						}
					}
					fmt.Printf("%d\t%d\tpb=%v bb=%v pw=%v cw=%v sw=%v\n", n, selfMiss, pb, bb, pw, cw, uw)
					}
				}
			}
		}
	}
	fmt.Println("total", len(cases))
}
