package state

import (
	"crypto/rand"
	"encoding/hex"
	"syscall"
	"testing"
	"time"

	"faqbot/kb"
)

// BenchmarkFlushBehind is one background batch under load: 300 questions'
// log entries and conversation contexts (new users: random keys) written
// into a store already holding 50,000 contexts.
func BenchmarkFlushBehind(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	key := func() string {
		var r [16]byte
		rand.Read(r[:])
		return hex.EncodeToString(r[:])
	}
	val := []byte(`{"id":"lost-card","lang":"zh","subject":"医保卡丢了怎么办 补办要多久"}`)
	for range 50 {
		for range 1000 {
			s.PutTempBehind("convo", key(), val, time.Hour)
		}
		if err := s.FlushLog(); err != nil {
			b.Fatal(err)
		}
	}
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var used time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for range 300 {
			s.PutTempBehind("convo", key(), val, time.Hour)
			s.RecordQuestion(kb.LogEntry{Channel: "api", Lang: "zh", Question: "医保卡丢了怎么办", ID: "lost-card", Score: 0.9})
		}
		b.StartTimer()
		c0 := cpu()
		if err := s.FlushLog(); err != nil {
			b.Fatal(err)
		}
		used += cpu() - c0
	}
	b.ReportMetric(float64(used.Microseconds())/float64(b.N), "cpu-µs/op")
}
