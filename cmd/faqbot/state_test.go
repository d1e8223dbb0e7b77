package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"faqbot/kb/state"
	"faqbot/kb/state/postgres/pgtest"
	"faqbot/kb/state/resilient"
)

func TestOpenState(t *testing.T) {
	cfg := defaultConfig()
	cfg.Data = t.TempDir()
	cfg.State = ""
	s, closeFn, err := openState(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*state.Store); !ok {
		t.Errorf("no -state: %T, want bbolt", s)
	}
	closeFn()

	cfg.State = "mysql://u:hunter2@db/faqbot"
	if _, _, err := openState(context.Background(), cfg); !errors.Is(err, errUsage) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("mysql URL: %v", err)
	}

	srv, err := pgtest.Start()
	if errors.Is(err, pgtest.ErrNotInstalled) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg.State = strings.Replace(srv.URL("postgres"), "postgres://", "postgresql://", 1)
	s, closeFn, err = openState(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if _, ok := s.(*resilient.Store); !ok {
		t.Errorf("-state postgresql://: %T", s)
	}
	u := s.HashUser("tg:1")
	if err := s.SetUserLang(u, "en"); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.UserLang(u); l != "en" {
		t.Errorf("lang = %q", l)
	}
}
