package kb

import (
	"bufio"
	"errors"
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
//
// Several ids may be listed with "|" (or ","): any of them is right.
type Labelled struct {
	Line     int
	Question string
	Want     string
	// Helps are the articles that make a useful suggestion when the bot is
	// unsure, and Cluster the kind of demand the row is (ApplyHelps); both
	// empty for sets without a helps file.
	Helps   []string
	Cluster string
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
	if l.Kind() == WantNone {
		return nil
	}
	var ids []string
	for _, id := range strings.FieldsFunc(strings.TrimPrefix(l.Want, "?"), func(r rune) bool { return r == ',' || r == '|' }) {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
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

// rows calls fn with each data line of a labelled TSV and its line number:
// '#' comments and blank lines are skipped, a trailing CR is dropped.
func rows(r io.Reader, fn func(n int, line string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if err := fn(n, line); err != nil {
			return err
		}
	}
	return sc.Err()
}

// ParseLabelled reads a labelled TSV: question<TAB>expected, an optional
// header line "question<TAB>expected", '#' comments and blank lines ignored.
// Every reader of labelled questions (eval, tests, the reindex self-check,
// the confidence-model fit) uses it; ParsePairs reads the follow-up format.
func ParseLabelled(r io.Reader) ([]Labelled, error) {
	var out []Labelled
	err := rows(r, func(n int, line string) error {
		q, want, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("line %d: want question<TAB>expected", n)
		}
		if q == "question" && strings.TrimSpace(want) == "expected" {
			return nil
		}
		want = strings.TrimSpace(want)
		if want == "" || strings.ContainsAny(want, " \t") && !strings.HasPrefix(want, "?") {
			return fmt.Errorf("line %d: expected must be an article id, - or ?[ids]", n)
		}
		out = append(out, Labelled{Line: n, Question: q, Want: want})
		return nil
	})
	return out, err
}

// Pair is one labelled conversation turn: First is asked, then FollowUp by
// the same user; Want is the article FollowUp should get read in that
// context (an id), or "-" when it must not be answered.
type Pair struct {
	Line            int
	First, FollowUp string
	Want            string
}

// errStop ends rows early.
var errStop = errors.New("stop")

// IsPairFile reports whether a labelled TSV is in the pair format
// (first<TAB>follow-up<TAB>expected): its first data row has three columns.
func IsPairFile(r io.Reader) (bool, error) {
	pairs := false
	err := rows(r, func(_ int, line string) error {
		pairs = strings.Count(line, "\t") == 2
		return errStop
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return pairs, err
}

// ParsePairs reads a pair TSV: first<TAB>follow-up<TAB>expected, '#'
// comments and blank lines ignored, an optional header row starting "first".
func ParsePairs(r io.Reader) ([]Pair, error) {
	var out []Pair
	err := rows(r, func(n int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return fmt.Errorf("line %d: want first<TAB>follow-up<TAB>expected", n)
		}
		if len(out) == 0 && f[0] == "first" {
			return nil
		}
		out = append(out, Pair{Line: n, First: f[0], FollowUp: f[1], Want: strings.TrimSpace(f[2])})
		return nil
	})
	return out, err
}
