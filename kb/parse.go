package kb

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Size limits keep every passage short enough to be a chat reply.
const (
	MaxSectionRunesZH = 300 // letters (not spaces or punctuation) in a zh section
	MaxSectionWordsEN = 120 // words in an en section
	MaxLeadRunesZH    = 120
	MaxLeadWordsEN    = 50
	MaxQuestions      = 16
	maxFileBytes      = 256 << 10
)

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// frontMatterKeys are the only keys an article's front matter may hold.
var frontMatterKeys = map[string]bool{
	"id": true, "lang": true, "title": true, "topic": true, "questions": true, "tags": true,
	"region": true, "updated": true, "sources": true, "related": true,
}

// Parse reads one article file. name is used in error messages; it does not
// check cross-article rules (see Load).
func Parse(name string, data []byte) (*Article, error) {
	var errs Errors
	if len(data) > maxFileBytes {
		errs.add(name, 0, "file is %d bytes, over the %d limit", len(data), maxFileBytes)
		return nil, errs
	}
	if !utf8.Valid(data) {
		errs.add(name, 0, "file is not valid UTF-8")
		return nil, errs
	}
	data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !bytes.HasPrefix(data, []byte("---\n")) {
		errs.add(name, 1, "missing front matter: the file must start with a line \"---\"")
		return nil, errs
	}
	rest := data[4:]
	end := bytes.Index(rest, []byte("\n---\n"))
	if end < 0 {
		if bytes.HasSuffix(rest, []byte("\n---")) {
			end = len(rest) - 4
		} else {
			errs.add(name, 1, "front matter is not closed by a line \"---\"")
			return nil, errs
		}
	}
	fm := rest[:end+1]
	body := ""
	if end+5 <= len(rest) {
		body = string(rest[end+5:])
	}
	bodyLine := bytes.Count(fm, []byte("\n")) + 3 // 1-based line of the first body line

	a := &Article{File: name, line: map[string]int{}}
	if !parseFrontMatter(a, fm, &errs) {
		// A YAML error leaves nothing to check: every other message would
		// be a consequence of it (missing id, missing lang ...).
		return nil, errs
	}
	parseBody(a, body, bodyLine, &errs)
	checkArticle(a, &errs)
	if a.Lang == "zh" {
		checkPunctuation(a.File, string(fm), body, bodyLine, &errs)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return a, nil
}

// parseFrontMatter fills a from the front matter; it returns false when the
// front matter is not YAML at all (the one error is then in errs).
func parseFrontMatter(a *Article, fm []byte, errs *Errors) bool {
	var doc yaml.Node
	if err := yaml.Unmarshal(fm, &doc); err != nil {
		line, msg := yamlErrorLine(fm, err)
		errs.add(a.File, line, "bad YAML front matter: %s", msg)
		return false
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		errs.add(a.File, 2, "front matter must be a YAML mapping of key: value lines")
		return true
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		line := k.Line + 1 // +1: the opening "---"
		if !frontMatterKeys[k.Value] {
			errs.add(a.File, line, "unknown front matter key %q", k.Value)
			continue
		}
		if _, dup := a.line[k.Value]; dup {
			errs.add(a.File, line, "duplicate front matter key %q", k.Value)
			continue
		}
		a.line[k.Value] = line
		switch k.Value {
		case "id":
			a.ID = scalar(a, v, k.Value, errs)
		case "lang":
			a.Lang = scalar(a, v, k.Value, errs)
		case "title":
			a.Title = scalar(a, v, k.Value, errs)
		case "topic":
			a.Topic = scalar(a, v, k.Value, errs)
		case "region":
			a.Region = scalar(a, v, k.Value, errs)
		case "updated":
			a.Updated = scalar(a, v, k.Value, errs)
		case "sources":
			a.Sources = list(a, v, k.Value, errs)
		case "questions":
			a.Questions = list(a, v, k.Value, errs)
		case "tags":
			a.Tags = list(a, v, k.Value, errs)
		case "related":
			a.Related = list(a, v, k.Value, errs)
		}
	}
	return true
}

var yamlLineRE = regexp.MustCompile(`^line (\d+): `)

// yamlErrorLine finds the file line of a YAML error and its message without
// the parser's own "line N:" prefix. The parser's line is off by one for
// some errors (an unclosed "[" is reported on the line before), so the
// front matter is parsed again block by block (a top-level key and its
// indented lines): the first block that cannot be parsed holds the error,
// and the parser's line is kept only when it falls inside that block.
func yamlErrorLine(fm []byte, err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	reported := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		fmt.Sscan(m[1], &reported)
		msg = msg[len(m[0]):]
	}
	lines := strings.SplitAfter(string(fm), "\n")
	start := 0 // 0-based first line of the current block
	for i := 1; i <= len(lines); i++ {
		if i < len(lines) && (lines[i] == "" || lines[i][0] == ' ' || lines[i][0] == '\t' || lines[i][0] == '-' || lines[i][0] == '#') {
			continue // the block goes on
		}
		var probe yaml.Node
		if yaml.Unmarshal([]byte(strings.Join(lines[:i], "")), &probe) != nil {
			// Block lines start..i-1 are file lines start+2..i+1 ("---" is line 1).
			if reported+1 >= start+2 && reported+1 <= i+1 {
				return reported + 1, msg
			}
			return start + 2, msg
		}
		start = i
	}
	if reported > 0 {
		return reported + 1, msg
	}
	return 1, msg
}

