// Package state is faqbot's bbolt state store: what must survive a restart and
// is not content — the Telegram update offset, each user's language, expiring
// values (claimed update and message ids, WeChat replies kept for retries,
// sessions), votes and the query log behind the curator's report.
//
// Guarantees and caveats:
//
//   - User ids are stored and logged only as salted SHA-256 hashes (HashUser);
//     the salt is made once per installation and kept in the file.
//   - Small writes (votes, claims, expiring values) go through bbolt's Batch
//     with a 2 ms delay, so concurrent requests share one fsync. A claim
//     (ClaimTemp) is atomic: of two callers with one key, exactly one wins.
//   - Query-log entries are queued in memory and written by a background writer
//     every 50 ms; Close and FlushLog write what is pending. Values written
//     behind (PutTempBehind, Behind: `faqbot serve` keeps conversation
//     contexts there) are kept in memory, read back by GetTemp at once, and
//     written in the same batch: no question waits for an fsync. A crash
//     (kill -9, power loss) can lose the last 50 ms of the query log and of
//     the conversation contexts (a follow-up asked across the crash is read
//     on its own), never a vote or a claim that was acknowledged; a clean
//     Close loses nothing.
//   - One process at a time: a second Open gets ErrLocked within two seconds.
//   - Check verifies bbolt's page structure and that every stored value decodes.
//
// Nothing outside this package imports bbolt. The same method set on
// PostgreSQL, for several replicas sharing one state, is kb/state/postgres;
// both pass the conformance suite kb/state/statetest.
package state
