package index

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"faqbot/content"
	"faqbot/kb"
)

func TestOpenOrBuildReuses(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ix, built, err := OpenOrBuild(context.Background(), k, dir)
	if err != nil || !built {
		t.Fatalf("first open: built=%v err=%v", built, err)
	}
	ix.Close()
	start := time.Now()
	ix, built, err = OpenOrBuild(context.Background(), k, dir)
	if err != nil || built {
		t.Fatalf("second open: built=%v err=%v, want reuse", built, err)
	}
	defer ix.Close()
	t.Logf("reopened the on-disk index in %s", time.Since(start))
	hits, err := ix.Search(context.Background(), "医保卡丢了", "zh", 1)
	if err != nil || len(hits) == 0 || hits[0].ID != "lost-card" {
		t.Errorf("reopened index answers %+v %v", hits, err)
	}
}

// TestOpenLocked: a second OpenOrBuild on a data directory whose index is
// held open (a second server on the same -data) fails with ErrLocked
// within seconds instead of waiting for the lock for ever, and builds
// nothing beside the live index.
func TestOpenLocked(t *testing.T) {
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ix, _, err := OpenOrBuild(context.Background(), k, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	gens, _ := filepath.Glob(filepath.Join(dir, "index", "gen-*"))
	start := time.Now()
	second, built, err := OpenOrBuild(context.Background(), k, dir)
	took := time.Since(start)
	if err == nil {
		second.Close()
	}
	if !errors.Is(err, ErrLocked) || built {
		t.Fatalf("second open: built=%v err=%v, want ErrLocked", built, err)
	}
	if took > 5*time.Second {
		t.Errorf("second open failed after %s, want within seconds", took)
	}
	if after, _ := filepath.Glob(filepath.Join(dir, "index", "gen-*")); len(after) != len(gens) {
		t.Errorf("generations %v after a refused open, want %v", after, gens)
	}
	t.Logf("second open refused after %s: %v", took.Round(time.Millisecond), err)
}

// TestCrashDuringReindex kills (SIGKILL) a process that rebuilds the index in
// a loop, at random moments, and checks each time that what is on disk opens
// and answers: the previous or the new index, never a broken one.
func TestCrashDuringReindex(t *testing.T) {
	if dir := os.Getenv("FAQBOT_CRASH_CHILD"); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	k, err := kb.Load(content.FS)
	if err != nil {
		t.Fatal(err)
	}
	rounds := 6
	if testing.Short() {
		rounds = 2
	}
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDuringReindex$")
		cmd.Env = append(os.Environ(), "FAQBOT_CRASH_CHILD="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Once a first build is current (a build takes seconds on a busy
		// machine), at a random moment of the next ones.
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(filepath.Join(dir, indexDir, currentFile)); err == nil {
				break
			}
		}
		time.Sleep(time.Duration(rand.IntN(1500)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()

		cur, err := OpenCurrent(dir)
		if err == ErrNoIndex {
			t.Logf("round %d: killed before the first build finished", round)
			continue
		}
		if err != nil {
			t.Fatalf("round %d: index broken after kill -9: %v", round, err)
		}
		hits, err := cur.Search(context.Background(), "异地就医备案怎么办理", "zh", 1)
		cur.Close()
		if err != nil || len(hits) == 0 || hits[0].ID != "remote-filing" {
			t.Fatalf("round %d: index after kill -9 answers %+v %v", round, hits, err)
		}
		ix, _, err := OpenOrBuild(context.Background(), k, dir)
		if err != nil {
			t.Fatalf("round %d: restart after kill -9: %v", round, err)
		}
		ix.Close()
		gens, _ := filepath.Glob(filepath.Join(dir, indexDir, "gen-*"))
		if len(gens) != 1 {
			t.Errorf("round %d: %d generations left after restart, want 1", round, len(gens))
		}
	}
}

func crashChild(dir string) {
	k, err := kb.Load(content.FS)
	if err != nil {
		os.Exit(3)
	}
	for {
		ix, err := BuildOnDisk(context.Background(), k, dir)
		if err != nil {
			os.Exit(4)
		}
		ix.Close()
	}
}
