package kb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// File names inside a content tree besides the articles.
const (
	SynonymsFile = "synonyms.txt"
	ScopeFile    = "scope.txt"
	disclaimerFn = "disclaimer.%s.txt"
	handoffFn    = "handoff.%s.txt"
)

// KB is a loaded, validated knowledge base. It is immutable once loaded, so
// readers share it without locks; a reindex loads a new one.
type KB struct {
	articles   map[string]map[string]*Article // lang → id → article
	ids        []string
	disclaimer map[string]string
	handoff    map[string]string
	synonyms   [][]string
	scope      Scope
	words      map[string][]Word
	hash       string
	src        fs.FS
	files      []string
}

// Scope is the curated list of terms that say whether a question is about
// medical insurance at all: In terms (医保, 报销, insurance ...) let a loosely
// worded question be answered; Out terms (公积金, 重疾险 ...) name neighbouring
// subjects the bot must not answer unless the matched article mentions them.
type Scope struct {
	In, Out []string
}

// Load reads and validates a content tree: zh/*.md, en/*.md, the disclaimer in
// each language and the synonym list. All problems are returned together as
// Errors (errors.Is(err, ErrInvalidContent)).
func Load(fsys fs.FS) (*KB, error) {
	var errs Errors
	k := &KB{articles: map[string]map[string]*Article{}, disclaimer: map[string]string{}, handoff: map[string]string{}}
	broken := map[string]bool{} // "lang/id" of article files that did not parse
	h := sha256.New()
	// track hashes a file into the content hash and remembers it for snapshots.
	track := func(name string, data []byte) {
		fmt.Fprintf(h, "%s\x00%d\x00%s", name, len(data), data)
		k.files = append(k.files, name)
	}
	for _, lang := range Languages {
		k.articles[lang] = map[string]*Article{}
		names, err := fs.Glob(fsys, lang+"/*.md")
		if err != nil {
			return nil, fmt.Errorf("list %s articles: %w", lang, err)
		}
		if len(names) == 0 {
			errs.add(lang+"/", 0, "no articles")
		}
		read := readAndParse(fsys, names)
		for i, name := range names {
			data, err := read[i].data, read[i].err
			if tooBig := (*fileTooBig)(nil); errors.As(err, &tooBig) {
				errs.add(name, 0, "%s", tooBig.Error())
				broken[lang+"/"+strings.TrimSuffix(path.Base(name), ".md")] = true
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("read article: %w", err)
			}
			track(name, data)
			a, err := read[i].a, read[i].parseErr
			want := strings.TrimSuffix(path.Base(name), ".md")
			var perr Errors
			if errors.As(err, &perr) {
				errs = append(errs, perr...)
				// The file exists: its twin and the articles that link to
				// it are not reported for it, only its own errors.
				broken[lang+"/"+want] = true
				continue
			}
			if a.ID != want {
				errs.add(name, a.line["id"], "id %q does not match the file name %q", a.ID, want)
				broken[lang+"/"+want] = true
				continue
			}
			if a.Lang != lang {
				errs.add(name, a.line["lang"], "lang %q but the file is in %s/", a.Lang, lang)
				broken[lang+"/"+want] = true
				continue
			}
			k.articles[lang][a.ID] = a
		}
		for _, f := range []struct {
			pattern, what string
			into          map[string]string
		}{{disclaimerFn, "disclaimer", k.disclaimer}, {handoffFn, "hand-off text", k.handoff}} {
			name := fmt.Sprintf(f.pattern, lang)
			data, err := readLimited(fsys, name, maxFileBytes)
			tooBig := (*fileTooBig)(nil)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				errs.add(name, 0, "missing %s for %s", f.what, lang)
			case errors.As(err, &tooBig):
				errs.add(name, 0, "%s", tooBig.Error())
			case err != nil:
				return nil, fmt.Errorf("read %s: %w", f.what, err)
			case strings.TrimSpace(string(data)) == "":
				errs.add(name, 1, "%s is empty", f.what)
			default:
				f.into[lang] = strings.TrimSpace(string(data))
				track(name, data)
			}
		}
	}
	tooBig := (*fileTooBig)(nil)
	if data, err := readLimited(fsys, SynonymsFile, maxListBytes); err == nil {
		track(SynonymsFile, data)
		k.synonyms = parseSynonyms(string(data), &errs)
	} else if errors.As(err, &tooBig) {
		errs.add(SynonymsFile, 0, "%s", tooBig.Error())
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read synonyms: %w", err)
	}
	if data, err := readLimited(fsys, WordsFile, maxListBytes); err == nil {
		track(WordsFile, data)
		k.words = parseWords(string(data), &errs)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read words: %w", err)
	}
	if data, err := readLimited(fsys, ScopeFile, maxListBytes); err == nil {
		track(ScopeFile, data)
		k.scope = parseScope(string(data), &errs)
	} else if errors.As(err, &tooBig) {
		errs.add(ScopeFile, 0, "%s", tooBig.Error())
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read scope: %w", err)
	}
	k.crossCheck(&errs, broken)
	if err := errs.err(); err != nil {
		return nil, err
	}
	k.hash = hex.EncodeToString(h.Sum(nil))
	k.src = fsys
	return k, nil
}

