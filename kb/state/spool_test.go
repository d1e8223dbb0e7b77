package state

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
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

// TestSpoolSurvivesKill: a process appending votes from 8 goroutines is
// killed (SIGKILL) at a random moment, three times; every vote whose Append
// had returned (the child prints its user once it has) is in the spool when
// it is opened again.
func TestSpoolSurvivesKill(t *testing.T) {
	if dir := os.Getenv("FAQBOT_SPOOL_CHILD"); dir != "" {
		spoolChild(dir, os.Getenv("FAQBOT_SPOOL_ROUND"))
		return
	}
	dir := t.TempDir()
	acked := map[string]bool{}
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestSpoolSurvivesKill$")
		cmd.Env = append(os.Environ(), "FAQBOT_SPOOL_CHILD="+dir, fmt.Sprint("FAQBOT_SPOOL_ROUND=", round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		kill := time.After(time.Duration(300+rand.IntN(700)) * time.Millisecond)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				if u, ok := strings.CutPrefix(l, "acked "); ok {
					acked[u] = true
				}
			case <-kill:
				cmd.Process.Signal(syscall.SIGKILL)
				kill = nil
			}
		}
		cmd.Wait()
		sp, err := OpenSpool(dir, 0)
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		votes, _, err := sp.Peek(1 << 30)
		sp.Close()
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, v := range votes {
			have[v.UserHash] = true
		}
		lost := 0
		for u := range acked {
			if !have[u] {
				lost++
			}
		}
		t.Logf("round %d: %d votes acknowledged so far, %d in the spool, %d lost", round, len(acked), len(have), lost)
		if lost > 0 {
			t.Fatalf("round %d: %d acknowledged votes lost to kill -9", round, lost)
		}
	}
}

// spoolChild appends votes until killed, printing each user once its
// Append has returned.
func spoolChild(dir, round string) {
	sp, err := OpenSpool(dir, 0)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				u := fmt.Sprintf("r%s-w%d-%d", round, w, i)
				if err := sp.Append(kb.Vote{UserHash: u, Article: "lost-card", Lang: "zh", Channel: "api", Up: true, Time: time.Now()}); err != nil {
					fmt.Println("append:", err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Println("acked " + u)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
