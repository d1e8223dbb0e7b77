package kb

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// Labelled is one labelled question of a TSV set (question<TAB>expected).
// Want is
//   - an article id: the bot must answer with that article;
//   - "-": the bot must not answer (off-topic, near-miss, symptom);
//   - "?" or "?id1,id2": a medical insurance question no article clearly
//     answers: "unsure" is right, and so is answering with a listed id.
type Labelled struct {
	Line     int
	Question string
	Want     string
}

// Kinds of labelled rows.
const (
	WantArticle = "article" // Want is an id
	WantNone    = "none"    // "-"
	WantUnsure  = "unsure"  // "?" or "?ids"
)

// Kind says which of the three kinds of row l is.
func (l Labelled) Kind() string {
	switch {
	case l.Want == "-":
		return WantNone
	case strings.HasPrefix(l.Want, "?"):
		return WantUnsure
	default:
		return WantArticle
	}
}

// Accept returns the article ids that answer the question: the id of an
// article row, the listed ids of a "?ids" row, none for "-" and "?".
func (l Labelled) Accept() []string {
	switch l.Kind() {
	case WantArticle:
		return []string{l.Want}
	case WantUnsure:
		var ids []string
		for _, id := range strings.Split(strings.TrimPrefix(l.Want, "?"), ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids = append(ids, id)
			}
		}
		return ids
	}
	return nil
}

// Accepts reports whether answering with article id is right for l.
func (l Labelled) Accepts(id string) bool {
	for _, a := range l.Accept() {
		if a == id {
			return true
		}
	}
	return false
}

// ParseLabelled reads a labelled TSV: question<TAB>expected, an optional
// header line "question<TAB>expected", '#' comments and blank lines ignored.
// Every reader of labelled questions (eval, tests, the reindex self-check,
// the confidence-model fit) uses it.
func ParseLabelled(r io.Reader) ([]Labelled, error) {
	var out []Labelled
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		q, want, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("line %d: want question<TAB>expected", n)
		}
		if q == "question" && strings.TrimSpace(want) == "expected" {
			continue
		}
		want = strings.TrimSpace(want)
		if want == "" || strings.ContainsAny(want, " \t") && !strings.HasPrefix(want, "?") {
			return nil, fmt.Errorf("line %d: expected must be an article id, - or ?[ids]", n)
		}
		out = append(out, Labelled{Line: n, Question: q, Want: want})
	}
	return out, sc.Err()
}