// crossCheck checks the rules between articles. broken holds "lang/id" of
// article files that exist but did not parse: their own errors are
// reported, not a missing twin or a dangling link because of them.
func (k *KB) crossCheck(errs *Errors, broken map[string]bool) {
	zh, en := k.articles["zh"], k.articles["en"]
	for id, a := range zh {
		if _, ok := en[id]; !ok && !broken["en/"+id] {
			errs.add(a.File, a.line["id"], "missing language twin en/%s.md", id)
		}
	}
	for id, a := range en {
		if _, ok := zh[id]; !ok && !broken["zh/"+id] {
			errs.add(a.File, a.line["id"], "missing language twin zh/%s.md", id)
		}
	}
	for _, lang := range Languages {
		seen := map[string]string{} // normalised question → article id
		for _, a := range k.sorted(lang) {
			for _, r := range a.Related {
				if _, ok := k.articles[lang][r]; !ok && !broken[lang+"/"+r] {
					errs.add(a.File, a.line["related"], "related id %q does not exist", r)
				}
			}
			phrasings := append([]string{a.Title}, a.Questions...)
			for i, q := range phrasings {
				key := QuestionKey(q)
				if other, dup := seen[key]; dup {
					line := a.line["questions"]
					if i == 0 {
						line = a.line["title"]
					}
					if other == a.ID {
						errs.add(a.File, line, "question %q is listed twice", q)
					} else {
						errs.add(a.File, line, "question %q is also in article %s", q, other)
					}
					continue
				}
				seen[key] = a.ID
			}
		}
	}
	for id := range zh {
		if _, ok := en[id]; ok {
			k.ids = append(k.ids, id)
		}
	}
	sort.Strings(k.ids)
}

