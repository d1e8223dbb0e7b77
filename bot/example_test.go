package bot_test

import (
	"context"
	"fmt"
	"log"

	"faqbot/bot"
	"faqbot/content"
	"faqbot/index"
	"faqbot/kb"
)

// An adapter turns a platform message into one Ask and renders the Answer.
func ExampleEngine_Ask() {
	k, err := kb.Load(content.FS)
	if err != nil {
		log.Fatal(err)
	}
	ix, err := index.Build(context.Background(), k, "")
	if err != nil {
		log.Fatal(err)
	}
	e := bot.NewEngine(ix, bot.DefaultOptions, bot.Deps{})
	for _, q := range []string{"醫保卡丟了怎麼辦", "How do I file for remote medical care?", "公积金怎么提取"} {
		a, _ := e.Ask(context.Background(), bot.Question{Text: q, Channel: "example"})
		fmt.Println(a.Answered, a.ID, a.Lang, a.Traditional)
	}
	// Output:
	// true lost-card zh true
	// true remote-filing en false
	// false  zh false
}
