package bot

import "testing"

// NewTestEngine is newTestEngine for the external tests (bot_test), which
// can use bottest.
func NewTestEngine(t testing.TB, d Deps) *Engine { return newTestEngine(t, d) }

// NewTestEngineOpts is NewTestEngine with options.
func NewTestEngineOpts(t testing.TB, o Options, d Deps) *Engine { return NewEngine(testIndex(t), o, d) }
