// Package resilient keeps faqbot answering while its state database is
// away. It wraps a state backend (kb/state/postgres in practice) with the
// same method set and, when the backend fails:
//
//   - preferences fall back: UserLang answers "" (the default language)
//     without an error, or the language the user chose during the outage;
//   - votes go to Options.Spool, a durable queue on local disk (fsync'd:
//     kb/state's Spool under -data), and are written back in batches
//     (VoteBatcher: one multi-row statement per batch of 1,000) as soon as
//     the backend answers, while new votes keep going to the spool until it
//     is empty; a full spool refuses a vote with kb.ErrBusy (HTTP 503)
//     rather than acknowledge it. Without a spool, votes wait in memory
//     (bounded by Options.Queue; past it the oldest are dropped, counted as
//     "vote_drop"). A vote never overwrites a newer one: the backend keeps
//     the latest by vote time;
//   - SetUserLang is kept in memory (bounded) and written when the backend
//     answers again;
//   - short-lived values (WeChat replies kept for retries, sessions) and
//     claims (Telegram update ids) live in this replica's memory: dedupe
//     still holds within the replica, not across replicas;
//   - the query log is the backend's business (kb/state/postgres queues it
//     in a bounded buffer and retries).
//
// After a failure the backend is left alone for a short pause (500 ms,
// doubling up to 10 s, reset by the first success), so a dead database
// costs a question nothing but a map lookup. Every absorbed failure is
// reported to Options.OnError with the operation's name, for a counter.
package resilient

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"faqbot/kb"
)

// Backend is a state store the wrapper keeps answering around (kb.Store).
type Backend = kb.Store

// Options tune a Store; the zero value is valid.
type Options struct {
	// OnError is told of every backend failure the Store absorbs or passes
	// on, by operation ("user_lang", "claim", "vote", ..., and "vote_drop"
	// or "lang_drop" when a queue overflows).
	OnError func(op string, err error)
	// Queue bounds the votes and the language choices waiting for the
	// backend (default 10000 each); past it the oldest are dropped.
	Queue int
	// MemoryEntries bounds the short-lived values kept in memory during an
	// outage (default 100000).
	MemoryEntries int
	// RetryEvery is how often queued writes are retried (default 1s).
	RetryEvery time.Duration
	// Spool, when set, keeps the votes the backend did not take durably,
	// instead of the bounded memory queue; Close closes it.
	Spool VoteSpool
	// SpoolBatch is how many spooled votes are written per statement
	// (default 1000).
	SpoolBatch int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

const (
	firstBackoff = 500 * time.Millisecond
	maxBackoff   = 10 * time.Second
)

// ErrUnavailable is what the pass-through methods return while the backend
// is paused after a failure.
var ErrUnavailable = errors.New("state backend unavailable")

// VoteSpool is a durable queue of votes (kb/state's *Spool).
type VoteSpool interface {
	// Append keeps a vote durably, or fails (kb.ErrBusy when full).
	Append(v kb.Vote) error
	// Peek returns up to n of the oldest votes and the last one's position.
	Peek(n int) ([]kb.Vote, uint64, error)
	// Remove forgets the votes up to and including position through.
	Remove(through uint64) error
	// Len is how many votes it holds.
	Len() int
	// Oldest is when the oldest vote held was spooled.
	Oldest() (time.Time, bool)
	Close() error
}

// VoteBatcher is a backend that writes many votes in one statement
// (kb/state/postgres); other backends get one RecordVote per vote.
type VoteBatcher interface {
	RecordVotes(vs []kb.Vote) error
}

// SpoolStats is the vote spool's state, for /metrics.
type SpoolStats struct {
	Votes    int           // held now
	Lag      time.Duration // since the oldest held was spooled (0 when empty)
	Replayed int64         // written to the backend since start
	Refused  int64         // refused with kb.ErrBusy (spool full) since start
}

// Store is a Backend that keeps answering when its backend fails.
type Store struct {
	b    Backend
	opts Options

	mu        sync.Mutex
	downUntil time.Time
	backoff   time.Duration
	mem       map[string]memVal // kind \x00 key → value (outage only)
	votes     []kb.Vote         // waiting for the backend, oldest first
	langs     map[string]string // user hash → language (or "" to forget)
	langOrder []string          // langs' keys, oldest first
	closed    bool

	replayMu sync.Mutex
	stop     chan struct{}
	done     chan struct{}
	kick     chan struct{} // a vote was spooled: replay now if the backend answers

	replayed, refused atomic.Int64
}

type memVal struct {
	val []byte
	exp time.Time
}

// New wraps b. Close closes b.
func New(b Backend, opts Options) *Store {
	if opts.Queue <= 0 {
		opts.Queue = 10000
	}
	if opts.MemoryEntries <= 0 {
		opts.MemoryEntries = 100000
	}
	if opts.RetryEvery <= 0 {
		opts.RetryEvery = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SpoolBatch <= 0 {
		opts.SpoolBatch = 1000
	}
	s := &Store{b: b, opts: opts, backoff: firstBackoff, mem: map[string]memVal{}, langs: map[string]string{},
		stop: make(chan struct{}), done: make(chan struct{}), kick: make(chan struct{}, 1)}
	go s.retryLoop()
	return s
}

// Backend returns the wrapped store.
func (s *Store) Backend() Backend { return s.b }

// Degraded reports whether the backend is paused after a failure.
func (s *Store) Degraded() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts.Now().Before(s.downUntil)
}

// Queued returns how many votes (in memory or spooled) and language
// choices wait for the backend.
func (s *Store) Queued() (votes, langs int) {
	s.mu.Lock()
	votes, langs = len(s.votes), len(s.langs)
	s.mu.Unlock()
	if s.opts.Spool != nil {
		votes += s.opts.Spool.Len()
	}
	return votes, langs
}

// Spool returns the vote spool's state (zero without a spool).
func (s *Store) Spool() SpoolStats {
	st := SpoolStats{Replayed: s.replayed.Load(), Refused: s.refused.Load()}
	if s.opts.Spool == nil {
		return st
	}
	st.Votes = s.opts.Spool.Len()
	if at, ok := s.opts.Spool.Oldest(); ok {
		st.Lag = max(0, s.opts.Now().Sub(at))
	}
	return st
}

// available reports whether to try the backend now.
func (s *Store) available() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.opts.Now().Before(s.downUntil)
}

