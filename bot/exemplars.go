package bot

import (
	"bytes"
	_ "embed"
	"sync"

	"faqbot/index"
	"faqbot/kb"
)

// The confidence model compares a question with labelled questions of two
// kinds no article answers: about medical insurance but not covered
// (testdata/uncovered.tsv, "?" rows) and neighbouring subjects
// (testdata/nearmiss.tsv). These are the tune sets the model is fitted on;
// their blind twins are never read here. An exemplar identical to the
// question is skipped (index.Closest), so scoring those sets is
// leave-one-out.

//go:embed testdata/uncovered.tsv
var uncoveredTSV []byte

//go:embed testdata/nearmiss.tsv
var nearmissTSV []byte

var exemplarQuestions = func() (uncovered, nearmiss []string) {
	read := func(data []byte, keep func(kb.Labelled) bool) []string {
		rows, err := kb.ParseLabelled(bytes.NewReader(data))
		if err != nil {
			panic("bot exemplars: " + err.Error())
		}
		var out []string
		for _, r := range rows {
			if keep(r) {
				out = append(out, r.Question)
			}
		}
		return out
	}
	return read(uncoveredTSV, func(r kb.Labelled) bool { return r.Want == "?" }),
		read(nearmissTSV, func(r kb.Labelled) bool { return r.Kind() == kb.WantNone })
}

type exemplarSets struct {
	ix                  *index.Index
	uncovered, nearmiss *index.Exemplars
}

// exemplarCache holds the exemplar sets analyzed for the index serving now.
type exemplarCache struct {
	mu  sync.Mutex
	cur *exemplarSets
}

func (c *exemplarCache) get(ix *index.Index) *exemplarSets {
	if ix == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur == nil || c.cur.ix != ix {
		u, n := exemplarQuestions()
		c.cur = &exemplarSets{ix: ix, uncovered: ix.NewExemplars(u), nearmiss: ix.NewExemplars(n)}
	}
	return c.cur
}

// NearOfftopic is the near_offtopic feature: the similarity of question to
// the closest neighbouring-subject exemplar (nearmiss.tsv), or 0 when the
// question names an in-scope term (医保, 报销 ...) that exemplar lacks. A
// question about a lost 医保卡 is not the kind of question "身份证丢了怎么补办"
// is, however many of its words ("丢了怎么补办") they share. The fitter
// computes the feature with it too.
func NearOfftopic(ix *index.Index, nearmiss *index.Exemplars, in index.Terms, question, lang string) float64 {
	sim, text := ix.ClosestText(nearmiss, question, lang)
	if t := index.NewText(question).Find(in); t != "" && index.FindTerm(text, []string{t}) == "" {
		return 0
	}
	return sim
}
