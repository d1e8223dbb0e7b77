package main

import (
	"context"
	"faqbot/bot"
	"fmt"
)

func runLint(ctx context.Context, cfg *config, args []string, s stdio) error {
	if len(args) > 0 {
		return fmt.Errorf("%w: lint takes no arguments", errUsage)
	}
	k, err := loadKB(cfg)
	if err != nil {
		fmt.Fprintln(s.err, err)
		return errFailed
	}
	if problems := bot.CheckWords(k); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(s.err, p)
		}
		return errFailed
	}
	fmt.Fprintf(s.out, "ok: %d articles in %d languages\n", len(k.IDs()), 2)
	return nil
}
