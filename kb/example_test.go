package kb_test

import (
	"fmt"
	"log"
	"os"

	"faqbot/content"
	"faqbot/kb"
)

// Load validates a content tree and returns the knowledge base; every
// problem comes back at once as file:line: reason.
func ExampleLoad() {
	k, err := kb.Load(content.FS)
	if err != nil {
		log.Fatal(err)
	}
	a, _ := k.Article("en", "lost-card")
	fmt.Println(len(k.IDs()), "articles;", a.Title)
	// Output: 48 articles; My insurance card is lost: how do I see a doctor?
}

// The state store keeps user ids only as salted hashes, and refuses a second
// process instead of hanging.
func ExampleOpenStore() {
	dir, _ := os.MkdirTemp("", "faqbot")
	defer os.RemoveAll(dir)
	s, err := kb.OpenStore(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	user := s.HashUser("telegram:12345")
	s.SetUserLang(user, "en")
	lang, _ := s.UserLang(user)
	_, err = kb.OpenStore(dir)
	fmt.Println(lang, len(user), err != nil)
	// Output: en 24 true
}
