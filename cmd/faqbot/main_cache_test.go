package main

import (
	"os"
	"testing"
)

// TestMain keeps the search data the commands cache in a directory of the
// test run's own: built by the first test that asks, loaded by the others.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "faqbot-cache-")
	if err == nil {
		os.Setenv("FAQBOT_CACHE", dir)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
