package state_test

import (
	"fmt"
	"log"
	"os"

	"faqbot/kb/state"
)

// The state store keeps user ids only as salted hashes, and refuses a second
// process instead of hanging.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "faqbot")
	defer os.RemoveAll(dir)
	s, err := state.Open(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	user := s.HashUser("telegram:12345")
	s.SetUserLang(user, "en")
	lang, _ := s.UserLang(user)
	_, err = state.Open(dir)
	fmt.Println(lang, len(user), err != nil)
	// Output: en 24 true
}
