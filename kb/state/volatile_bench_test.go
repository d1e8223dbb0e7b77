package state

import (
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkNewUserContext is what a new user's conversation context costs
// `serve` (a miss, then a put), kept in Volatile and, as the baseline in
// the same run, written as a new key of the file's B-tree in background
// batches of 300 (what serve did before Volatile), into a store already
// holding 50,000 contexts. ns/op is wall time, the batch's fsync included.
func BenchmarkNewUserContext(b *testing.B) {
	key := func() string {
		var r [16]byte
		rand.Read(r[:])
		return hex.EncodeToString(r[:])
	}
	val := []byte(`{"id":"lost-card","lang":"zh","subject":"医保卡丢了怎么办 补办要多久"}`)
	b.Run("volatile", func(b *testing.B) {
		s := openBenchStore(b)
		m := s.Volatile()
		for range 50_000 {
			m.PutTemp("convo", key(), val, time.Hour)
		}
		keys := make([]string, b.N)
		for i := range keys {
			keys[i] = key()
		}
		b.ResetTimer()
		for i := range b.N {
			if _, ok, _ := m.GetTemp("convo", keys[i]); ok {
				b.Fatal("a new user has a context")
			}
			m.PutTemp("convo", keys[i], val, time.Hour)
		}
	})
	b.Run("bbolt-batch", func(b *testing.B) {
		s := openBenchStore(b)
		put := func(n int) {
			err := s.db.Update(func(tx *bolt.Tx) error {
				for range n {
					if err := tx.Bucket(bucketTemp).Put(tempKey("convo", key()), append(make([]byte, 8), val...)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		for range 50 {
			put(1000)
		}
		b.ResetTimer()
		for done := 0; done < b.N; done += 300 {
			for range min(300, b.N-done) {
				if _, ok, _ := s.GetTemp("convo", key()); ok {
					b.Fatal("a new user has a context")
				}
			}
			put(min(300, b.N-done))
		}
	})
}

func openBenchStore(b *testing.B) *Store {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
