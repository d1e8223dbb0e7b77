package telegram

import (
	"sync"
	"time"
)

// flood is per-user flood control: a user gets at most limit requests in
// any window; the first one over gets a polite "slow down", the rest are
// ignored until the window has room again. Rejected requests do not count,
// so a flood is over one window after it started. In memory only: a restart
// forgives everyone.
type flood struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu    sync.Mutex
	users map[int64]*floodUser
	calls int
}

type floodUser struct {
	times  []time.Time // accepted requests inside the window, oldest first
	warned bool
	last   time.Time
}

func newFlood(limit int, window time.Duration) *flood {
	return &flood{limit: limit, window: window, now: time.Now, users: map[int64]*floodUser{}}
}

// allow reports whether the user's request is served, and when it is not,
// whether this is the one time to say "slow down".
func (f *flood) allow(user int64) (ok, warn bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	cutoff := now.Add(-f.window)
	if f.calls++; f.calls%512 == 0 {
		for id, u := range f.users {
			if u.last.Before(cutoff) {
				delete(f.users, id)
			}
		}
	}
	u := f.users[user]
	if u == nil {
		u = &floodUser{}
		f.users[user] = u
	}
	u.last = now
	i := 0
	for i < len(u.times) && !u.times[i].After(cutoff) {
		i++
	}
	u.times = u.times[i:]
	if len(u.times) < f.limit {
		u.times = append(u.times, now)
		u.warned = false
		return true, false
	}
	if u.warned {
		return false, false
	}
	u.warned = true
	return false, true
}
