package index

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"faqbot/content"
	"faqbot/kb"
)

// TestLiveSwapAndClose: searches during swaps never fail, and a search after
// Close returns ErrClosed instead of hanging.
func TestLiveSwapAndClose(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	build := func() *Index {
		ix, err := Build(context.Background(), k, "")
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	l := NewLive(build())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if hits, err := l.Search(context.Background(), "医保卡丢了", "zh", 1); err != nil || len(hits) == 0 {
					t.Errorf("search during swap: %v %v", hits, err)
					return
				}
			}
		}()
	}
	swaps := 5
	if testing.Short() {
		swaps = 2
	}
	for range swaps {
		if err := l.Swap(build()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	l.Close()
	done := make(chan error, 1)
	go func() { _, err := l.Search(context.Background(), "医保", "zh", 1); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("search after Close: %v, want ErrClosed", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("search after Close hangs")
	}
}
