package main

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"faqbot/bot/bottest"
)

func TestLoggerBuffersInfoAndFlushesWarnings(t *testing.T) {
	t.Parallel()
	var out bottest.LogBuffer
	log, flush := newLogger(&config{LogLevel: "info"}, &out)
	log.Info("question", "n", 1)
	if got := out.String(); got != "" {
		t.Fatalf("an info line was written at once, want it held for up to %v: %q", logFlushDelay, got)
	}
	log.With("front", "web").Warn("trouble")
	got := out.String()
	if !strings.Contains(got, `"msg":"question"`) || !strings.Contains(got, `"msg":"trouble"`) || !strings.Contains(got, `"front":"web"`) {
		t.Fatalf("a warning did not write itself and what was held before it: %q", got)
	}
	log.Debug("hidden")
	log.Info("later")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), `"msg":"later"`) {
		if time.Now().After(deadline) {
			t.Fatalf("an info line was not written %v after it was logged", 5*time.Second)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if strings.Contains(out.String(), "hidden") {
		t.Error("the level was not applied")
	}
	log.Info("last")
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "\"msg\":\"last\"}\n") {
		t.Errorf("flush did not write the held line: %q", out.String())
	}
}

// TestLogBufferKeepsLinesWhole logs from many goroutines past the buffer's
// size: every line must come out whole, each exactly once.
func TestLogBufferKeepsLinesWhole(t *testing.T) {
	t.Parallel()
	var out bottest.LogBuffer
	log, flush := newLogger(&config{LogLevel: "info"}, &out)
	const writers, each = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				log.Info("question", "w", w, "i", i, "pad", strings.Repeat("字", 40))
			}
		})
	}
	wg.Wait()
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	seen := map[[2]int]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		var rec struct{ W, I int }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("broken line %q: %v", line, err)
		}
		k := [2]int{rec.W, rec.I}
		if seen[k] {
			t.Fatalf("line %v written twice", k)
		}
		seen[k] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d lines came out, want %d", len(seen), writers*each)
	}
}
