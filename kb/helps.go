package kb

import (
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
)

// Help is what a helps file says of one labelled question: the articles that
// would make a useful suggestion, and the demand cluster it belongs to.
type Help struct {
	Suggest []string
	Cluster string
}

// ParseHelps reads a helps TSV (question<TAB>helpful_suggestions<TAB>
// demand_cluster, suggestions "|"-separated or "-" for none, an optional
// header row starting "question"), keyed by question.
func ParseHelps(r io.Reader) (map[string]Help, error) {
	out := map[string]Help{}
	err := rows(r, func(n int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return fmt.Errorf("line %d: want question<TAB>suggestions<TAB>cluster", n)
		}
		if f[0] == "question" && len(out) == 0 {
			return nil
		}
		h := Help{Cluster: strings.TrimSpace(f[2])}
		for _, id := range strings.Split(f[1], "|") {
			if id = strings.TrimSpace(id); id != "" && id != "-" {
				h.Suggest = append(h.Suggest, id)
			}
		}
		out[f[0]] = h
		return nil
	})
	return out, err
}

// Cover is what a covers file says of a question a set labels "?":
// articles written since that answer it, and others that help.
type Cover struct {
	Answers, Helps []string
}

// ParseCovers reads a covers TSV (question<TAB>answers[<TAB>helps], ids
// "|"-separated, "-" for none): for questions a set labels "?" that
// articles written since answer or help with. ApplyHelps makes the answers
// right answers, and both useful suggestions, of the row.
func ParseCovers(r io.Reader) (map[string]Cover, error) {
	out := map[string]Cover{}
	ids := func(s string) []string {
		var out []string
		for _, id := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' }) {
			if id = strings.TrimSpace(id); id != "" && id != "-" {
				out = append(out, id)
			}
		}
		return out
	}
	err := rows(r, func(n int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) < 2 || len(f) > 3 {
			return fmt.Errorf("line %d: want question<TAB>answers[<TAB>helps]", n)
		}
		c := Cover{Answers: ids(f[1])}
		if len(f) == 3 {
			c.Helps = ids(f[2])
		}
		out[f[0]] = c
		return nil
	})
	return out, err
}

// ApplyHelps sets each row's Helps and Cluster from helps and covers (either
// may be nil). A row without a helps entry is clustered by kind: "covered"
// for id rows, "off-topic" for "-" rows, "uncovered" for "?" rows. A "?"
// or id row that covers names becomes answerable by those articles too.
func ApplyHelps(cases []Labelled, helps map[string]Help, covers map[string]Cover) {
	for i := range cases {
		c := &cases[i]
		if h, ok := helps[c.Question]; ok {
			c.Helps, c.Cluster = slices.Clone(h.Suggest), h.Cluster
		}
		if cv, ok := covers[c.Question]; ok && c.Kind() != WantNone {
			switch {
			case len(cv.Answers) == 0:
			case c.Kind() == WantUnsure:
				c.Want = "?" + strings.Join(append(c.Accept(), cv.Answers...), ",")
			default:
				c.Want = strings.Join(append(c.Accept(), cv.Answers...), "|")
			}
			c.Helps = append(append(c.Helps, cv.Answers...), cv.Helps...)
		}
		if c.Cluster == "" {
			switch c.Kind() {
			case WantArticle:
				c.Cluster = "covered"
			case WantNone:
				c.Cluster = "off-topic"
			default:
				c.Cluster = "uncovered"
			}
		}
	}
}

// Parts of a labelled set split by SplitBlind.
const (
	PartAll   = ""
	PartTune  = "tune"
	PartBlind = "blind"
)

// blindSeed fixes the blind part of every set split by SplitBlind: changing
// it would put rows that were tuned on into the blind part.
const blindSeed = "faqbot-blind-2026"

// SplitBlind returns the rows of one part of a fixed split: within each
// cluster (the id for covered rows), rows ordered by a seeded hash of their
// question, every third is blind. The same rows are blind whatever else
// the set holds, so nobody tunes on the blind part by accident.
func SplitBlind(cases []Labelled, part string) []Labelled {
	if part == PartAll {
		return cases
	}
	key := func(c Labelled) string {
		if c.Kind() == WantArticle {
			return "covered:" + strings.Join(c.Accept(), "|")
		}
		return c.Kind() + ":" + c.Cluster
	}
	hash := func(q string) uint64 {
		h := fnv.New64a()
		io.WriteString(h, blindSeed+"\x00"+q)
		return h.Sum64()
	}
	groups := map[string][]int{}
	for i, c := range cases {
		groups[key(c)] = append(groups[key(c)], i)
	}
	blind := make([]bool, len(cases))
	for _, idx := range groups {
		slices.SortFunc(idx, func(a, b int) int {
			ha, hb := hash(cases[a].Question), hash(cases[b].Question)
			switch {
			case ha < hb:
				return -1
			case ha > hb:
				return 1
			}
			return a - b
		})
		for j, i := range idx {
			blind[i] = j%3 == 1
		}
	}
	var out []Labelled
	for i, c := range cases {
		if blind[i] == (part == PartBlind) {
			out = append(out, c)
		}
	}
	return out
}
