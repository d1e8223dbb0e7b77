package web

import (
	"math"
	"strconv"
	"unicode/utf8"

	"faqbot/bot"
)

// Every /api/ask reply is an Answer, and encoding/json's reflection and
// rune-by-rune escaping of its Chinese text were a third of what the
// handler spends on a cached answer. appendAnswer writes the same bytes as
// json.Marshal (TestAppendAnswerMatchesMarshal holds it to that, for every
// field of Answer, so a new field cannot be forgotten).

// appendAnswer appends a as json.Marshal encodes it.
func appendAnswer(b []byte, a *bot.Answer) []byte {
	b = append(b, `{"question":`...)
	b = appendString(b, a.Question)
	b = append(b, `,"answered":`...)
	b = strconv.AppendBool(b, a.Answered)
	b = appendField(b, "id", a.ID)
	b = appendField(b, "lang", a.Lang)
	b = appendField(b, "title", a.Title)
	b = append(b, `,"score":`...)
	b = appendFloat(b, a.Score)
	if a.Section != "" {
		b = appendField(b, "section", a.Section)
	}
	b = appendField(b, "snippet", a.Snippet)
	if a.Region != "" {
		b = appendField(b, "region", a.Region)
	}
	if a.Updated != "" {
		b = appendField(b, "updated", a.Updated)
	}
	b = appendField(b, "disclaimer", a.Disclaimer)
	b = appendField(b, "text", a.Text)
	b = append(b, `,"alternatives":`...)
	if a.Alternatives == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, alt := range a.Alternatives {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendString(b, alt.ID)
			b = appendField(b, "title", alt.Title)
			b = append(b, `,"score":`...)
			b = appendFloat(b, alt.Score)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if a.Reason != "" {
		b = appendField(b, "reason", a.Reason)
	}
	if a.Traditional {
		b = append(b, `,"traditional":true`...)
	}
	if a.Context != "" {
		b = appendField(b, "context", a.Context)
	}
	if a.ContextLabel != "" {
		b = appendField(b, "context_label", a.ContextLabel)
	}
	return append(b, '}')
}

// appendField appends `,"name":` and s; name needs no escaping.
func appendField(b []byte, name, s string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, s)
}

// appendFloat is encoding/json's float64: ES6 number formatting. Answers
// hold no NaN or infinity (json.Marshal refuses them).
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 to e-9, as encoding/json
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString is encoding/json's string with HTML escaping (its default):
// ", \ and control characters escaped, <, > and & as \u003c..., U+2028 and
// U+2029 as \u2028 and \u2029, invalid UTF-8 as \ufffd. A three-byte
// character (all of CJK) is checked and copied without decoding it.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		if c >= 0xE0 && c < 0xF0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 &&
			(c != 0xE0 || s[i+1] >= 0xA0) && (c != 0xED || s[i+1] < 0xA0) && // not overlong, not a surrogate
			(c != 0xE2 || s[i+1] != 0x80 || s[i+2]&0xFE != 0xA8) { // not U+2028 or U+2029
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonSafe are the ASCII bytes encoding/json writes as they are with HTML
// escaping on: printable, but not ", \, <, > or &.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()
