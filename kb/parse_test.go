package kb

import (
	"errors"
	"strings"
	"testing"
)

const goodArticle = `---
id: lost-card
lang: zh
title: 医保卡丢了怎么去医院看病
topic: card
questions:
  - 医保卡没了去医院
tags: [医保卡, 挂失]
region: 全国
updated: 2025-04-19
sources:
  - 《关于做好2024年城乡居民基本医疗保障工作的通知》（医保发〔2024〕19号），2024-07
related: [no-physical-card]
---
可以看病，先挂失。

## 先挂失
打电话挂失医保卡。
`

func TestParseGood(t *testing.T) {
	a, err := Parse("zh/lost-card.md", []byte(goodArticle))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "lost-card" || a.Lead != "可以看病，先挂失。" || len(a.Sections) != 1 || a.Sections[0].Heading != "先挂失" {
		t.Fatalf("parsed %+v", a)
	}
	if a.Sections[0].Line != 17 {
		t.Errorf("section line = %d, want 17", a.Sections[0].Line)
	}
	if got := len(a.Passages()); got != 2 {
		t.Errorf("passages = %d, want lead + 1 section", got)
	}
}

// TestParseErrors checks that each broken article is refused with the
// file:line: reason a curator can act on.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, edit, want string
	}{
		{"no front matter", "strip", "zh/x.md:1: missing front matter"},
		{"unclosed", "unclose", "zh/x.md:1: front matter is not closed"},
		{"bad yaml", "questions:\n  - a\n - b", "zh/x.md:7: bad YAML front matter"},
		{"missing id", "id: lost-card\n|", "zh/x.md:1: missing id"},
		{"bad id", "id: Lost_Card", "zh/x.md:2: id \"Lost_Card\" must be lowercase"},
		{"bad lang", "lang: fr", "zh/x.md:3: lang \"fr\" must be zh or en"},
		{"bad date", "updated: 2025-13-01", "zh/x.md:10: updated \"2025-13-01\" must be a date"},
		{"unknown key", "author: me", "unknown front matter key \"author\""},
		{"list as scalar", "title: [a, b]", "zh/x.md:4: title must be a single value"},
		{"related self", "related: [lost-card]", "related lists the article itself"},
		{"empty section", "## 先挂失\n打电话挂失医保卡。\n|## 空\n", "section \"空\" is empty"},
		{"h1", "## 先挂失|# 标题\n## 先挂失", "only \"## \" section headings"},
		{"no lead", "可以看病，先挂失。\n|", "missing lead"},
		{"no sources", "sources:\n  - 《关于做好2024年城乡居民基本医疗保障工作的通知》（医保发〔2024〕19号），2024-07\n|", "zh/x.md:1: missing sources"},
		{"generic source", "sources:\n  - 《关于做好2024年城乡居民基本医疗保障工作的通知》（医保发〔2024〕19号），2024-07|sources:\n  - 公开资料整理", "zh/x.md:11: sources names no specific source"},
		{"old source key", "sources:\n  - 《关于做好2024年城乡居民基本医疗保障工作的通知》（医保发〔2024〕19号），2024-07|source: 公开资料整理", "unknown front matter key \"source\""},
		{"long section", "打电话挂失医保卡。|" + strings.Repeat("长", 301), "is 301 characters, at most 300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := goodArticle
			switch {
			case tt.edit == "strip":
				src = strings.TrimPrefix(src, "---\n")
			case tt.edit == "unclose":
				src = strings.Replace(src, "\n---\n", "\n--\n", 1)
			case strings.Contains(tt.edit, "|"):
				old, repl, _ := strings.Cut(tt.edit, "|")
				src = strings.Replace(src, old, repl, 1)
			default:
				key, _, _ := strings.Cut(tt.edit, ":")
				lines := strings.Split(src, "\n")
				replaced := false
				for i, l := range lines {
					if strings.HasPrefix(l, key+":") {
						lines[i] = tt.edit
						if key == "questions" {
							lines[i+1] = ""
						}
						replaced = true
						break
					}
				}
				if !replaced {
					lines = append(lines[:2], append([]string{tt.edit}, lines[2:]...)...)
				}
				src = strings.Join(lines, "\n")
			}
			_, err := Parse("zh/x.md", []byte(src))
			if err == nil {
				t.Fatalf("accepted broken article:\n%s", src)
			}
			if !errors.Is(err, ErrInvalidContent) {
				t.Errorf("error %v is not ErrInvalidContent", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseRejectsBinary(t *testing.T) {
	for _, data := range [][]byte{{0xff, 0xfe, 0x00}, []byte(strings.Repeat("a", maxFileBytes+1))} {
		if _, err := Parse("zh/x.md", data); err == nil {
			t.Errorf("accepted %d bytes of junk", len(data))
		}
	}
}

// FuzzParse: any bytes give an article or content errors, never a panic, and
// an accepted article always has what the index needs.
func FuzzParse(f *testing.F) {
	f.Add([]byte(goodArticle))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("---\nid: [\n---\n## a\n"))
	f.Add([]byte("---\nquestions: {a: b}\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse("zh/f.md", data)
		if err != nil {
			var es Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error is not content Errors: %v", err)
			}
			return
		}
		if a.ID == "" || a.Title == "" || len(a.Sections) == 0 || a.Lead == "" {
			t.Fatalf("accepted incomplete article %+v", a)
		}
	})
}

func TestSpecificSource(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"公开资料整理":                       false,
		"Compiled from public sources": false,
		"某网站":                          false,
		"《社会保险法》第二十七条，2018年修正":                      true,
		"医保发〔2024〕19号，2024-07":                      true,
		"https://www.gz.gov.cn/x.html (2025-10-17)": true,
		"seeds/004_8b69b6e7e91561ac.txt":            true,
	} {
		if got := SpecificSource(s); got != want {
			t.Errorf("SpecificSource(%q) = %v, want %v", s, got, want)
		}
	}
}
