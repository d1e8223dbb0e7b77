package zh

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

var t2s, s2t = pairs(t2sPairs), withOverrides(pairs(s2tPairs))

// s2tOverrides fix frequent characters whose Simplified form maps to several
// Traditional ones, where Unihan alone picks wrong for this domain's text
// (了 stays 了, not 瞭; 么 is 麼 in 怎么). A rune mapped to itself is left alone.
var s2tOverrides = map[rune]rune{
	// Kept as they are: the Traditional variant Unihan names is the rarer sense.
	'了': '了', '同': '同', '家': '家', '合': '合', '向': '向', '出': '出', '台': '台', '面': '面',
	'只': '只', '才': '才', '累': '累', '致': '致', '回': '回', '注': '注', '症': '症', '困': '困',
	'制': '制', '干': '干', '借': '借', '表': '表', '征': '征', '系': '系', '松': '松', '谷': '谷',
	'采': '采', '舍': '舍', '朴': '朴', '姜': '姜', '杰': '杰', '党': '党', '沈': '沈', '蒙': '蒙',
	// Several Traditional forms; this is the usual one in insurance text.
	'么': '麼', '发': '發', '后': '後', '里': '裡', '复': '復', '几': '幾', '准': '準', '余': '餘',
	'范': '範', '划': '劃', '并': '並', '尽': '盡', '当': '當', '历': '歷', '钟': '鐘',
}

func withOverrides(m map[rune]rune) map[rune]rune {
	for s, t := range s2tOverrides {
		if s == t {
			delete(m, s)
		} else {
			m[s] = t
		}
	}
	return m
}

func pairs(s string) map[rune]rune {
	m := make(map[rune]rune, utf8.RuneCountInString(s)/2)
	rs := []rune(s)
	for i := 0; i+1 < len(rs); i += 2 {
		m[rs[i]] = rs[i+1]
	}
	return m
}

// Fold maps text to the form the index stores: Traditional characters to
// Simplified, full-width ASCII and the ideographic space to half-width, upper
// to lower case, control characters and invalid UTF-8 to spaces. Both content
// and questions are folded, so 醫保卡, ＭＥＤＩＣＡＬ and 医保卡 meet.
func Fold(s string) string {
	t := bmp()
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if f := t.fold[r&0xFFFF]; r < 0x10000 && f != outsideBMP {
			r = rune(f)
		} else {
			r = foldRune(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldRune is Fold of one rune: what the bmp table holds below 0x10000.
// It is foldStep applied until nothing changes, so that Fold is idempotent:
// Unihan chains some simplifications (薴 → 苧 → 苎), and a folded rune
// may be full-width or upper case again. No chain is longer than a few
// steps (TestFoldFixedPoint checks every BMP rune); the bound only guards
// against a cycle in a future table.
func foldRune(r rune) rune {
	for range 8 {
		n := foldStep(r)
		if n == r {
			break
		}
		r = n
	}
	return r
}

// foldStep is one pass of the folding rules over a rune.
func foldStep(r rune) rune {
	switch {
	case r == utf8.RuneError, unicode.IsControl(r):
		r = ' '
	case r == 0x3000:
		r = ' '
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	}
	if s, ok := t2s[r]; ok {
		r = s
	}
	return unicode.ToLower(r)
}

// Script classes of a rune, for IsTraditional.
const (
	neither = iota
	traditional
	simplified
)

// scriptOf is a rune's class: traditional if it has a Simplified form,
// else simplified if it has a Traditional one.
func scriptOf(r rune) uint8 {
	if _, ok := t2s[r]; ok {
		return traditional
	}
	if _, ok := s2t[r]; ok {
		return simplified
	}
	return neither
}

// bmpTable is foldRune and scriptOf of every rune below 0x10000, where the
// two maps' lookups were most of what Fold and IsTraditional cost (192 kB,
// built on first use in about a millisecond).
type bmpTable struct {
	fold   [0x10000]uint16 // outsideBMP: ask foldRune
	script [0x10000]uint8
}

// outsideBMP marks a rune whose folded form is above 0xFFFF (a few
// Traditional characters' Simplified forms are) or is U+FFFF itself.
const outsideBMP = 0xFFFF

var bmp = sync.OnceValue(func() *bmpTable {
	t := new(bmpTable)
	for r := range rune(0x10000) {
		t.fold[r], t.script[r] = uint16(min(foldRune(r), outsideBMP)), scriptOf(r)
	}
	return t
})

// ToTraditional renders Simplified text in Traditional characters, character
// by character (good enough to answer a Traditional question in its script).
func ToTraditional(s string) string {
	return s2tPhrases.Replace(strings.Map(func(r rune) rune {
		if t, ok := s2t[r]; ok {
			return t
		}
		return r
	}, s))
}

// s2tPhrases fix words whose character-by-character rendering picks the
// wrong variant: 复 is 復 (again) in 恢复 but 覆 (answer) in 回复.
var s2tPhrases = strings.NewReplacer("回復", "回覆", "答復", "答覆", "批復", "批覆")

// IsTraditional reports whether s holds more Traditional-only characters than
// Simplified-only ones.
func IsTraditional(s string) bool {
	t := bmp()
	var trad, simp int
	for _, r := range s {
		c := uint8(neither)
		if r < 0x10000 {
			c = t.script[r]
		} else {
			c = scriptOf(r)
		}
		switch c {
		case traditional:
			trad++
		case simplified:
			simp++
		}
	}
	return trad > simp
}

// Detect returns the reply language of a question: zh when it is mostly Han
// characters, en when mostly Latin words, "" when it has neither (emoji, digits).
func Detect(s string) string {
	han, words := 0, 0
	inWord := false
	for _, r := range s {
		isLatin := r < 0x250 && unicode.IsLetter(r) || r >= 0xFF21 && r <= 0xFF5A
		if isLatin && !inWord {
			words++
		}
		inWord = isLatin
		if unicode.Is(unicode.Han, r) {
			han++
		}
	}
	switch {
	case han == 0 && words == 0:
		return ""
	case words > 2*han:
		return "en"
	case han > 0:
		return "zh"
	default:
		return "en"
	}
}
