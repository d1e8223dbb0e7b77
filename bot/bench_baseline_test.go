package bot

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"

	"faqbot/content"
	"faqbot/kb"
)

// BenchmarkBleveDefault is the baseline the issue measures faqbot against:
// Bleve out of the box (NewMemOnly, the default mapping, a MatchQuery) on
// the same articles, asked the same questions one at a time. Run it in the
// same `go test -bench` as BenchmarkAsk and compare the p50/p99 ratios.
func BenchmarkBleveDefault(b *testing.B) {
	bi, err := bleve.NewMemOnly(bleve.NewIndexMapping())
	if err != nil {
		b.Fatal(err)
	}
	benchBleve(b, bi)
}

// BenchmarkBleveOnDisk is Bleve's other out-of-the-box index: bleve.New on
// a directory, whose default index type is scorch.
func BenchmarkBleveOnDisk(b *testing.B) {
	bi, err := bleve.New(filepath.Join(b.TempDir(), "bleve"), bleve.NewIndexMapping())
	if err != nil {
		b.Fatal(err)
	}
	benchBleve(b, bi)
}

// benchBleve indexes the articles into bi, one document each, and asks the
// questions as match queries.
func benchBleve(b *testing.B, bi bleve.Index) {
	defer bi.Close()
	k, err := kb.Load(content.FS)
	if err != nil {
		b.Fatal(err)
	}
	batch := bi.NewBatch() // one batch: scorch makes one segment of it
	for _, lang := range kb.Languages {
		for _, a := range k.Articles(lang) {
			var text strings.Builder
			text.WriteString(a.Title + "\n" + strings.Join(a.Questions, "\n") + "\n")
			for _, p := range a.Passages() {
				text.WriteString(p.Heading + "\n" + p.Body + "\n")
			}
			if err := batch.Index(lang+"/"+a.ID, map[string]any{"text": text.String()}); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := bi.Batch(batch); err != nil {
		b.Fatal(err)
	}
	qs := benchQuestions(b)
	lat := make([]time.Duration, 0, b.N)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		req := bleve.NewSearchRequest(bleve.NewMatchQuery(qs[i%len(qs)]))
		if _, err := bi.SearchInContext(ctx, req); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkAskCached: the same questions asked again and again, answered
// from the answer cache (serve's configuration).
func BenchmarkAskCached(b *testing.B) {
	opts := DefaultOptions
	opts.CacheSize = DefaultCacheSize
	benchAsk(b, NewEngine(testIndex(b), opts, Deps{}), benchQuestions(b))
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e6 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
