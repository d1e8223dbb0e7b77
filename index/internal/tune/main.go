// Command tune sweeps the ranking knobs (index.Params) over a grid and prints,
// for each setting, how many labelled questions find their article first and
// how many titles and alternate questions fail to find their own article:
//
//	go run ./index/internal/tune content/regression.tsv ../shared/eval/dev.tsv | sort -t$'\t' -k2,2n -k1,1nr | head
//
// Pick a setting inside a plateau of good results, not a lone peak.
package main

import (
	"context"
	"faqbot/index/zh"
	"fmt"
	"log"
	"os"

	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

type labelled struct{ q, lang, want string }

func main() {
	k, err := kb.Load(content.FS)
	if err != nil {
		log.Fatal(err)
	}
	ix, err := index.Build(context.Background(), k, "")
	if err != nil {
		log.Fatal(err)
	}
	var cases, self []labelled
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			log.Fatal(err)
		}
		rows, err := kb.ParseLabelled(f)
		f.Close()
		if err != nil {
			log.Fatalf("%s: %v", path, err)
		}
		for _, r := range rows {
			if r.Kind() == kb.WantArticle {
				cases = append(cases, labelled{r.Question, zh.Detect(r.Question), r.Want})
			}
		}
	}
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			for _, q := range append([]string{a.Title}, a.Questions...) {
				self = append(self, labelled{q, lang, a.ID})
			}
		}
	}
	count := func(cs []labelled) int {
		n := 0
		for _, c := range cs {
			if h, _ := ix.Search(context.Background(), c.q, c.lang, 1); len(h) > 0 && h[0].ID == c.want {
				n++
			}
		}
		return n
	}
	fmt.Printf("# %d labelled questions, %d phrasings\n", len(cases), len(self))
	for _, pb := range []float64{1, 2, 3} {
		for _, bb := range []float64{0.7, 1.2} {
			for _, pw := range []float64{0.6, 1} {
				for _, cw := range []float64{0.5, 0.6, 0.7} {
					for _, sw := range []float64{0, 0.2, 0.4, 0.7} {
						p := index.DefaultParams
						p.PhrasingBoost, p.BodyBoost, p.PassageWeight, p.CoverageWeight, p.PhrasingWeight = pb, bb, pw, cw, sw
						ix.SetParams(p)
						fmt.Printf("%d\t%d\tpb=%v bb=%v pw=%v cw=%v sw=%v\n", count(cases), len(self)-count(self), pb, bb, pw, cw, sw)
					}
				}
			}
		}
	}
}
