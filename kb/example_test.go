package kb_test

import (
	"fmt"
	"log"

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
	// Output: 110 articles; My insurance card is lost: how do I see a doctor?
}
