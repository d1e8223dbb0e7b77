// Command faqbot answers questions about Chinese social medical insurance from
// a curated bilingual knowledge base. Run `faqbot help` for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// errUsage marks a command-line mistake: exit status 2.
var errUsage = errors.New("usage")

// errFailed marks a check that ran and failed (lint, eval below the bar): exit 1
// without repeating the message.
var errFailed = errors.New("failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		fmt.Fprintln(os.Stderr, "faqbot:", err)
		os.Exit(2)
	case errors.Is(err, errFailed):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "faqbot:", err)
		os.Exit(1)
	}
}

// command is one subcommand: its flags fill a config, then it runs.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, cfg *config, args []string, io stdio) error
	flags               func(fs *flag.FlagSet, cfg *config)
}

type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func commands() []command {
	return []command{
		{"serve", "", "run the HTTP server and every configured front end until SIGINT/SIGTERM", runServe, serveFlags},
		{"ask", "[QUESTION ...]", "answer questions (one a line from stdin when none are given)", runAsk, askFlags},
		{"chat", "", "talk to the bot in the terminal (/help there lists its commands)", runChat, langFlag},
		{"eval", "FILE", "score the engine on a labelled TSV (question<TAB>id or -)", runEval, evalFlags},
		{"lint", "", "validate the content tree (file:line: reason for every problem)", runLint, nil},
		{"reindex", "", "lint the content, rebuild the index and switch to it (-server: a running server, which must serve that content)", runReindex, reindexFlags},
		{"stats", "", "the curator's report: unanswered and low-confidence questions, thumbs-down, top articles (-server: from a running server)", runStats, statsFlags},
		{"help", "[COMMAND]", "show help", nil, nil},
	}
}

func run(ctx context.Context, args []string, in io.Reader, out, errw io.Writer) error {
	s := stdio{in, out, errw}
	if len(args) == 0 {
		usage(out)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(rest) > 0 {
			return helpCommand(rest[0], out)
		}
		usage(out)
		return nil
	}
	for _, c := range commands() {
		if c.name != name || c.run == nil {
			continue
		}
		cfg := defaultConfig()
		cfg.stderr = errw
		fs := flagSet(c, cfg, errw)
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return fmt.Errorf("%w: %s: %v", errUsage, name, err)
		}
		cfg.flagsSet(fs)
		if err := cfg.validate(name); err != nil {
			return err
		}
		return c.run(ctx, cfg, fs.Args(), s)
	}
	usage(errw)
	return fmt.Errorf("%w: unknown command %q", errUsage, name)
}

func flagSet(c command, cfg *config, errw io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("faqbot "+c.name, flag.ContinueOnError)
	fs.SetOutput(errw)
	commonFlags(fs, cfg)
	if c.flags != nil {
		c.flags(fs, cfg)
	}
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: faqbot %s [flags]", c.name)
		if c.args != "" {
			fmt.Fprint(w, " "+c.args)
		}
		fmt.Fprintf(w, "\n\n%s\n\nflags (a flag wins over its [ENVIRONMENT_VARIABLE]):\n", c.summary)
		fs.PrintDefaults()
		if c.name == "serve" {
			fmt.Fprintln(w, "\nenvironment only (secrets are never flags; values are never printed):")
			for _, e := range envOnly {
				fmt.Fprintf(w, "  %-24s %s\n", e.name, e.help)
			}
		}
	}
	return fs
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "faqbot answers questions about Chinese social medical insurance (医保).")
	fmt.Fprintln(w, "\nusage: faqbot <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun `faqbot help <command>` for a command's flags.")
}

func helpCommand(name string, out io.Writer) error {
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			fs := flagSet(c, defaultConfig(), out)
			fs.Usage()
			return nil
		}
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, name)
}
