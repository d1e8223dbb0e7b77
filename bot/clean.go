package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes any user text safe to search and echo: invalid UTF-8 and
// control characters become spaces, runs of space collapse, and text longer
// than maxBytes (when positive) is cut at a rune boundary. Whatever the
// bytes, the result is valid UTF-8, at most maxBytes long, and Clean of it
// is itself.
func Clean(s string, maxBytes int) string {
	if maxBytes > 0 && len(s) > maxBytes {
		s = s[:cutAt(s, maxBytes)]
	}
	s = strings.ToValidUTF8(s, " ") // never longer: a run of bad bytes becomes one space
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// cutAt is where to cut s (len(s) > n) to at most n bytes without splitting
// a rune: n, or the start of the valid rune that straddles n. Bytes that are
// not UTF-8 at all are cut anywhere (they become spaces).
func cutAt(s string, n int) int {
	for i := n - 1; i >= 0 && i > n-utf8.UTFMax; i-- {
		if !utf8.RuneStart(s[i]) {
			continue // a continuation byte: the rune may start before it
		}
		if r, size := utf8.DecodeRuneInString(s[i:]); (r != utf8.RuneError || size > 1) && i+size > n {
			return i
		}
		return n
	}
	return n
}
