package state

import (
	"encoding/binary"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"faqbot/kb"
)

// Report summarises the log and votes since t; top bounds each list.
func (s *Store) Report(since time.Time, top int) (kb.Report, error) {
	rep := kb.Report{Since: since, ByChannel: map[string]kb.Outcome{}, ByLang: map[string]kb.Outcome{}}
	groups, unsure := map[string]*kb.Group{}, map[string]*kb.Group{}
	answered := map[string]int{}
	err := s.Log(since, func(e kb.LogEntry) error {
		rep.Questions++
		bump := func(m map[string]kb.Outcome, key string) {
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
		key := kb.NormalizeQuestion(e.Question)
		if key == "" {
			return nil
		}
		into := groups
		if e.Reason == "unsure" {
			into = unsure
		}
		g := into[key]
		if g == nil {
			g = &kb.Group{Key: key}
			into[key] = g
		}
		g.Count++
		if e.Time.After(g.Last) {
			g.Last = e.Time
		}
		if len(g.Examples) < kb.ReportExamples && !contains(g.Examples, e.Question) {
			g.Examples = append(g.Examples, e.Question)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	// Questions the sweep removed from the log, as per-day aggregates (the
	// whole day of since counts).
	err = s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDaily).Cursor()
		for k, v := c.Seek([]byte(since.UTC().Format(time.DateOnly))); k != nil; k, v = c.Next() {
			parts := strings.SplitN(string(k), "\x00", 4)
			if len(parts) != 4 || len(v) != 8 {
				continue
			}
			n := int(binary.BigEndian.Uint64(v))
			ch, lang, id := parts[1], parts[2], parts[3]
			rep.Questions += n
			for _, m := range []struct {
				m   map[string]kb.Outcome
				key string
			}{{rep.ByChannel, ch}, {rep.ByLang, lang}} {
				o := m.m[m.key]
				o.Asked += n
				if id != "" {
					o.Answered += n
				}
				m.m[m.key] = o
			}
			if id != "" {
				answered[id] += n
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	votes := map[string]*kb.ArticleCount{}
	err = s.Votes(since, func(v kb.Vote) error {
		c := votes[v.Article]
		if c == nil {
			c = &kb.ArticleCount{ID: v.Article}
			votes[v.Article] = c
		}
		for _, m := range []struct {
			m   map[string]kb.Outcome
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
	for _, m := range []map[string]kb.Outcome{rep.ByChannel, rep.ByLang} {
		for k, o := range m {
			m[k] = o.WithRates()
		}
	}
	for _, g := range groups {
		rep.Unanswered = append(rep.Unanswered, *g)
	}
	for _, g := range unsure {
		rep.Unsure = append(rep.Unsure, *g)
	}
	for _, l := range [][]kb.Group{rep.Unanswered, rep.Unsure} {
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
		c := kb.ArticleCount{ID: id, Count: n}
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

func sortCounts(cs []kb.ArticleCount) {
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