// failed counts err and pauses the backend.
func (s *Store) failed(op string, err error) {
	s.mu.Lock()
	s.downUntil = s.opts.Now().Add(s.backoff)
	s.backoff = min(2*s.backoff, maxBackoff)
	s.mu.Unlock()
	s.count(op, err)
}

func (s *Store) count(op string, err error) {
	if s.opts.OnError != nil {
		s.opts.OnError(op, err)
	}
}

// worked ends a pause.
func (s *Store) worked() {
	s.mu.Lock()
	s.downUntil = time.Time{}
	s.backoff = firstBackoff
	s.mu.Unlock()
}

// passErr records the outcome of a pass-through call.
func (s *Store) passErr(op string, err error) error {
	if err != nil {
		s.failed(op, err)
	} else {
		s.worked()
	}
	return err
}

// HashUser is the backend's (it needs no database: the salt is read at Open).
func (s *Store) HashUser(user string) string { return s.b.HashUser(user) }

// Offset is the backend's, failures counted.
func (s *Store) Offset(name string) (int64, error) {
	v, err := s.b.Offset(name)
	return v, s.passErr("offset", err)
}

// SetOffset is the backend's, failures counted.
func (s *Store) SetOffset(name string, v int64) error {
	return s.passErr("set_offset", s.b.SetOffset(name, v))
}

// UserLang returns the user's language: a choice made during an outage and
// not yet written, else the backend's, else "" (the default) when the
// backend fails. It never returns an error.
func (s *Store) UserLang(userHash string) (string, error) {
	s.mu.Lock()
	lang, queued := s.langs[userHash]
	s.mu.Unlock()
	if queued {
		return lang, nil
	}
	if !s.available() {
		return "", nil
	}
	lang, err := s.b.UserLang(userHash)
	if err != nil {
		s.failed("user_lang", err)
		return "", nil
	}
	s.worked()
	return lang, nil
}