// QuestionKey folds case, spaces and punctuation so near-identical questions
// count as duplicates.
func QuestionKey(q string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(q) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (k *KB) sorted(lang string) []*Article {
	out := make([]*Article, 0, len(k.articles[lang]))
	for _, a := range k.articles[lang] {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// IDs returns the ids present in both languages, sorted.
func (k *KB) IDs() []string { return k.ids }

// Articles returns the articles of one language sorted by id.
func (k *KB) Articles(lang string) []*Article { return k.sorted(lang) }

// Article returns one article.
func (k *KB) Article(lang, id string) (*Article, bool) {
	a, ok := k.articles[lang][id]
	return a, ok
}

// Disclaimer returns the standard disclaimer in lang.
func (k *KB) Disclaimer(lang string) string { return k.disclaimer[lang] }

// Handoff returns the curated text that says where to ask a person (the
// 12393 hotline, the local medical insurance bureau, the national platform),
// in lang: the end of every "unsure" reply.
func (k *KB) Handoff(lang string) string { return k.handoff[lang] }

// Synonyms returns the synonym groups: each a list of interchangeable terms.
func (k *KB) Synonyms() [][]string { return k.synonyms }

// Hash identifies the content the knowledge base was loaded from: an index
// built from other content is rebuilt.
func (k *KB) Hash() string { return k.hash }

// maxListBytes bounds synonyms.txt and scope.txt (today some kB each).
const maxListBytes = 1 << 20

// fileTooBig is readLimited's error for a file over its limit.
type fileTooBig struct{ size, limit int64 }

func (e *fileTooBig) Error() string {
	return fmt.Sprintf("file is %d bytes, over the %d limit", e.size, e.limit)
}

// readLimited reads a content file of at most limit bytes. Its size is
// checked before it is read (a 24 MB article costs a stat, not 24 MB), and
// at most limit+1 bytes are read in any case (a file that grows meanwhile,
// or whose size the file system does not say).
func readLimited(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
		return nil, &fileTooBig{size: fi.Size(), limit: limit}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &fileTooBig{size: int64(len(data)), limit: limit}
	}
	return data, nil
}

// WriteSnapshot copies the content files the knowledge base was loaded from
// into dir, so an index on disk carries the content it was built from.
func (k *KB) WriteSnapshot(dir string) error {
	for _, name := range k.files {
		data, err := fs.ReadFile(k.src, name)
		if err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return fmt.Errorf("snapshot: %w", err)
		}
	}
	return nil
}

// Scope returns the in- and out-of-scope terms.
func (k *KB) Scope() Scope { return k.scope }

func parseScope(text string, errs *Errors) Scope {
	var sc Scope
	seen := map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sign, term := line[:1], strings.TrimSpace(line[1:])
		if (sign != "+" && sign != "-") || term == "" {
			errs.add(ScopeFile, i+1, "want \"+ term\" (in scope) or \"- term\" (out of scope)")
			continue
		}
		if prev, dup := seen[strings.ToLower(term)]; dup {
			errs.add(ScopeFile, i+1, "term %q is already on line %d", term, prev)
			continue
		}
		seen[strings.ToLower(term)] = i + 1
		if sign == "+" {
			sc.In = append(sc.In, term)
		} else {
			sc.Out = append(sc.Out, term)
		}
	}
	return sc
}

func parseSynonyms(text string, errs *Errors) [][]string {
	var groups [][]string
	where := map[string]int{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var g []string
		for _, t := range strings.Split(line, "=") {
			t = strings.TrimSpace(t)
			if t == "" {
				continue
			}
			if prev, ok := where[strings.ToLower(t)]; ok {
				errs.add(SynonymsFile, i+1, "term %q is already in the group on line %d", t, prev)
				continue
			}
			where[strings.ToLower(t)] = i + 1
			g = append(g, t)
		}
		if len(g) < 2 {
			errs.add(SynonymsFile, i+1, "a synonym group needs at least two terms separated by \"=\"")
			continue
		}
		groups = append(groups, g)
	}
	return groups
}

// parsed is one article file read and parsed (readAndParse).
type parsed struct {
	data     []byte
	err      error // reading
	a        *Article
	parseErr error
}

// readAndParse reads and parses the article files names, several at a
// time (at 5,000 articles, parsing their front matter was most of a
// start); Load then takes the results in order, as if it had read them one
// by one.
func readAndParse(fsys fs.FS, names []string) []parsed {
	out := make([]parsed, len(names))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(names)/16)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(names); i = int(next.Add(1) - 1) {
				r := &out[i]
				if r.data, r.err = readLimited(fsys, names[i], maxFileBytes); r.err == nil {
					r.a, r.parseErr = Parse(names[i], r.data)
				}
			}
		})
	}
	wg.Wait()
	return out
}
