package kb

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// writeTree writes a minimal valid content tree (two articles, two
// languages) to a temporary directory, with edits applied per file.
func writeTree(t *testing.T, edit func(files map[string]string)) string {
	t.Helper()
	article := func(id, lang, title, related, q string) string {
		return "---\nid: " + id + "\nlang: " + lang + "\ntitle: " + title + "\ntopic: card\nquestions:\n  - " + q +
			"\ntags: [a]\nregion: 全国\nupdated: 2025-04-19\nsources: [seeds/000 test page]\nrelated: [" + related + "]\n---\nLead.\n\n## Section\nText.\n"
	}
	files := map[string]string{
		"zh/a.md":           article("a", "zh", "甲", "b", "甲问"),
		"zh/b.md":           article("b", "zh", "乙", "a", "乙问"),
		"en/a.md":           article("a", "en", "A", "b", "ask a"),
		"en/b.md":           article("b", "en", "B", "a", "ask b"),
		"disclaimer.zh.txt": "仅供参考。",
		"disclaimer.en.txt": "For reference only.",
		"handoff.zh.txt":    "请拨打 12393。",
		"handoff.en.txt":    "Call 12393.",
		"synonyms.txt":      "# comment\n医保卡 = 社保卡\n",
		"scope.txt":         "+ 医保\n- 公积金\n",
	}
	if edit != nil {
		edit(files)
	}
	dir := t.TempDir()
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadGood(t *testing.T) {
	k, err := Load(os.DirFS(writeTree(t, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(k.IDs(), ","); got != "a,b" {
		t.Errorf("ids = %s", got)
	}
	if k.Disclaimer("en") != "For reference only." || len(k.Synonyms()) != 1 || len(k.Scope().In) != 1 || len(k.Scope().Out) != 1 {
		t.Errorf("disclaimer %q synonyms %v scope %+v", k.Disclaimer("en"), k.Synonyms(), k.Scope())
	}
	if k.Hash() == "" {
		t.Error("no content hash")
	}
}

// TestLoadBroken: each kind of broken content is refused with file:line: reason.
func TestLoadBroken(t *testing.T) {
	tests := []struct {
		name string
		edit func(map[string]string)
		want string
	}{
		{"missing twin", func(f map[string]string) { delete(f, "en/b.md") }, "zh/b.md:2: missing language twin en/b.md"},
		{"id not file name", func(f map[string]string) { f["zh/c.md"] = f["zh/b.md"] }, `zh/c.md:2: id "b" does not match the file name "c"`},
		{"wrong folder", func(f map[string]string) { f["zh/b.md"] = strings.Replace(f["zh/b.md"], "lang: zh", "lang: en", 1) }, `zh/b.md:3: lang "en" but the file is in zh/`},
		{"unknown related", func(f map[string]string) {
			f["en/a.md"] = strings.Replace(f["en/a.md"], "related: [b]", "related: [zz]", 1)
		}, `en/a.md:12: related id "zz" does not exist`},
		{"duplicate question", func(f map[string]string) { f["zh/b.md"] = strings.Replace(f["zh/b.md"], "乙问", "甲问", 1) }, `zh/b.md:6: question "甲问" is also in article a`},
		{"bad yaml", func(f map[string]string) { f["zh/a.md"] = strings.Replace(f["zh/a.md"], "tags: [a]", "tags: [a", 1) }, "zh/a.md:"},
		{"no disclaimer", func(f map[string]string) { delete(f, "disclaimer.en.txt") }, "disclaimer.en.txt: missing disclaimer for en"},
		{"no hand-off", func(f map[string]string) { delete(f, "handoff.zh.txt") }, "handoff.zh.txt: missing hand-off text for zh"},
		{"empty hand-off", func(f map[string]string) { f["handoff.en.txt"] = " \n" }, "handoff.en.txt:1: hand-off text is empty"},
		{"bad synonyms", func(f map[string]string) { f["synonyms.txt"] = "医保卡\n" }, "synonyms.txt:1: a synonym group needs at least two terms"},
		{"synonym twice", func(f map[string]string) { f["synonyms.txt"] = "a = b\nb = c\n" }, `synonyms.txt:2: term "b" is already in the group on line 1`},
		{"bad scope", func(f map[string]string) { f["scope.txt"] = "医保\n" }, "scope.txt:1: want"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(os.DirFS(writeTree(t, tt.edit)))
			if err == nil {
				t.Fatal("accepted broken content")
			}
			var es Errors
			if !errors.As(err, &es) || !errors.Is(err, ErrInvalidContent) {
				t.Fatalf("error %v is not content Errors", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestLoadYAMLErrorAlone: a broken front matter line is reported at its
// line, alone: no "missing id", no "missing language twin" for the twin
// that exists, no dangling "related" for the articles linking to it.
func TestLoadYAMLErrorAlone(t *testing.T) {
	for _, broken := range []string{"tags: [a", "tags: [a, b]]", "tags: - a"} {
		dir := writeTree(t, func(f map[string]string) { f["zh/a.md"] = strings.Replace(f["zh/a.md"], "tags: [a]", broken, 1) })
		_, err := Load(os.DirFS(dir))
		var es Errors
		if !errors.As(err, &es) {
			t.Fatalf("%q: err = %v", broken, err)
		}
		if len(es) != 1 || !strings.HasPrefix(es[0].Error(), "zh/a.md:8: bad YAML front matter: ") || strings.Contains(err.Error(), "line ") {
			t.Errorf("%q: want one error at zh/a.md:8 (the tags line), got:\n%v", broken, err)
		}
	}
}

// TestLintPunctuation: ASCII , ; : ( ) between Chinese characters in zh
// prose is flagged at its line; numbers, English and tags are not.
func TestLintPunctuation(t *testing.T) {
	dir := writeTree(t, func(f map[string]string) {
		f["zh/a.md"] = strings.NewReplacer("title: 甲", "title: 甲(乙)", "tags: [a]", "tags: [医保, 挂失]",
			"Lead.", "可以看病,先挂失;时间10:30,费用1,000元,见 https://x.cn/a:b 或 App (English) 。").Replace(f["zh/a.md"])
		f["en/a.md"] = strings.Replace(f["en/a.md"], "Lead.", "Lead 甲,乙.", 1)
	})
	_, err := Load(os.DirFS(dir))
	var es Errors
	if !errors.As(err, &es) || len(es) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if !strings.HasPrefix(es[0].Error(), "zh/a.md:4: ASCII punctuation in Chinese text") || !strings.Contains(es[0].Error(), `甲(乙)"→" 甲（乙)`) {
		t.Errorf("title: %v", es[0])
	}
	if !strings.HasPrefix(es[1].Error(), "zh/a.md:14: ") || !strings.Contains(es[1].Error(), `"看病,先挂"→"看病，先挂"`) || !strings.Contains(es[1].Error(), `"挂失;时间"`) || strings.Contains(es[1].Error(), "10:30") || strings.Contains(es[1].Error(), "000") {
		t.Errorf("lead: %v", es[1])
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	k, err := Load(os.DirFS(writeTree(t, nil)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := k.WriteSnapshot(dir); err != nil {
		t.Fatal(err)
	}
	k2, err := Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if k2.Hash() != k.Hash() {
		t.Error("snapshot loads as different content")
	}
}

// TestWordsFile: the word lists are read by section; an unknown list, an
// entry outside a list and one listed twice are errors at their line.
func TestWordsFile(t *testing.T) {
	t.Parallel()
	var errs Errors
	w := parseWords("# c\n[greetings]\n你好\nhi\n\n[symptoms]\n发烧\n", &errs)
	if len(errs) != 0 || len(w["greetings"]) != 2 || w["symptoms"][0] != (Word{"发烧", 7}) {
		t.Fatalf("parsed %v, errors %v", w, errs)
	}
	for _, tc := range []struct{ text, want string }{
		{"[nope]\nx\n", "words.txt:1: unknown word list \"nope\""},
		{"你好\n", "words.txt:1: entry \"你好\" is outside a [list]"},
		{"[greetings]\nHi\nhi\n", "words.txt:3: \"hi\" is already in [greetings] on line 2"},
	} {
		var errs Errors
		parseWords(tc.text, &errs)
		if len(errs) == 0 || !strings.Contains(errs.Error(), tc.want) {
			t.Errorf("%q: errors %v, want %q", tc.text, errs, tc.want)
		}
	}
}

// TestLoadHugeFile: an oversized content file (a 24 MB article, a 24 MB
// synonyms list) is refused by its size before it is read: Load allocates
// nothing like its size, and says which file and why.
func TestLoadHugeFile(t *testing.T) {
	dir := writeTree(t, nil)
	measure := func() (uint64, error) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Load(os.DirFS(dir))
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	base, err := measure()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"zh/huge.md", "synonyms.txt"} {
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(24 << 20); err != nil { // sparse: no disk used
			t.Fatal(err)
		}
		f.Close()
		alloc, err := measure()
		if err == nil || !strings.Contains(err.Error(), name+": file is 25165824 bytes, over the") {
			t.Errorf("%s of 24 MB: %v", name, err)
		}
		if alloc > base+(2<<20) {
			t.Errorf("%s of 24 MB: Load allocated %d kB, %d kB without it", name, alloc>>10, base>>10)
		}
		t.Logf("%s of 24 MB refused; Load allocated %d kB (%d kB without it)", name, alloc>>10, base>>10)
		if name == "zh/huge.md" {
			os.Remove(filepath.Join(dir, name))
		}
	}
}
