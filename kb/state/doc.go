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
//     every 50 ms; Close and FlushLog write what is pending. A crash (kill -9,
//     power loss) can lose the last 50 ms of the query log, never a vote or a
//     claim that was acknowledged; a clean Close loses nothing.
//   - Volatile values (`faqbot serve` keeps conversation contexts there) live
//     in memory only, at most DefaultVolatileMax. Beyond it, room is made
//     from the values written once (oldest first) before those read back or
//     written again (active users), which keep at most three quarters of
//     the room: a flood of new user ids evicts newcomers, not the users in
//     a conversation. Close saves them and the next Open reads them back and removes
//     them from the file: a clean restart keeps them, a crash loses them all
//     (a follow-up asked across it is read on its own) and never brings back
//     an older value. A question never waits for the disk for them.
//   - Sweep removes expired values, the query log and votes past the
//     retention, and the oldest query-log entries beyond SetLogLimit. The
//     query-log entries it removes are kept as per-day aggregates (asked and
//     answered per UTC day, channel, language and article), which Report
//     adds in: questions, outcomes and top articles stay counted beyond the
//     log (the unanswered questions' wording does not).
//   - One process at a time: a second Open gets ErrLocked within two seconds.
//   - Spool (OpenSpool, its own file vote-spool.db) is a durable queue of
//     votes, each Append committed and fsync'd (concurrent ones share the
//     commit), bounded (a full spool refuses with kb.ErrBusy): where
//     kb/state/resilient keeps the votes PostgreSQL has not taken yet.
//   - Check verifies bbolt's page structure and that every stored value decodes.
//
// Nothing outside this package imports bbolt. The same method set on
// PostgreSQL, for several replicas sharing one state, is kb/state/postgres;
// both pass the conformance suite kb/state/statetest.
package state
