package bot

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"

	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

var cacheQuestions = []string{"医保卡丢了怎么办", "醫保卡丟了怎麼辦", "异地就医怎么备案", "What does 甲类药品 mean?",
	"I lost my insurance card", "我头疼吃什么药", "公积金怎么提取", "你好", "", "生孩子医保能报销多少"}

// TestCacheHitIdentical: a cached answer is the answer the engine gives
// without a cache, every time it is served (also after the caller changed
// the first copy), in every reply language and with alternatives asked for.
func TestCacheHitIdentical(t *testing.T) {
	ctx := context.Background()
	live := index.NewLive(testIndex(t))
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	plain := NewEngine(live, DefaultOptions, Deps{})
	opts := DefaultOptions
	opts.CacheSize = 64
	cached := NewEngine(live, opts, Deps{Metrics: m})
	lookups := 0
	for _, q := range cacheQuestions {
		for _, lang := range []string{"", "zh", "en"} {
			for _, alts := range []int{0, 1} {
				qq := Question{Text: q, Lang: lang, Alternatives: alts}
				want, wd, err := plain.Decide(ctx, qq)
				if err != nil {
					t.Fatal(err)
				}
				for i := range 3 {
					got, gd, err := cached.Decide(ctx, qq)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gd, wd) {
						t.Fatalf("%q %s %d, ask %d: cached %+v\nwant %+v", q, lang, alts, i, got, want)
					}
					if len(got.Alternatives) > 0 {
						got.Alternatives[0].Title = "changed by the caller"
					}
				}
				if Clean(q, opts.MaxQuestionBytes) != "" && !newLexicon(testIndex(t).KB()).greeting(q) {
					lookups += 3
				}
			}
		}
	}
	hits, misses := cacheCount(t, reg, "hit"), cacheCount(t, reg, "miss")
	// Reply language "" is the detected one: the same key as naming it.
	if hits+misses != float64(lookups) || misses == 0 || hits < 2*misses {
		t.Errorf("hits %v misses %v, want %d lookups, at most a third of them misses", hits, misses, lookups)
	}
	if n := cached.cache.Len(); float64(n) != misses {
		t.Errorf("%d entries, %v misses", n, misses)
	}
}

