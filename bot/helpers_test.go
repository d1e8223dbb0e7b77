package bot

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
	"faqbot/kb/state"
)

// update rewrites golden files: go test ./bot -update
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

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

// newTestStore opens a real bbolt state store in a temporary directory and
// checks its consistency when the test ends.
func newTestStore(t testing.TB) *state.Store {
	t.Helper()
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Check(); err != nil {
			t.Errorf("state store inconsistent: %v", err)
		}
		st.Close()
	})
	return st
}

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run %s -update to create it)", err, t.Name())
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
