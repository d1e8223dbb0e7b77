package bot

import (
	"strings"

	"faqbot/index"
)

// place is a province or city a question may name.
type place struct {
	name     string // 上海, 西安
	province string // the province of a city ("" for a province or municipality)
	en       string // Latin spellings, "|"-separated
}

// placesIn returns the places a question names.
func (l *lexicon) placesIn(question string) []place {
	var out []place
	l.placeTerms.Each(index.NewText(question), func(i int, _ string) bool {
		out = append(out, l.places[i])
		return true
	})
	return out
}

// placeIn is the first place text names, as the place list spells it ("" if
// none); a follow-up naming a new one drops the previous place from the
// subject it is read with.
func (l *lexicon) placeIn(text string) string {
	var first string
	l.placeTerms.Each(index.NewText(text), func(_ int, term string) bool {
		first = term
		return false
	})
	return first
}

// placeFits reports whether a local article's region (zh, e.g. "西安",
// "徐州、南京", "辽宁朝阳") covers place p: the region names it, its
// province, or (p a province) one of its cities.
func (l *lexicon) placeFits(region string, p place) bool {
	if strings.Contains(region, p.name) || p.province != "" && strings.Contains(region, p.province) {
		return true
	}
	for _, c := range l.places {
		if c.province == p.name && strings.Contains(region, c.name) {
			return true
		}
	}
	return false
}