// TestCacheBounded: the least recently asked question goes first.
func TestCacheBounded(t *testing.T) {
	ctx := context.Background()
	opts := DefaultOptions
	opts.CacheSize = 3
	e := NewEngine(testIndex(t), opts, Deps{})
	for _, q := range []string{"医保卡丢了怎么办", "异地就医怎么备案", "医保卡丢了怎么办", "生孩子医保能报销多少", "灵活就业怎么交医保"} {
		if _, err := e.Ask(ctx, Question{Text: q}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []string
	for el := e.cache.lru.Front(); el != nil; el = el.Next() {
		keys = append(keys, el.Value.(cacheEntry).a.Question)
	}
	if want := []string{"灵活就业怎么交医保", "生孩子医保能报销多少", "医保卡丢了怎么办"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("cache holds %q, want %q", keys, want)
	}
}

// TestCacheDroppedOnReindex: a swap of the live index empties the cache, and
// the answer then comes from the new content.
func TestCacheDroppedOnReindex(t *testing.T) {
	ctx := context.Background()
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	ix1, err := index.Build(ctx, k, "")
	if err != nil {
		t.Fatal(err)
	}
	live := index.NewLive(ix1)
	defer live.Close()
	opts := DefaultOptions
	opts.CacheSize = 16
	e := NewEngine(live, opts, Deps{})
	q := Question{Text: "医保卡丢了怎么办"}
	a1, err := e.Ask(ctx, q)
	if err != nil || !a1.Answered {
		t.Fatal(a1, err)
	}
	if e.cache.Len() != 1 {
		t.Fatalf("%d entries", e.cache.Len())
	}
	// New content: the answering article renamed.
	fsys := contentWith(t, "zh/"+a1.ID+".md", func(s string) string { return strings.Replace(s, "title: ", "title: 新标题 ", 1) })
	k2, err := kb.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	ix2, err := index.Build(ctx, k2, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Swap(ix2); err != nil {
		t.Fatal(err)
	}
	a2, err := e.Ask(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if a2.Title == a1.Title || !strings.HasPrefix(a2.Title, "新标题") {
		t.Errorf("after the reindex: title %q (before %q)", a2.Title, a1.Title)
	}
	if e.cache.Len() != 1 || e.cache.gen != ix2 {
		t.Errorf("cache not emptied on swap: %d entries", e.cache.Len())
	}
}

// TestCacheConversation: the conversation context is part of the key, and
// a conversation answered from the cache is the one answered without it,
// turn by turn (the context each turn leaves is replayed on a hit).
func TestCacheConversation(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile("testdata/followups.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var pairs [][2]string
	for _, line := range strings.Split(string(data), "\n") {
		if cols := strings.Split(line, "\t"); len(cols) >= 3 && !strings.HasPrefix(line, "#") {
			pairs = append(pairs, [2]string{cols[0], cols[1]})
		}
	}
	if len(pairs) < 10 {
		t.Fatalf("%d follow-up pairs", len(pairs))
	}
	live := index.NewLive(testIndex(t))
	plain := NewEngine(live, DefaultOptions, Deps{Memory: NewMemory()})
	opts := DefaultOptions
	opts.CacheSize = 4096
	cached := NewEngine(live, opts, Deps{Memory: NewMemory()})
	withContext := 0
	// Two rounds under new user names: the second is answered from the cache.
	for round := range 2 {
		for i, p := range pairs {
			user := fmt.Sprintf("r%d-u%d", round, i)
			// A third turn repeats the follow-up: its context is the one the
			// second turn left (replayed from the cache in round 2).
			for turn, text := range []string{p[0], p[1], p[1]} {
				q := Question{Text: text, User: user, Channel: "test"}
				want, err := plain.Ask(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got, err := cached.Ask(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d pair %d turn %d %q: cached %+v\nwant %+v", round, i, turn, text, got, want)
				}
				if want.Context != "" {
					withContext++
				}
			}
		}
	}
	if withContext == 0 {
		t.Error("no follow-up was read in context")
	}
	// The same follow-up with no context is another key.
	alone, err := cached.Ask(ctx, Question{Text: pairs[0][1], User: "new user", Channel: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if alone.Context != "" {
		t.Errorf("a follow-up with no context answered in one: %+v", alone)
	}
}

// TestCacheConcurrent: questions answered from many goroutines while the
// live index is swapped (run with -race).
func TestCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Build(ctx, k, "")
	if err != nil {
		t.Fatal(err)
	}
	live := index.NewLive(ix)
	defer live.Close()
	opts := DefaultOptions
	opts.CacheSize = 4
	e := NewEngine(live, opts, Deps{Memory: NewMemory(), Metrics: NewMetrics(prometheus.NewRegistry())})
	want := map[string]Answer{}
	for _, q := range cacheQuestions {
		a, err := NewEngine(live, DefaultOptions, Deps{}).Ask(ctx, Question{Text: q})
		if err != nil {
			t.Fatal(err)
		}
		want[q] = a
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				q := cacheQuestions[(g+i)%len(cacheQuestions)]
				user := ""
				if g%2 == 1 {
					user = fmt.Sprint("user", g)
				}
				a, err := e.Ask(ctx, Question{Text: q, User: user, Channel: "t"})
				if err != nil {
					t.Error(err)
					return
				}
				if user == "" && !reflect.DeepEqual(a, want[q]) {
					t.Errorf("%q: %+v, want %+v", q, a, want[q])
				}
			}
		})
	}
	ix2, err := index.Build(ctx, k, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Swap(ix2); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
}

// contentWith is the embedded content with the file at path edited.
func contentWith(t *testing.T, path string, edit func(string) string) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(content.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(content.FS, p)
		if err != nil {
			return err
		}
		if p == path {
			data = []byte(edit(string(data)))
		}
		m[p] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// cacheCount reads faqbot_answer_cache_total{result=...} from reg.
func cacheCount(t *testing.T, reg *prometheus.Registry, result string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "faqbot_answer_cache_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
