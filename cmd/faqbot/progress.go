package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress tells a person at a terminal what a long operation is doing:
// one line per stage on stderr, with how long it took. When stderr is not a
// terminal (CI, a log file, tests) it prints nothing, so logs stay clean.
type progress struct {
	w     io.Writer
	start time.Time
	open  bool // a stage line waits for its "done"
}

// newProgress returns nil (which prints nothing) unless w is a terminal.
func newProgress(w io.Writer) *progress {
	if !isTerminal(w) {
		return nil
	}
	return &progress{w: w}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// stage ends the previous stage and starts one: "faqbot: building the index…".
func (p *progress) stage(format string, args ...any) {
	if p == nil {
		return
	}
	p.done()
	fmt.Fprintf(p.w, "faqbot: "+format+"…", args...)
	p.start, p.open = time.Now(), true
}

// done ends the current stage with its duration.
func (p *progress) done() {
	if p == nil || !p.open {
		return
	}
	fmt.Fprintf(p.w, " %s\n", time.Since(p.start).Round(10*time.Millisecond))
	p.open = false
}