func scalar(a *Article, v *yaml.Node, key string, errs *Errors) string {
	if v.Kind != yaml.ScalarNode {
		errs.add(a.File, v.Line+1, "%s must be a single value", key)
		return ""
	}
	return strings.TrimSpace(v.Value)
}

func list(a *Article, v *yaml.Node, key string, errs *Errors) []string {
	if v.Kind != yaml.SequenceNode {
		errs.add(a.File, v.Line+1, "%s must be a list", key)
		return nil
	}
	var out []string
	for _, item := range v.Content {
		if item.Kind != yaml.ScalarNode || strings.TrimSpace(item.Value) == "" {
			errs.add(a.File, item.Line+1, "%s: every entry must be a non-empty text", key)
			continue
		}
		out = append(out, strings.TrimSpace(item.Value))
	}
	return out
}

func parseBody(a *Article, body string, firstLine int, errs *Errors) {
	var cur *Section
	var text []string
	flush := func() {
		t := strings.TrimSpace(strings.Join(text, "\n"))
		if cur == nil {
			a.Lead = t
		} else {
			cur.Body = t
			a.Sections = append(a.Sections, *cur)
		}
		text = text[:0]
	}
	for i, l := range strings.Split(body, "\n") {
		line := firstLine + i
		switch {
		case strings.HasPrefix(l, "## "):
			flush()
			cur = &Section{Heading: strings.TrimSpace(l[3:]), Line: line}
			if cur.Heading == "" {
				errs.add(a.File, line, "section heading is empty")
			}
		case strings.HasPrefix(l, "#"):
			errs.add(a.File, line, "only \"## \" section headings are allowed")
		default:
			text = append(text, l)
		}
	}
	flush()
}

func checkArticle(a *Article, errs *Errors) {
	need := func(key, val string) {
		if val == "" {
			line := a.line[key]
			if line == 0 {
				line = 1
			}
			errs.add(a.File, line, "missing %s", key)
		}
	}
	need("id", a.ID)
	need("lang", a.Lang)
	need("title", a.Title)
	need("topic", a.Topic)
	need("region", a.Region)
	need("updated", a.Updated)
	checkSources(a, errs)
	if a.ID != "" && !idPattern.MatchString(a.ID) {
		errs.add(a.File, a.line["id"], "id %q must be lowercase letters, digits and single dashes", a.ID)
	}
	if a.Lang != "" && a.Lang != "zh" && a.Lang != "en" {
		errs.add(a.File, a.line["lang"], "lang %q must be zh or en", a.Lang)
	}
	if a.Updated != "" {
		if _, err := time.Parse("2006-01-02", a.Updated); err != nil {
			errs.add(a.File, a.line["updated"], "updated %q must be a date YYYY-MM-DD", a.Updated)
		}
	}
	if len(a.Questions) == 0 {
		errs.add(a.File, max(a.line["questions"], 1), "questions must list at least one alternate phrasing")
	}
	if len(a.Questions) > MaxQuestions {
		errs.add(a.File, a.line["questions"], "%d questions, at most %d", len(a.Questions), MaxQuestions)
	}
	if len(a.Related) == 0 || len(a.Related) > 4 {
		errs.add(a.File, max(a.line["related"], 1), "related must list 1 to 4 article ids, has %d", len(a.Related))
	}
	for _, r := range a.Related {
		if r == a.ID {
			errs.add(a.File, a.line["related"], "related lists the article itself")
		}
	}
	if a.Lead == "" {
		errs.add(a.File, 1, "missing lead: a one-line direct answer before the first section")
	} else if n, limit, unit := size(a.Lang, a.Lead, true); n > limit {
		errs.add(a.File, 1, "lead is %d %s, at most %d", n, unit, limit)
	}
	if len(a.Sections) == 0 {
		errs.add(a.File, 1, "no sections: write at least one \"## heading\" with text")
	}
	for _, s := range a.Sections {
		if s.Body == "" {
			errs.add(a.File, s.Line, "section %q is empty", s.Heading)
			continue
		}
		if n, limit, unit := size(a.Lang, s.Body, false); n > limit {
			errs.add(a.File, s.Line, "section %q is %d %s, at most %d", s.Heading, n, unit, limit)
		}
	}
}

