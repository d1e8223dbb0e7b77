package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"faqbot/bot"
)

func runAsk(ctx context.Context, cfg *config, args []string, s stdio) error {
	e, err := memEngine(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	w := bufio.NewWriter(s.out)
	defer w.Flush()
	answer := func(q string) error {
		a, err := e.Ask(ctx, bot.Question{Text: q, Lang: cfg.Lang, Channel: "cli"})
		if err != nil {
			return err
		}
		if cfg.JSON {
			return json.NewEncoder(w).Encode(a)
		}
		// One output line per question keeps batch output aligned with input.
		_, err = fmt.Fprintln(w, strings.ReplaceAll(a.Text, "\n", " ⏎ "))
		return err
	}
	if len(args) > 0 {
		for _, q := range args {
			if err := answer(q); err != nil {
				return err
			}
		}
		return nil
	}
	r := bufio.NewReader(s.in)
	for {
		line, err := r.ReadString('\n')
		if line != "" || err == nil {
			if aerr := answer(strings.TrimRight(line, "\r\n")); aerr != nil {
				return aerr
			}
			if err := w.Flush(); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read questions: %w", err)
		}
	}
}
