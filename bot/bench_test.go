package bot

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"faqbot/content"
	"faqbot/index"
	"faqbot/internal/scale"
	"faqbot/kb"
)

// benchQuestions are the project's regression questions: colloquial, long,
// Traditional, English and off-topic, as people ask.
func benchQuestions(b testing.TB) []string {
	f, err := content.FS.Open("regression.tsv")
	if err != nil {
		b.Fatal(err)
	}
	cases, err := kb.ParseLabelled(f)
	if err != nil {
		b.Fatal(err)
	}
	qs := make([]string, len(cases))
	for i, c := range cases {
		qs[i] = c.Question
	}
	return qs
}

// benchAsk asks the questions round-robin and reports latency percentiles.
func benchAsk(b *testing.B, e *Engine, qs []string) {
	lat := make([]time.Duration, 0, b.N)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := e.Ask(ctx, Question{Text: qs[i%len(qs)]}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// BenchmarkAsk: the real content, in-memory index.
func BenchmarkAsk(b *testing.B) {
	benchAsk(b, newTestEngine(b, Deps{}), benchQuestions(b))
}

// BenchmarkAskDisk: the real content, on-disk index as `serve` uses it.
func BenchmarkAskDisk(b *testing.B) {
	k, err := kb.Load(content.FS)
	if err != nil {
		b.Fatal(err)
	}
	ix, err := index.BuildOnDisk(context.Background(), k, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	benchAsk(b, NewEngine(index.NewLive(ix), DefaultOptions, Deps{}), benchQuestions(b))
}

// BenchmarkSynthetic5000 builds a 5,000-article corpus (both languages) made
// by recombining the real articles' passages and questions, reports the
// build time, then asks the regression questions against it.
func BenchmarkSynthetic5000(b *testing.B) {
	fsys := syntheticContent(b, 5000)
	k, err := kb.Load(fsys)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	ix, err := index.Build(context.Background(), k, "")
	if err != nil {
		b.Fatal(err)
	}
	build := time.Since(start)
	defer ix.Close()
	docs, _ := ix.DocCount()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.Logf("synthetic corpus: %d articles × 2 languages, %d documents, built in %s; heap in use %.0f MiB, process RSS %s",
		len(k.IDs()), docs, build, float64(ms.HeapInuse)/(1<<20), rss())
	debug.FreeOSMemory() // what serve does after a build
	b.Logf("after debug.FreeOSMemory: process RSS %s", rss())
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	benchAsk(b, NewEngine(ix, DefaultOptions, Deps{}), benchQuestions(b))
	b.Logf("after the questions: process RSS %s", rss())
}

// BenchmarkCopies5040: 5,040 articles by the copy method (scale.Copies: the
// real articles copied under new ids), built on disk as `reindex` builds
// them, then opened as `serve` opens them after a restart (the stored
// search data loaded, not derived); reports the build and open times, the
// peak RSS of each, then asks the regression questions.
//
//	go test ./bot -run '^$' -bench Copies5040 -benchtime 1000x
func BenchmarkCopies5040(b *testing.B) {
	m, err := scale.Copies(content.FS, 5040)
	if err != nil {
		b.Fatal(err)
	}
	k, err := kb.Load(m)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	resetPeak()
	start := time.Now()
	ix, err := index.BuildOnDisk(context.Background(), k, dir)
	if err != nil {
		b.Fatal(err)
	}
	build, buildPeak := time.Since(start), peakRSS()
	ix.Close()
	ix = nil
	runtime.GC()
	debug.FreeOSMemory()
	resetPeak()
	start = time.Now()
	ix, built, err := index.OpenOrBuild(context.Background(), k, dir)
	if err != nil || built {
		b.Fatalf("reopen: built=%v %v", built, err)
	}
	open := time.Since(start)
	defer ix.Close()
	docs, _ := ix.DocCount()
	b.Logf("copies: %d articles × 2 languages, %d documents; built on disk in %s (peak RSS %s); opened in %s (peak RSS %s, RSS %s; the content's parsing is not in these)",
		len(k.IDs()), docs, build.Round(time.Millisecond), buildPeak, open.Round(time.Millisecond), peakRSS(), rss())
	b.ReportMetric(build.Seconds(), "build-s")
	b.ReportMetric(open.Seconds(), "open-s")
	benchAsk(b, NewEngine(index.NewLive(ix), DefaultOptions, Deps{}), benchQuestions(b))
	b.Logf("after the questions: process RSS %s", rss())
}

// peakRSS is the process's peak resident set since resetPeak (Linux; "?"
// elsewhere).
func peakRSS() string { return procStatus("VmHWM:") }

// resetPeak restarts the peak resident set (Linux: clear_refs 5).
func resetPeak() { os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// rss is the process's resident set as Linux reports it ("?" elsewhere).
func rss() string { return procStatus("VmRSS:") }

func procStatus(field string) string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, field); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func syntheticContent(b *testing.B, n int) fs.FS {
	real, err := kb.Load(content.FS)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	m := fstest.MapFS{}
	for _, f := range []string{"disclaimer.zh.txt", "disclaimer.en.txt", "handoff.zh.txt", "handoff.en.txt", "synonyms.txt", "scope.txt"} {
		data, _ := fs.ReadFile(content.FS, f)
		m[f] = &fstest.MapFile{Data: data}
	}
	for _, lang := range kb.Languages {
		src := real.Articles(lang)
		for i := range n {
			a, o := src[r.IntN(len(src))], src[r.IntN(len(src))]
			id := fmt.Sprintf("syn-%05d", i)
			var body strings.Builder
			body.WriteString(a.Lead + "\n")
			for _, s := range append(slices.Clone(a.Sections[:1]), o.Sections...) {
				body.WriteString("\n## " + s.Heading + "\n" + s.Body + "\n")
			}
			qs := fmt.Sprintf("  - %q\n  - %q\n", fmt.Sprintf("%s %d", a.Questions[0], i), fmt.Sprintf("%s %d", o.Questions[len(o.Questions)-1], i))
			related := fmt.Sprintf("syn-%05d", (i+1)%n)
			doc := fmt.Sprintf("---\nid: %s\nlang: %s\ntitle: %q\ntopic: %s\nquestions:\n%stags: [x]\nregion: %q\nupdated: %s\nsources: [seeds/000 synthetic]\nrelated: [%s]\n---\n%s",
				id, lang, fmt.Sprintf("%s %d", a.Title, i), a.Topic, qs, a.Region, a.Updated, related, body.String())
			m[lang+"/"+id+".md"] = &fstest.MapFile{Data: []byte(doc)}
		}
	}
	return m
}
