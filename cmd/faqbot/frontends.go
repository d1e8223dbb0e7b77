package main

import (
	"context"
	"fmt"
	"net/http"
)

// frontEnds mounts every configured front end on mux and says once, at
// start, which are on and why the others are off.
func (srv *server) frontEnds(ctx context.Context, mux *http.ServeMux, s stdio) error {
	cfg := srv.cfg
	status := func(name string, on bool, why string) {
		state := "off"
		if on {
			state = "on"
		}
		fmt.Fprintf(s.err, "faqbot: %-9s %-3s %s\n", name, state, why)
	}
	status("admin", cfg.AdminToken != "", map[bool]string{true: "POST /admin/reindex, GET /admin/stats", false: "(FAQBOT_ADMIN_TOKEN not set)"}[cfg.AdminToken != ""])
	return nil
}
