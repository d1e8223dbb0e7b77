package kb

import "time"

// Store is the full method set every state backend implements (kb/state on
// bbolt, kb/state/postgres, kb/state/resilient around either) and the
// conformance suite kb/state/statetest checks. Consumers declare only the
// few methods they use.
type Store interface {
	HashUser(user string) string
	Offset(name string) (int64, error)
	SetOffset(name string, v int64) error
	UserLang(userHash string) (string, error)
	SetUserLang(userHash, lang string) error
	PutTemp(kind, key string, val []byte, ttl time.Duration) error
	GetTemp(kind, key string) ([]byte, bool, error)
	ClaimTemp(kind, key string, val []byte, ttl time.Duration) (bool, []byte, error)
	RecordVote(v Vote) error
	RecordQuestion(e LogEntry) error
	FlushLog() error
	Log(since time.Time, fn func(LogEntry) error) error
	Votes(since time.Time, fn func(Vote) error) error
	Report(since time.Time, top int) (Report, error)
	Sweep(now time.Time, retention time.Duration) (int, error)
	Check() error
	Close() error
}
