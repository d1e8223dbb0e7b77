// Package bottest holds what channel tests share: a fake engine (Asker) that
// answers from the real embedded articles without building an index, an
// in-memory state (State) with the same semantics as the state store, and
// NoSecrets, which fails a test whose logs contain a secret.
//
// It is imported only by tests.
package bottest
