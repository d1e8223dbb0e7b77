package state

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"faqbot/kb"
)

// TestSpool: votes come out oldest first, in batches, with their user
// hashes; what is removed is gone; what is not survives a reopen; a full
// spool refuses with kb.ErrBusy; a second process cannot open it.
func TestSpool(t *testing.T) {
	dir := t.TempDir()
	sp, err := OpenSpool(dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := kb.Vote{UserHash: fmt.Sprintf("u%03d", i), Article: "lost-card", Lang: "zh", Channel: "api", Up: i%2 == 0, Time: time.Unix(int64(1e9+i), 0)}
			if err := sp.Append(v); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := sp.Append(kb.Vote{UserHash: "x", Article: "a", Lang: "zh"}); !errors.Is(err, kb.ErrBusy) {
		t.Errorf("append to a full spool: %v, want kb.ErrBusy", err)
	}
	if sp.Len() != 100 {
		t.Errorf("Len %d, want 100", sp.Len())
	}
	if at, ok := sp.Oldest(); !ok || time.Since(at) > time.Minute {
		t.Errorf("Oldest %v %v", at, ok)
	}
	batch, last, err := sp.Peek(30)
	if err != nil || len(batch) != 30 {
		t.Fatalf("Peek: %d votes, %v", len(batch), err)
	}
	if batch[0].UserHash == "" || batch[0].Article != "lost-card" || batch[0].Time.IsZero() {
		t.Errorf("spooled vote came back as %+v", batch[0])
	}
	if err := sp.Remove(last); err != nil {
		t.Fatal(err)
	}
	if sp.Len() != 70 {
		t.Errorf("Len after removing 30: %d", sp.Len())
	}
	if _, err := OpenSpool(dir, 100); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: %v, want ErrLocked", err)
	}
	sp.Close()
	sp, err = OpenSpool(dir, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	rest, _, err := sp.Peek(1000)
	if err != nil || len(rest) != 70 || sp.Len() != 70 {
		t.Fatalf("after reopen: %d votes (Len %d), %v; want 70", len(rest), sp.Len(), err)
	}
	seen := map[string]bool{}
	for _, v := range append(batch, rest...) {
		if seen[v.UserHash] {
			t.Errorf("vote of %s twice", v.UserHash)
		}
		seen[v.UserHash] = true
	}
	if len(seen) != 100 {
		t.Errorf("%d distinct votes, want 100", len(seen))
	}
}