// SetUserLang stores a user's language, in memory until the backend takes
// it if the backend fails.
func (s *Store) SetUserLang(userHash, lang string) error {
	s.mu.Lock()
	_, queued := s.langs[userHash]
	s.mu.Unlock()
	if !queued && s.available() {
		err := s.b.SetUserLang(userHash, lang)
		if err == nil {
			s.worked()
			return nil
		}
		s.failed("set_user_lang", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.langs[userHash]; !ok {
		s.langOrder = append(s.langOrder, userHash)
	}
	s.langs[userHash] = lang
	for len(s.langOrder) > s.opts.Queue {
		delete(s.langs, s.langOrder[0])
		s.langOrder = s.langOrder[1:]
		go s.count("lang_drop", errors.New("language queue full: oldest choice dropped"))
	}
	return nil
}

func memKey(kind, key string) string { return kind + "\x00" + key }

// memPut keeps a value in memory; s.mu is held.
func (s *Store) memPut(k string, val []byte, exp time.Time) {
	if _, ok := s.mem[k]; !ok && len(s.mem) >= s.opts.MemoryEntries {
		now := s.opts.Now()
		for mk, v := range s.mem {
			if v.exp.Before(now) {
				delete(s.mem, mk)
			}
		}
		for mk := range s.mem {
			if len(s.mem) < s.opts.MemoryEntries {
				break
			}
			delete(s.mem, mk)
		}
	}
	s.mem[k] = memVal{val: append([]byte(nil), val...), exp: exp}
}

// memGet returns an unexpired value from memory; s.mu is held.
func (s *Store) memGet(k string) ([]byte, bool) {
	v, ok := s.mem[k]
	if !ok || v.exp.Before(s.opts.Now()) {
		return nil, false
	}
	return append([]byte{}, v.val...), true
}

// PutTemp stores a short-lived value, in this replica's memory when the
// backend fails.
func (s *Store) PutTemp(kind, key string, val []byte, ttl time.Duration) error {
	k := memKey(kind, key)
	if s.available() {
		err := s.b.PutTemp(kind, key, val, ttl)
		if err == nil {
			s.worked()
			s.mu.Lock()
			delete(s.mem, k)
			s.mu.Unlock()
			return nil
		}
		s.failed("put_temp", err)
	}
	s.mu.Lock()
	s.memPut(k, val, s.opts.Now().Add(ttl))
	s.mu.Unlock()
	return nil
}

// GetTemp returns a short-lived value from the backend, else from memory
// (values kept during an outage).
func (s *Store) GetTemp(kind, key string) ([]byte, bool, error) {
	if s.available() {
		v, ok, err := s.b.GetTemp(kind, key)
		if err == nil {
			s.worked()
			if ok {
				return v, true, nil
			}
		} else {
			s.failed("get_temp", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.memGet(memKey(kind, key))
	return v, ok, nil
}

// ClaimTemp claims a key in the backend (exactly one replica wins), or in
// this replica's memory when the backend fails (exactly one caller of this
// replica wins). A claim made in memory during an outage is honoured here
// until it expires.
func (s *Store) ClaimTemp(kind, key string, val []byte, ttl time.Duration) (bool, []byte, error) {
	k := memKey(kind, key)
	s.mu.Lock()
	if v, ok := s.memGet(k); ok {
		s.mu.Unlock()
		return false, v, nil
	}
	s.mu.Unlock()
	if s.available() {
		won, prev, err := s.b.ClaimTemp(kind, key, val, ttl)
		if err == nil {
			s.worked()
			return won, prev, nil
		}
		s.failed("claim", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.memGet(k); ok {
		return false, v, nil
	}
	s.memPut(k, val, s.opts.Now().Add(ttl))
	return true, nil, nil
}

// RecordVote stores a vote, or queues it for the backend when it fails:
// in the spool (durably) when there is one, else in memory. With a spool,
// while it holds votes new ones join them, so the backend gets them in
// batches; a full spool refuses the vote with kb.ErrBusy.
func (s *Store) RecordVote(v kb.Vote) error {
	if err := kb.ValidateVote(v); err != nil {
		return err
	}
	if v.Time.IsZero() {
		v.Time = s.opts.Now()
	}
	if sp := s.opts.Spool; sp != nil {
		if sp.Len() == 0 && s.available() {
			err := s.b.RecordVote(v)
			if err == nil {
				s.worked()
				return nil
			}
			if errors.Is(err, kb.ErrBadVote) {
				return err
			}
			s.failed("vote", err)
		}
		if err := sp.Append(v); err != nil {
			if errors.Is(err, kb.ErrBusy) {
				s.refused.Add(1)
				s.count("vote_refused", err)
			}
			return err
		}
		select {
		case s.kick <- struct{}{}:
		default:
		}
		return nil
	}
	s.mu.Lock()
	queued := len(s.votes) > 0
	s.mu.Unlock()
	if !queued && s.available() {
		err := s.b.RecordVote(v)
		if err == nil {
			s.worked()
			return nil
		}
		if errors.Is(err, kb.ErrBadVote) {
			return err
		}
		s.failed("vote", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.votes = append(s.votes, v)
	if over := len(s.votes) - s.opts.Queue; over > 0 {
		s.votes = append(s.votes[:0:0], s.votes[over:]...)
		go s.count("vote_drop", fmt.Errorf("vote queue full: %d oldest dropped", over))
	}
	return nil
}

// RecordQuestion is the backend's (which queues and retries by itself).
func (s *Store) RecordQuestion(e kb.LogEntry) error { return s.b.RecordQuestion(e) }

// FlushLog is the backend's, failures counted.
func (s *Store) FlushLog() error { return s.passErr("flush_log", s.b.FlushLog()) }

// Log is the backend's, failures counted.
func (s *Store) Log(since time.Time, fn func(kb.LogEntry) error) error {
	return s.passErr("log", s.b.Log(since, fn))
}

// Votes writes the queued votes, then is the backend's.
func (s *Store) Votes(since time.Time, fn func(kb.Vote) error) error {
	s.replay()
	return s.passErr("votes", s.b.Votes(since, fn))
}

// Report writes the queued votes, then is the backend's.
func (s *Store) Report(since time.Time, top int) (kb.Report, error) {
	s.replay()
	r, err := s.b.Report(since, top)
	return r, s.passErr("report", err)
}

// Sweep forgets expired values kept in memory and is the backend's.
func (s *Store) Sweep(now time.Time, retention time.Duration) (int, error) {
	s.mu.Lock()
	for k, v := range s.mem {
		if v.exp.Before(now) {
			delete(s.mem, k)
		}
	}
	s.mu.Unlock()
	n, err := s.b.Sweep(now, retention)
	return n, s.passErr("sweep", err)
}

// Check is the backend's.
func (s *Store) Check() error { return s.b.Check() }

// SetLogErrorHandler passes fn to the backend if it reports background
// query-log failures.
func (s *Store) SetLogErrorHandler(fn func(error)) {
	if b, ok := s.b.(interface{ SetLogErrorHandler(func(error)) }); ok {
		b.SetLogErrorHandler(fn)
	}
}

// Close writes what is queued if it can, then closes the backend.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.done
	s.worked() // one last attempt, whatever the pause
	s.replay()
	var err error
	s.mu.Lock()
	v, l := len(s.votes), len(s.langs)
	s.mu.Unlock()
	if v+l > 0 {
		err = fmt.Errorf("state: %d votes and %d language choices not written", v, l)
	}
	if sp := s.opts.Spool; sp != nil {
		// Spooled votes are not lost: the next start writes them.
		err = errors.Join(err, sp.Close())
	}
	return errors.Join(err, s.b.Close())
}

func (s *Store) retryLoop() {
	defer close(s.done)
	t := time.NewTicker(s.opts.RetryEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		case <-s.kick:
		}
		s.replay()
		if !s.available() && s.opts.Spool != nil && s.opts.Spool.Len() > 0 {
			// Spooled votes do not wait out the pause (up to 10 s): the
			// next batch probes the backend each RetryEvery, here in the
			// background, where a failure costs no question anything.
			s.replayMu.Lock()
			s.replaySpool(true)
			s.replayMu.Unlock()
		}
	}
}

// replay writes queued language choices and votes, oldest first, until the
// backend fails.
func (s *Store) replay() {
	s.replayMu.Lock()
	defer s.replayMu.Unlock()
	for s.available() {
		s.mu.Lock()
		var user, lang string
		var vote *kb.Vote
		switch {
		case len(s.langOrder) > 0:
			user = s.langOrder[0]
			lang = s.langs[user]
		case len(s.votes) > 0:
			v := s.votes[0]
			vote = &v
		}
		s.mu.Unlock()
		switch {
		case user != "":
			if err := s.b.SetUserLang(user, lang); err != nil {
				s.failed("set_user_lang", err)
				return
			}
			s.mu.Lock()
			// A newer choice may have been queued meanwhile: keep it.
			if s.langs[user] == lang {
				delete(s.langs, user)
				s.langOrder = s.langOrder[1:]
			}
			s.mu.Unlock()
		case vote != nil:
			err := s.b.RecordVote(*vote)
			if err != nil && !errors.Is(err, kb.ErrBadVote) {
				s.failed("vote", err)
				return
			}
			s.mu.Lock()
			s.votes = s.votes[1:]
			s.mu.Unlock()
		default:
			s.replaySpool(false)
			return
		}
		s.worked()
	}
}

// replaySpool writes the spooled votes in batches, oldest first, until the
// spool is empty or the backend fails. A probe tries the first batch even
// while the backend is paused, and its failure does not lengthen the pause.
// s.replayMu is held.
func (s *Store) replaySpool(probe bool) {
	sp := s.opts.Spool
	if sp == nil {
		return
	}
	for ; (probe || s.available()) && sp.Len() > 0; probe = false {
		votes, last, err := sp.Peek(s.opts.SpoolBatch)
		if err != nil {
			s.count("vote_spool", err)
			return
		}
		if len(votes) == 0 {
			return
		}
		if err := s.writeVotes(votes); err != nil {
			if probe {
				s.count("vote", err)
			} else {
				s.failed("vote", err)
			}
			return
		}
		s.worked()
		if err := sp.Remove(last); err != nil {
			// Written but still spooled: written again next time, which
			// the latest-by-time upsert makes harmless.
			s.count("vote_spool", err)
			return
		}
		s.replayed.Add(int64(len(votes)))
	}
}

// writeVotes writes a batch: in one statement when the backend can.
func (s *Store) writeVotes(votes []kb.Vote) error {
	if vb, ok := s.b.(VoteBatcher); ok {
		return vb.RecordVotes(votes)
	}
	for _, v := range votes {
		if err := s.b.RecordVote(v); err != nil && !errors.Is(err, kb.ErrBadVote) {
			return err
		}
	}
	return nil
}
