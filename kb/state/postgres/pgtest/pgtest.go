// Package pgtest starts a throwaway PostgreSQL server for tests from the
// binaries of Debian's postgresql package (initdb and postgres under
// /usr/lib/postgresql/<version>/bin): a cluster in a temporary directory,
// listening only on a Unix socket in that directory, trust authentication.
// Run as root, the server runs as the postgres OS user (initdb refuses root).
//
// The server is a child of the test process and gets SIGQUIT if the test
// process dies (a panic or a timeout), so no server outlives its tests.
//
// It is imported only by tests.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable with the URL of an existing server;
// when it is set, tests use that server instead of starting one.
const EnvURL = "FAQBOT_TEST_POSTGRES"

// ErrNotInstalled is returned by Start when initdb and postgres are absent.
var ErrNotInstalled = errors.New("PostgreSQL not installed: apt-get install postgresql")

// Binaries returns the directory holding initdb and postgres: the newest
// /usr/lib/postgresql/*/bin, else the directory of initdb on $PATH.
func Binaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if executable(filepath.Join(d, "initdb")) && executable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && executable(filepath.Join(filepath.Dir(p), "postgres")) {
		return filepath.Dir(p), nil
	}
	return "", ErrNotInstalled
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode()&0o111 != 0
}

// Server is one running (or stopped) throwaway cluster.
type Server struct {
	bin, dir, sock string
	settings       []string
	cred           *syscall.Credential

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan error
}

// Start makes a cluster in a new temporary directory and starts it. settings
// are extra "name=value" server settings; without any the server trades
// durability for speed (fsync=off), as tests want.
func Start(settings ...string) (*Server, error) {
	bin, err := Binaries()
	if err != nil {
		return nil, err
	}
	if settings == nil {
		settings = []string{"fsync=off", "synchronous_commit=off", "full_page_writes=off"}
	}
	dir, err := os.MkdirTemp("", "faqbot-pg-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, sock: filepath.Join(dir, "sock"), settings: settings}
	if err := s.setup(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.Restart(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *Server) setup() error {
	if err := os.Mkdir(s.sock, 0o755); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs the postgres OS user (made by the postgresql package): %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		for _, p := range []string{s.dir, s.sock} {
			if err := os.Chown(p, uid, gid); err != nil {
				return err
			}
		}
		if err := os.Chmod(s.dir, 0o755); err != nil {
			return err
		}
	}
	cmd := exec.Command(filepath.Join(s.bin, "initdb"), "-D", s.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGKILL}
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %w\n%s", err, out)
	}
	return nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// URL is the connection URL of database db on this server.
func (s *Server) URL(db string) string {
	q := url.Values{"host": {s.sock}, "port": {"5432"}, "sslmode": {"disable"}}
	return "postgres://postgres@/" + db + "?" + q.Encode()
}

// Restart starts the server (again, after Stop) on the same data and
// socket, and waits until it accepts connections.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: server already running")
	}
	args := []string{"-D", s.data(), "-k", s.sock, "-p", "5432", "-c", "listen_addresses="}
	for _, kv := range s.settings {
		args = append(args, "-c", kv)
	}
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = s.dir
	// SIGQUIT if this process dies: the postmaster stops at once and takes
	// its backends with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			c.Close(ctx)
			s.cmd, s.exit = cmd, exit
			return nil
		}
		select {
		case werr := <-exit:
			return fmt.Errorf("postgres exited (%v):\n%s", werr, s.Log())
		case <-ctx.Done():
			cmd.Process.Kill()
			<-exit
			return fmt.Errorf("postgres not ready within 30s: %v\n%s", err, s.Log())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Log returns the server's log (for failure messages).
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	return string(b)
}

// Stop shuts the server down (fast shutdown: connections are closed) and
// waits for it; the data stays for Restart.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	cmd, exit := s.cmd, s.exit
	s.cmd, s.exit = nil, nil
	cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exit:
		return nil
	case <-time.After(15 * time.Second):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exit
		return errors.New("pgtest: postgres ignored SIGINT for 15s; killed")
	}
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	err := s.Stop()
	return errors.Join(err, os.RemoveAll(s.dir))
}

// Main is for TestMain: it points *url at $FAQBOT_TEST_POSTGRES or at a
// server it starts for the package's tests (stopped when they end), runs
// them and returns the exit code. When PostgreSQL is not installed, *url
// stays "" and *skip says why: tests call Need, which skips them.
func Main(m *testing.M, url, skip *string) int {
	if u := os.Getenv(EnvURL); u != "" {
		*url = u
		return m.Run()
	}
	srv, err := Start()
	if errors.Is(err, ErrNotInstalled) {
		*skip = err.Error()
		return m.Run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer srv.Close()
	*url = srv.URL("postgres")
	return m.Run()
}

// Fresh returns a URL to an empty schema of its own on the server at base
// (search_path set in the URL), dropped when t ends: tests do not see each
// other's rows, and making one costs a millisecond, not a CREATE DATABASE.
func Fresh(t testing.TB, base string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer c.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return // the test stopped the server
		}
		defer c.Close(ctx)
		c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
	})
	return WithParam(base, "search_path", schema)
}

// WithParam returns u with one more query parameter (pgx sends unknown
// parameters as server settings at connect).
func WithParam(u, key, val string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + url.QueryEscape(key) + "=" + url.QueryEscape(val)
}
