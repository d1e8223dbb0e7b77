package bot

import (
	"context"
	"sync"
	"testing"

	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

var (
	sharedOnce sync.Once
	sharedIx   *index.Index
	sharedErr  error
)

// testIndex is the embedded content's in-memory index, built once per test binary.
func testIndex(t testing.TB) *index.Index {
	t.Helper()
	sharedOnce.Do(func() {
		k, err := kb.Load(content.FS)
		if err != nil {
			sharedErr = err
			return
		}
		sharedIx, sharedErr = index.Build(context.Background(), k, "")
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedIx
}

// newTestEngine answers from the real embedded content.
func newTestEngine(t testing.TB, d Deps) *Engine {
	return NewEngine(testIndex(t), DefaultOptions, d)
}
