package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestLogRepeatsLimited: 1,000 identical WARN lines (a bad admin token
// tried in a loop) write 5; the per-question line is never limited; once
// the window has passed the message is logged again with how many were
// dropped; the drops are counted for /metrics.
func TestLogRepeatsLimited(t *testing.T) {
	var out bytes.Buffer
	log, flush := newLogger(&config{LogLevel: "info"}, &out)
	lim := log.Handler().(limitHandler).lim
	now := time.Now()
	lim.now = func() time.Time { return now }
	for range 1000 {
		log.Warn("admin", "path", "/admin/stats", "err", "bad token")
	}
	for range 100 {
		log.Info("question", "channel", "api")
	}
	log.Error("query log write failed", "err", "no space left on device")
	now = now.Add(logWindow)
	log.Warn("admin", "path", "/admin/stats", "err", "bad token")
	flush()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	counts := map[string]int{}
	var last map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		counts[m["msg"].(string)]++
		if m["msg"] == "admin" {
			last = m
		}
	}
	if counts["admin"] != logBurst+1 || counts["question"] != 100 || counts["query log write failed"] != 1 {
		t.Errorf("lines by message %v, want %d admin, 100 question, 1 error", counts, logBurst+1)
	}
	if last["suppressed"] != float64(1000-logBurst) {
		t.Errorf("the admin line after the window says suppressed=%v, want %d", last["suppressed"], 1000-logBurst)
	}
	reg := prometheus.NewRegistry()
	registerLogMetrics(reg, lim)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			got[mf.GetName()+"/"+m.GetLabel()[0].GetValue()] = m.GetCounter().GetValue()
		}
	}
	if got["faqbot_log_lines_suppressed_total/warn"] != 1000-logBurst || got["faqbot_log_lines_suppressed_total/info"] != 0 {
		t.Errorf("metrics %v", got)
	}
}
