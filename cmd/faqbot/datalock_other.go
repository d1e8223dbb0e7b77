//go:build !unix

package main

// lockData takes no lock where flock is missing: bbolt's own locks (the
// state store, the index) still refuse a second server, after 2 s.
func lockData(dir string) (func(), error) { return func() {}, nil }
