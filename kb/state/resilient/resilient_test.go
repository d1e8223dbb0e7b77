package resilient_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"faqbot/kb"
	"faqbot/kb/state"
	"faqbot/kb/state/resilient"
	"faqbot/kb/state/statetest"
)

// flaky is a bbolt store that fails every call while down is set.
type flaky struct {
	*state.Store
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (f *flaky) UserLang(u string) (string, error) {
	if f.down.Load() {
		return "", errDown
	}
	return f.Store.UserLang(u)
}
func (f *flaky) SetUserLang(u, l string) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.SetUserLang(u, l)
}
func (f *flaky) PutTemp(k, key string, v []byte, ttl time.Duration) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.PutTemp(k, key, v, ttl)
}
func (f *flaky) GetTemp(k, key string) ([]byte, bool, error) {
	if f.down.Load() {
		return nil, false, errDown
	}
	return f.Store.GetTemp(k, key)
}
func (f *flaky) ClaimTemp(k, key string, v []byte, ttl time.Duration) (bool, []byte, error) {
	if f.down.Load() {
		return false, nil, errDown
	}
	return f.Store.ClaimTemp(k, key, v, ttl)
}
func (f *flaky) RecordVote(v kb.Vote) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.RecordVote(v)
}

func open(t *testing.T) (*flaky, *resilient.Store, *counter) {
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &flaky{Store: st}
	c := &counter{ops: map[string]int{}}
	s := resilient.New(f, resilient.Options{OnError: c.add, RetryEvery: 20 * time.Millisecond})
	return f, s, c
}

type counter struct {
	mu  sync.Mutex
	ops map[string]int
}

func (c *counter) add(op string, err error) {
	c.mu.Lock()
	c.ops[op]++
	c.mu.Unlock()
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.ops {
		n += v
	}
	return n
}

// TestConformance: healthy, the wrapper is invisible.
func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) statetest.Store { _, s, _ := open(t); return s })
}

func TestOutage(t *testing.T) {
	f, s, c := open(t)
	defer s.Close()
	u1, u2 := s.HashUser("wx:1"), s.HashUser("wx:2")
	s.SetUserLang(u1, "en")
	f.down.Store(true)

	if l, err := s.UserLang(u1); l != "" || err != nil {
		t.Errorf("UserLang during outage = %q %v, want the default without error", l, err)
	}
	if err := s.SetUserLang(u2, "en"); err != nil {
		t.Errorf("SetUserLang during outage: %v", err)
	}
	if l, _ := s.UserLang(u2); l != "en" {
		t.Errorf("choice made during outage not honoured: %q", l)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if ok, _, err := s.ClaimTemp("telegram-update", "7", []byte("x"), time.Minute); ok && err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d of 20 claims won in memory, want 1", wins.Load())
	}
	if err := s.PutTemp("wechat-msg", "m", []byte("reply"), time.Minute); err != nil {
		t.Error(err)
	}
	if v, ok, err := s.GetTemp("wechat-msg", "m"); !ok || err != nil || string(v) != "reply" {
		t.Errorf("GetTemp from memory = %q %v %v", v, ok, err)
	}
	if err := s.RecordVote(kb.Vote{UserHash: u2, Article: "lost-card", Lang: "en", Channel: "wechat", Up: true}); err != nil {
		t.Error(err)
	}
	if err := s.RecordVote(kb.Vote{UserHash: u2, Article: "a/b"}); !errors.Is(err, kb.ErrBadVote) {
		t.Errorf("bad vote during outage: %v", err)
	}
	if v, l := s.Queued(); v != 1 || l != 1 {
		t.Errorf("queued %d votes, %d languages", v, l)
	}
	if !s.Degraded() || c.total() == 0 {
		t.Errorf("degraded %v, %d errors counted", s.Degraded(), c.total())
	}
	// While paused, the backend is not called: a question costs nothing.
	start := time.Now()
	for range 1000 {
		s.UserLang(u1)
	}
	if took := time.Since(start); took > 50*time.Millisecond {
		t.Errorf("1000 UserLang during outage took %s", took)
	}

	f.down.Store(false)
	deadline := time.Now().Add(15 * time.Second)
	for {
		v, l := s.Queued()
		if v+l == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still queued after recovery: %d votes, %d languages", v, l)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if l, _ := f.Store.UserLang(u2); l != "en" {
		t.Errorf("language chosen during outage not written: %q", l)
	}
	n := 0
	f.Store.Votes(time.Time{}, func(kb.Vote) error { n++; return nil })
	if n != 1 {
		t.Errorf("%d votes written after recovery, want 1", n)
	}
	if l, _ := s.UserLang(u1); l != "en" {
		t.Errorf("after recovery UserLang = %q", l)
	}
	// The claim made in memory still holds in this replica.
	if ok, _, _ := s.ClaimTemp("telegram-update", "7", nil, time.Minute); ok {
		t.Error("claim made during the outage forgotten")
	}
}
