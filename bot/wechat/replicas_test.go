package wechat

import (
	"strings"
	"sync"
	"testing"
	"time"

	"faqbot/bot/bottest"
)

// replicas are two Servers, each with its own engine, sharing one State:
// two faqbot replicas on one PostgreSQL. Requests are signed as WeChat
// signs them (a fresh nonce per push).
func newReplicas(t *testing.T, cfgA, cfgB Config) (a, b *testEnv) {
	t.Helper()
	st := bottest.NewState()
	return newEnvWith(t, cfgA, st, newTestAsker(t)), newEnvWith(t, cfgB, st, newTestAsker(t))
}

// asked is how many questions both replicas' engines were asked.
func asked(envs ...*testEnv) (n int) {
	for _, e := range envs {
		n += e.eng.calls()
	}
	return n
}

// waitCalls waits until e's engine has been asked n questions.
func waitCalls(t *testing.T, e *testEnv, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.eng.calls() < n {
		if time.Now().After(deadline) {
			t.Fatalf("engine asked %d questions, want %d", e.eng.calls(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReplicasRetry: a message (same sender and MsgId) delivered to two
// replicas is answered once, journaled once, and both deliveries get the
// same reply, whichever order they come in.
func TestReplicasRetry(t *testing.T) {
	a, b := newReplicas(t, Config{}, Config{})

	// A retry after the answer: the other replica returns the stored reply.
	msg := textXML("u-rep-1", "异地就医怎么备案", 7001)
	_, first := a.postPlain(msg)
	_, again := b.postPlain(msg)
	if c := parseOut(t, first).Content; !strings.Contains(c, "备案") {
		t.Fatalf("first reply: %q", c)
	}
	if again != first {
		t.Errorf("retry on the other replica:\n%s\nvs\n%s", again, first)
	}
	if n, j := asked(a, b), a.journaled()+b.journaled(); n != 1 || j != 1 {
		t.Errorf("sequential retry: %d questions asked, %d journaled, want 1 and 1", n, j)
	}

	// Deliveries at once on both replicas: one claims, the other waits for
	// its reply.
	msg = textXML("u-rep-2", "医保卡丢了怎么办", 7002)
	bodies := make([]string, 6)
	var wg sync.WaitGroup
	for i := range bodies {
		env := a
		if i%2 == 1 {
			env = b
		}
		wg.Go(func() { _, bodies[i] = env.postPlain(msg) })
	}
	wg.Wait()
	for i, body := range bodies {
		if body != bodies[0] || !strings.Contains(body, "<Content>") {
			t.Errorf("concurrent delivery %d: %s\nvs\n%s", i, body, bodies[0])
		}
	}
	if n := asked(a, b); n != 2 {
		t.Errorf("concurrent deliveries: %d questions asked in all, want 2", n)
	}
}

// TestReplicasSlowWinner: the replica that lost the claim waits for the
// winner's reply (within its budget) and returns it; when the reply is not
// ready in time it answers "success" within the budget, and a later retry
// gets the stored reply. Nothing is asked twice.
func TestReplicasSlowWinner(t *testing.T) {
	m := &countMetrics{}
	a, b := newReplicas(t, Config{}, Config{Budget: 300 * time.Millisecond, Metrics: m})
	a.eng.gate = make(chan struct{})

	msg := textXML("u-slow-rep", "家庭共济怎么绑定", 7101)
	var fromA string
	done := make(chan struct{})
	go func() { defer close(done); _, fromA = a.postPlain(msg) }()
	waitCalls(t, a, 1) // a holds the claim and is answering

	start := time.Now()
	code, body := b.postPlain(msg)
	if took := time.Since(start); code != 200 || body != "success" || took > 2*time.Second || took < 250*time.Millisecond {
		t.Fatalf("retry while the other replica answers: %d %q after %v, want 200 success after about the 300ms budget", code, body, took)
	}
	if n := m.get("wechat"); n != 1 {
		t.Errorf("send errors on the waiting replica = %d, want 1", n)
	}

	// Within the budget this time: b returns a's reply as soon as it is stored.
	b2done := make(chan string)
	go func() {
		_, body := newEnvWith(t, Config{}, b.st, b.eng).postPlain(msg)
		b2done <- body
	}()
	time.Sleep(100 * time.Millisecond)
	close(a.eng.gate)
	<-done
	fromB := <-b2done
	if c := parseOut(t, fromA).Content; !strings.Contains(c, "家庭共济") {
		t.Fatalf("winner's reply: %q", c)
	}
	if fromB != fromA {
		t.Errorf("waiting replica's reply:\n%s\nvs the winner's\n%s", fromB, fromA)
	}
	a.w.Wait()
	if _, later := b.postPlain(msg); later != fromA {
		t.Errorf("later retry on the other replica:\n%s\nvs\n%s", later, fromA)
	}
	if n, j := asked(a, b), a.journaled()+b.journaled(); n != 1 || j != 1 {
		t.Errorf("%d questions asked, %d journaled, want 1 and 1", n, j)
	}
}

// TestReplicasFailedWinner: a winner whose engine failed releases the
// claim, so the retry on the other replica asks again and gets an answer.
func TestReplicasFailedWinner(t *testing.T) {
	a, b := newReplicas(t, Config{}, Config{})
	a.eng.fail = "error"
	msg := textXML("u-fail-rep", "医保卡丢了怎么办", 7201)
	if _, body := a.postPlain(msg); parseOut(t, body).Content != phrase("zh", "busy") {
		t.Fatalf("failed answer: %s", body)
	}
	a.w.Wait()
	_, body := b.postPlain(msg)
	if c := parseOut(t, body).Content; !strings.Contains(c, "医保卡") || b.eng.calls() != 1 {
		t.Errorf("retry on the other replica: %q after %d calls there, want a real answer", c, b.eng.calls())
	}
}

// TestReplicasSafeMode: the same in safe mode (AES), as Tencent's samples
// encrypt and sign: the decrypted replies agree, one question asked. The
// language chosen on one replica applies on the other.
func TestReplicasSafeMode(t *testing.T) {
	cfg := Config{AESKey: vecAKey, AppID: vecAAppID}
	a, b := newReplicas(t, cfg, cfg)
	if _, body := a.postSafe(textXML("u-safe-rep", "English", 7301)); !strings.Contains(func() string { r, _ := a.openSafe(body); return r.Content }(), "English") {
		t.Fatalf("English on replica a: %s", body)
	}
	msg := textXML("u-safe-rep", "How do I file for remote medical care?", 7302)
	var wg sync.WaitGroup
	var ra, rb string
	wg.Go(func() { _, body := a.postSafe(msg); r, _ := a.openSafe(body); ra = r.Content })
	wg.Go(func() { _, body := b.postSafe(msg); r, _ := b.openSafe(body); rb = r.Content })
	wg.Wait()
	if ra == "" || ra != rb {
		t.Errorf("safe-mode replies differ:\n%q\n%q", ra, rb)
	}
	if n := asked(a, b); n != 1 {
		t.Errorf("%d questions asked, want 1", n)
	}
	if l := a.st.Lang("u-safe-rep"); l != "en" {
		t.Errorf("shared language = %q, want en", l)
	}
}
