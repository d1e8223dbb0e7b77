package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"

	"faqbot/bot"
)

// chatHelp is what /help prints: every command the terminal chat knows.
const chatHelp = `Type a question about 医保 in Chinese or English. Commands:
  /help          this list
  /lang          show the reply language
  /lang zh|en    reply in Chinese or English
  /lang auto     reply in each question's language (the default)
  /a <id>        the full article, e.g. /a lost-card
  1, 2, 3        the full article of a suggestion under the last answer
  Ctrl-D         quit`

// runChat is a terminal conversation: the same replies a chat channel gives,
// plus the commands in chatHelp.
func runChat(ctx context.Context, cfg *config, args []string, s stdio) error {
	e, err := chatEngine(ctx, cfg, slog.New(slog.DiscardHandler)) // with conversation memory: convo.go
	if err != nil {
		return err
	}
	lang := cfg.Lang
	var last []bot.Alternative
	lastLang := "" // the language of the answer last offered them
	fmt.Fprintln(s.out, "faqbot: ask about 医保 in Chinese or English. /help lists the commands, Ctrl-D quits.")
	sc := bufio.NewScanner(s.in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for fmt.Fprint(s.out, "> "); sc.Scan(); fmt.Fprint(s.out, "> ") {
		line := strings.TrimSpace(sc.Text())
		if l, ok := e.Thanks(line); ok {
			if lang != "" {
				l = lang
			}
			fmt.Fprintln(s.out, bot.ThanksText(l))
			fmt.Fprintln(s.out)
			continue
		}
		switch {
		case line == "/help" || line == "/?":
			fmt.Fprintln(s.out, chatHelp)
			continue
		case line == "/lang":
			if lang == "" {
				fmt.Fprintln(s.out, "language: auto (each question's own language); /lang zh|en to choose")
			} else {
				fmt.Fprintf(s.out, "language: %s; /lang auto to follow each question's language\n", lang)
			}
			continue
		case strings.HasPrefix(line, "/lang "):
			l := strings.TrimSpace(strings.TrimPrefix(line, "/lang "))
			switch l {
			case "zh", "en":
				lang = l
			case "auto":
				lang = ""
			default:
				fmt.Fprintln(s.out, "usage: /lang zh|en|auto")
				continue
			}
			fmt.Fprintf(s.out, "language: %s\n", map[string]string{"": "auto", "zh": "zh", "en": "en"}[lang])
			continue
		case strings.HasPrefix(line, "/a "):
			printArticle(e, s, lang, strings.TrimSpace(line[3:]))
			continue
		case len(line) == 1 && line[0] >= '1' && line[0] <= '9':
			n := int(line[0] - '0')
			switch {
			case len(last) == 0:
				fmt.Fprintln(s.out, "there is no suggestion to pick: the last answer offered none. Ask a question, or /help.")
			case n > len(last):
				fmt.Fprintf(s.out, "there is no suggestion %d: pick 1-%d.\n", n, len(last))
			default:
				printArticle(e, s, cmp.Or(lastLang, lang), last[n-1].ID)
			}
			continue
		case strings.HasPrefix(line, "/"):
			fmt.Fprintf(s.out, "unknown command %s\n%s\n", strings.Fields(line)[0], chatHelp)
			continue
		}
		a, err := e.Ask(ctx, bot.Question{Text: line, Lang: lang, Channel: "cli", User: "terminal"})
		if err != nil {
			return err
		}
		last, lastLang = a.Alternatives, a.Lang
		fmt.Fprintln(s.out, chatText(e, a))
		fmt.Fprintln(s.out)
	}
	fmt.Fprintln(s.out)
	return sc.Err()
}

// chatText is an answer as the terminal shows it: the runners-up, or an
// unsure reply's suggestions, numbered [1]..[3] once (to pick with 1-3),
// not also as the plain list of Answer.Text.
func chatText(e bot.Asker, a bot.Answer) string {
	if head, label, tail, ok := bot.UnsureParts(a); ok {
		text := head + "\n\n" + label
		for i, alt := range a.Alternatives {
			text += fmt.Sprintf("\n[%d] %s", i+1, alt.Title)
		}
		if tail != "" {
			text += "\n\n" + tail
		}
		return text
	}
	if !a.Answered {
		return a.Text
	}
	art, ok := e.Article(a.Lang, a.ID)
	if !ok {
		return a.Text
	}
	plain := a
	plain.Alternatives = nil
	text := strings.TrimSuffix(bot.AnswerText(plain, art), "\n\n"+a.Disclaimer)
	if a.ContextLabel != "" {
		text = a.ContextLabel + "\n" + text
	}
	if len(a.Alternatives) > 0 {
		text += "\n\n" + bot.AlternativesLabel(a.Lang)
		for i, alt := range a.Alternatives {
			text += fmt.Sprintf("\n[%d] %s", i+1, alt.Title)
		}
	}
	return text + "\n\n" + a.Disclaimer + fmt.Sprintf("\n[/a %s: full article]", a.ID)
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
