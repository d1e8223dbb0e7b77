package bot

import "strings"

// Two of the confidence model's inputs are cues in the wording: a year, and
// a request for a figure (the [figure-cues] word list, words.go). The year
// was a regular expression (kept in cues_test.go as the oracle); as a scan
// it costs a few percent of a question less.

// namesYear reports whether text names a year: 20xx anywhere, a two-digit
// year before 年 (23年), or 19xx as a whole word.
func namesYear(text string) bool {
	for i := 0; i+2 < len(text); i++ {
		c := text[i]
		if c != '1' && c != '2' || !isDigit(text[i+1]) {
			continue
		}
		if strings.HasPrefix(text[i+2:], "年") {
			return true
		}
		if i+3 < len(text) && isDigit(text[i+2]) && isDigit(text[i+3]) {
			switch {
			case c == '2' && text[i+1] == '0':
				return true
			case c == '1' && text[i+1] == '9' && (i == 0 || !isWordByte(text[i-1])) && (i+4 == len(text) || !isWordByte(text[i+4])):
				return true
			}
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isWordByte is \w as Go's regexp \b sees it: ASCII letters, digits, _.
func isWordByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}
