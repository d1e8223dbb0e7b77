package bottest

import (
	"strings"
	"testing"
)

// NoSecrets fails t when text (captured logs, a reply, an error) contains any
// of the secrets, or a prefix of one long enough to identify it: a token,
// an AES key, a raw user id that must be hashed.
func NoSecrets(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		probe := s
		if len(probe) > 12 {
			probe = probe[:12]
		}
		if strings.Contains(text, probe) {
			t.Errorf("secret %.4s… leaked into output:\n%s", s, text)
		}
	}
}
