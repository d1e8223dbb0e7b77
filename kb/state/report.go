package state

import (
	"faqbot/kb"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Report is the curator's view of the state store: what people ask that the
// bot cannot answer, which answers they dislike, and how each channel fares.
type Report struct {
	Since      time.Time `json:"since"`
	Questions  int       `json:"questions"`
	Unanswered []Group   `json:"unanswered"` // most asked first
	// Unsure are the medical insurance questions no article clearly
	// answered (reason "unsure"), most asked first: what to write next.
	Unsure      []Group            `json:"unsure"`
	ThumbsDown  []ArticleCount     `json:"thumbs_down"`  // most down-votes first
	TopArticles []ArticleCount     `json:"top_articles"` // most answered first
	ByChannel   map[string]Outcome `json:"by_channel"`
	ByLang      map[string]Outcome `json:"by_lang"`
}

// Group is one unanswered question, normalised, with how often it was asked
// and the spellings people used.
type Group struct {
	Key      string   `json:"key"`
	Count    int      `json:"count"`
	Examples []string `json:"examples"`
}

// ArticleCount counts something per article.
type ArticleCount struct {
	ID    string `json:"id"`
	Count int    `json:"count"`
	Up    int    `json:"up,omitempty"`
	Down  int    `json:"down,omitempty"`
}

// Outcome is the answer rate and vote ratio of one channel or language.
type Outcome struct {
	Asked    int     `json:"asked"`
	Answered int     `json:"answered"`
	Rate     float64 `json:"answer_rate"`
	Up       int     `json:"up"`
	Down     int     `json:"down"`
	UpRatio  float64 `json:"up_ratio"`
}

// NormalizeQuestion is the grouping key of unanswered questions: case, width,
// punctuation and spaces do not split a group.
func NormalizeQuestion(q string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(q) {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Report summarises the log and votes since t; top bounds each list.
func (s *Store) Report(since time.Time, top int) (Report, error) {
	rep := Report{Since: since, ByChannel: map[string]Outcome{}, ByLang: map[string]Outcome{}}
	groups, unsure := map[string]*Group{}, map[string]*Group{}
	answered := map[string]int{}
	err := s.Log(since, func(e kb.LogEntry) error {
		rep.Questions++
		bump := func(m map[string]Outcome, key string) {
			o := m[key]
			o.Asked++
			if e.ID != "" {
				o.Answered++
			}
			m[key] = o
		}
		bump(rep.ByChannel, e.Channel)
		bump(rep.ByLang, e.Lang)
		if e.ID != "" {
			answered[e.ID]++
			return nil
		}
		key := NormalizeQuestion(e.Question)
		if key == "" {
			return nil
		}
		into := groups
		if e.Reason == "unsure" {
			into = unsure
		}
		g := into[key]
		if g == nil {
			g = &Group{Key: key}
			into[key] = g
		}
		g.Count++
		if len(g.Examples) < 3 && !contains(g.Examples, e.Question) {
			g.Examples = append(g.Examples, e.Question)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	votes := map[string]*ArticleCount{}
	err = s.Votes(since, func(v kb.Vote) error {
		c := votes[v.Article]
		if c == nil {
			c = &ArticleCount{ID: v.Article}
			votes[v.Article] = c
		}
		for _, m := range []struct {
			m   map[string]Outcome
			key string
		}{{rep.ByChannel, v.Channel}, {rep.ByLang, v.Lang}} {
			o := m.m[m.key]
			if v.Up {
				o.Up++
			} else {
				o.Down++
			}
			m.m[m.key] = o
		}
		if v.Up {
			c.Up++
		} else {
			c.Down++
			c.Count++
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	for _, m := range []map[string]Outcome{rep.ByChannel, rep.ByLang} {
		for k, o := range m {
			if o.Asked > 0 {
				o.Rate = float64(o.Answered) / float64(o.Asked)
			}
			if o.Up+o.Down > 0 {
				o.UpRatio = float64(o.Up) / float64(o.Up+o.Down)
			}
			m[k] = o
		}
	}
	for _, g := range groups {
		rep.Unanswered = append(rep.Unanswered, *g)
	}
	for _, g := range unsure {
		rep.Unsure = append(rep.Unsure, *g)
	}
	for _, l := range [][]Group{rep.Unanswered, rep.Unsure} {
		sort.Slice(l, func(i, j int) bool {
			a, b := l[i], l[j]
			return a.Count > b.Count || a.Count == b.Count && a.Key < b.Key
		})
	}
	for _, c := range votes {
		if c.Down > 0 {
			rep.ThumbsDown = append(rep.ThumbsDown, *c)
		}
	}
	sortCounts(rep.ThumbsDown)
	for id, n := range answered {
		c := ArticleCount{ID: id, Count: n}
		if v := votes[id]; v != nil {
			c.Up, c.Down = v.Up, v.Down
		}
		rep.TopArticles = append(rep.TopArticles, c)
	}
	sortCounts(rep.TopArticles)
	rep.Unanswered = first(rep.Unanswered, top)
	rep.Unsure = first(rep.Unsure, top)
	rep.ThumbsDown = first(rep.ThumbsDown, top)
	rep.TopArticles = first(rep.TopArticles, top)
	return rep, nil
}

func sortCounts(cs []ArticleCount) {
	sort.Slice(cs, func(i, j int) bool {
		return cs[i].Count > cs[j].Count || cs[i].Count == cs[j].Count && cs[i].ID < cs[j].ID
	})
}

func first[T any](s []T, n int) []T {
	if n > 0 && len(s) > n {
		return s[:n]
	}
	return s
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
