package bot

import "strings"

// Two of the confidence model's inputs are cues in the wording: a year, and
// a request for a figure. They were regular expressions (kept in
// cues_test.go as the oracle); as scans they cost a few percent of a
// question less.

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

// figureWords ask for an amount or a share; figureWholeWords do as whole
// words. English ones match in any case.
var (
	figureWords      = []string{"多少钱", "交多少", "缴多少", "报多少", "给多少", "多少元", "几成", "百分之", "比例", "报销比", "标准是多少", "how much", "what percent", "percentage"}
	figureWholeWords = []string{"ratio", "rate"}
)

// asksFigure reports whether text asks for an amount or a share.
func asksFigure(text string) bool {
	lower := asciiLower(text)
	for _, w := range figureWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	for _, w := range figureWholeWords {
		for rest, at := lower, 0; ; {
			i := strings.Index(rest, w)
			if i < 0 {
				break
			}
			start, end := at+i, at+i+len(w)
			if (start == 0 || !isWordByte(lower[start-1])) && (end == len(lower) || !isWordByte(lower[end])) {
				return true
			}
			rest, at = rest[i+1:], at+i+1
		}
	}
	return false
}

// asciiLower lowers A-Z only: the case folding the figure words need (none
// of their letters has a non-ASCII case partner).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isWordByte is \w as Go's regexp \b sees it: ASCII letters, digits, _.
func isWordByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
}
