package main

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"strings"

	"faqbot/bot"
)

// runChat is a terminal conversation: the same replies a chat channel gives,
// plus "/lang zh|en", "/a <id>" (full article) and numbers to pick a runner-up.
func runChat(ctx context.Context, cfg *config, args []string, s stdio) error {
	e, err := chatEngine(ctx, cfg, slog.New(slog.DiscardHandler)) // with conversation memory: convo.go
	if err != nil {
		return err
	}
	lang := cfg.Lang
	var last []bot.Alternative
	fmt.Fprintln(s.out, "faqbot: ask about 医保 in Chinese or English. /lang zh|en, /a <id> for a full article, a number for a suggestion, Ctrl-D to quit.")
	sc := bufio.NewScanner(s.in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for fmt.Fprint(s.out, "> "); sc.Scan(); fmt.Fprint(s.out, "> ") {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "/lang"):
			l := strings.TrimSpace(strings.TrimPrefix(line, "/lang"))
			if l != "zh" && l != "en" && l != "" {
				fmt.Fprintln(s.out, "usage: /lang zh|en (or /lang to follow the question's language)")
				continue
			}
			lang = l
			fmt.Fprintf(s.out, "language: %q\n", lang)
			continue
		case strings.HasPrefix(line, "/a "):
			printArticle(e, s, lang, strings.TrimSpace(line[3:]))
			continue
		case len(line) == 1 && line[0] >= '1' && line[0] <= '3' && int(line[0]-'1') < len(last):
			printArticle(e, s, lang, last[line[0]-'1'].ID)
			continue
		}
		a, err := e.Ask(ctx, bot.Question{Text: line, Lang: lang, Channel: "cli", User: "terminal"})
		if err != nil {
			return err
		}
		last = a.Alternatives
		text := a.Text
		if a.Answered {
			text += fmt.Sprintf("\n[/a %s: full article]", a.ID)
			for i, alt := range a.Alternatives {
				text += fmt.Sprintf("\n[%d] %s", i+1, alt.Title)
			}
		}
		fmt.Fprintln(s.out, text)
		fmt.Fprintln(s.out)
	}
	fmt.Fprintln(s.out)
	return sc.Err()
}

func printArticle(e *bot.Engine, s stdio, lang, id string) {
	if lang == "" {
		lang = "zh"
	}
	a, ok := e.Article(lang, id)
	if !ok {
		fmt.Fprintf(s.out, "no article %q\n", id)
		return
	}
	fmt.Fprintf(s.out, "%s\n\n%s\n\n%s\n\n%s\n\n", a.Title, a.Markdown(), bot.MetaLine(lang, a), e.KB().Disclaimer(lang))
}
