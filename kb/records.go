// Records users leave behind: votes and asked questions. The state store
// (kb/state) keeps them; the engine and channels only make them.
package kb

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Vote is one helpful / not-helpful vote on an answer.
type Vote struct {
	UserHash string    `json:"-"`
	Article  string    `json:"article"`
	Lang     string    `json:"lang"`
	Channel  string    `json:"channel"`
	Up       bool      `json:"up"`
	Time     time.Time `json:"time"`
}

// LogEntry is one asked question in the query log. It holds no user id.
type LogEntry struct {
	Time     time.Time     `json:"t"`
	Channel  string        `json:"ch"`
	Lang     string        `json:"lang"`
	Question string        `json:"q"`
	ID       string        `json:"id,omitempty"` // empty: not answered
	Reason   string        `json:"reason,omitempty"`
	Score    float64       `json:"score"`
	Latency  time.Duration `json:"lat"`
	// Context is the previous article a follow-up was read with (empty: the
	// question was read on its own): the console's follow-up share.
	Context string `json:"ctx,omitempty"`
}

// ErrBadVote matches (with errors.Is) a vote no store accepts.
var ErrBadVote = errors.New("bad vote")

// ErrBusy matches (with errors.Is) a write a store refused for want of
// room, not for what it holds (kb/state/resilient's vote spool is full): the
// record was not kept, and the caller should say "try again later" (HTTP
// 503) rather than acknowledge it.
var ErrBusy = errors.New("state store busy: try again later")

// ValidateVote reports whether a store can keep v: it needs an article id
// without '/' (the bbolt store's key separator; every backend agrees).
func ValidateVote(v Vote) error {
	if v.Article == "" || strings.ContainsRune(v.Article, '/') {
		return fmt.Errorf("vote: bad article id %q: %w", v.Article, ErrBadVote)
	}
	return nil
}

// HashUser is the stored form of a platform user id under an installation's
// salt: a salted SHA-256 (24 hex digits), so no store or log holds raw ids.
// Every state backend hashes with it, so hashes agree across backends.
func HashUser(salt []byte, user string) string {
	if user == "" {
		return ""
	}
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(user))
	return hex.EncodeToString(h.Sum(nil)[:12])
}