// size measures text the way the limits are written: letters for Chinese,
// words for English.
func size(lang, text string, lead bool) (n, limit int, unit string) {
	if lang == "en" {
		limit = MaxSectionWordsEN
		if lead {
			limit = MaxLeadWordsEN
		}
		return len(strings.Fields(text)), limit, "words"
	}
	limit = MaxSectionRunesZH
	if lead {
		limit = MaxLeadRunesZH
	}
	for _, r := range text {
		if !unicode.IsSpace(r) && !unicode.IsPunct(r) && !unicode.IsSymbol(r) {
			n++
		}
	}
	return n, limit, "characters"
}

// fullWidth maps the ASCII punctuation lint flags in Chinese text to the
// full-width form a curator should write.
var fullWidth = map[rune]string{',': "，", ';': "；", ':': "：", '(': "（", ')': "）"}

// proseKeys are the front matter keys whose values are Chinese prose (tags
// and related are YAML lists: their commas are syntax).
var proseKeys = map[string]bool{"title": true, "questions": true, "region": true}

// checkPunctuation flags ASCII , ; : ( ) between Chinese characters in a zh
// article's prose: its title, questions, region and body. ASCII
// punctuation inside English words, numbers (10:30, 1,000) and URLs is left
// alone: only a mark with Chinese on both sides is reported.
func checkPunctuation(file, fm, body string, bodyLine int, errs *Errors) {
	key := ""
	for i, l := range strings.Split(fm, "\n") {
		text := l
		if k, v, ok := strings.Cut(l, ":"); ok && k != "" && k[0] != ' ' && k[0] != '-' {
			key, text = k, v
		} else if !strings.HasPrefix(strings.TrimSpace(l), "- ") {
			continue
		}
		if proseKeys[key] {
			checkLinePunctuation(file, i+2, text, errs)
		}
	}
	for i, l := range strings.Split(body, "\n") {
		checkLinePunctuation(file, bodyLine+i, l, errs)
	}
}

func checkLinePunctuation(file string, line int, text string, errs *Errors) {
	rs := []rune(text)
	var bad []string
	for i, r := range rs {
		fw, ok := fullWidth[r]
		if !ok || !isCJK(neighbour(rs, i, -1)) || !isCJK(neighbour(rs, i, +1)) {
			continue
		}
		bad = append(bad, fmt.Sprintf("%q→%q", string(rs[max(i-2, 0):min(i+3, len(rs))]), strings.Replace(string(rs[max(i-2, 0):min(i+3, len(rs))]), string(r), fw, 1)))
	}
	if len(bad) > 0 {
		errs.add(file, line, "ASCII punctuation in Chinese text, use full-width ，；：（）: %s", strings.Join(bad, ", "))
	}
}

// neighbour is the nearest non-space rune before (dir -1) or after (+1) i.
func neighbour(rs []rune, i, dir int) rune {
	for j := i + dir; j >= 0 && j < len(rs); j += dir {
		if rs[j] != ' ' {
			return rs[j]
		}
	}
	return 0
}

// isCJK reports whether r is a Chinese character or full-width punctuation.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF
}
