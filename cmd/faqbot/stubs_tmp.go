package main

import "context"

func runServe(ctx context.Context, cfg *config, args []string, s stdio) error   { return nil }
func runChat(ctx context.Context, cfg *config, args []string, s stdio) error    { return nil }
func runReindex(ctx context.Context, cfg *config, args []string, s stdio) error { return nil }
func runStats(ctx context.Context, cfg *config, args []string, s stdio) error   { return nil }
