package bottest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"faqbot/kb"
)

// State is an in-memory stand-in for the state store with the same
// semantics: hashed users, counters, languages, expiring values with an
// atomic claim, and one vote per user, language and article (the latest wins).
// Err, when set, makes every method fail (a broken disk or database).
type State struct {
	Err error
	// Now is the clock for expiry (default time.Now).
	Now func() time.Time

	mu      sync.Mutex
	offsets map[string]int64
	langs   map[string]string
	temp    map[string]tempVal
	votes   map[string]kb.Vote
}

type tempVal struct {
	val []byte
	exp time.Time
}

// NewState returns an empty in-memory state.
func NewState() *State {
	return &State{offsets: map[string]int64{}, langs: map[string]string{}, temp: map[string]tempVal{}, votes: map[string]kb.Vote{}}
}

func (s *State) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// HashUser hashes a user id like the store (without a salt: tests compare).
func (s *State) HashUser(user string) string {
	if user == "" {
		return ""
	}
	h := sha256.Sum256([]byte(user))
	return hex.EncodeToString(h[:12])
}

// Offset returns a counter (0 if unset).
func (s *State) Offset(name string) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offsets[name], s.Err
}

// SetOffset stores a counter.
func (s *State) SetOffset(name string, v int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	s.offsets[name] = v
	return nil
}

// UserLang returns a user's language ("" if unset).
func (s *State) UserLang(userHash string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return "", s.Err
	}
	return s.langs[userHash], nil
}

// SetUserLang stores a user's language.
func (s *State) SetUserLang(userHash, lang string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	s.langs[userHash] = lang
	return nil
}

// PutTemp stores a value that expires after ttl.
func (s *State) PutTemp(kind, key string, val []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	s.temp[kind+"\x00"+key] = tempVal{append([]byte(nil), val...), s.now().Add(ttl)}
	return nil
}

// GetTemp returns a value that has not expired.
func (s *State) GetTemp(kind, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return nil, false, s.Err
	}
	v, ok := s.temp[kind+"\x00"+key]
	if !ok || !s.now().Before(v.exp) {
		return nil, false, nil
	}
	return v.val, true, nil
}

// ClaimTemp stores val unless a live value exists: exactly one of several
// callers with one key gets true; the others get the stored value.
func (s *State) ClaimTemp(kind, key string, val []byte, ttl time.Duration) (bool, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return false, nil, s.Err
	}
	k := kind + "\x00" + key
	if v, ok := s.temp[k]; ok && s.now().Before(v.exp) {
		return false, v.val, nil
	}
	s.temp[k] = tempVal{append([]byte(nil), val...), s.now().Add(ttl)}
	return true, nil, nil
}

// RecordVote keeps one vote per user, language and article.
func (s *State) RecordVote(v kb.Vote) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	if v.Article == "" || strings.ContainsRune(v.Article, '/') {
		return fmt.Errorf("vote: bad article id %q", v.Article)
	}
	s.votes[v.UserHash+"/"+v.Lang+"/"+v.Article] = v
	return nil
}

// Votes returns the votes kept, in no particular order.
func (s *State) Votes() []kb.Vote {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]kb.Vote, 0, len(s.votes))
	for _, v := range s.votes {
		out = append(out, v)
	}
	return out
}

// Lang returns the language stored for a raw user id.
func (s *State) Lang(user string) string {
	l, _ := s.UserLang(s.HashUser(user))
	return l
}
