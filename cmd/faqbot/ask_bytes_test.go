package main

import (
	"strings"
	"testing"
)

// TestAskInvalidBytes: `faqbot ask` with 1,100 bytes of 0xF0 (over the
// 1,024-byte question limit) answers politely instead of panicking in
// bot.Clean.
func TestAskInvalidBytes(t *testing.T) {
	junk := strings.Repeat("\xf0", 1100)
	out, _, err := runCmd(t, junk+"\n", "ask")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); len(lines) != 1 || lines[0] == "" {
		t.Errorf("output %q, want one reply line", out)
	}
	if _, _, err := runCmd(t, "", "ask", "-json", junk); err != nil {
		t.Fatal(err)
	}
}
