// Command loadtest fires N requests with C in flight at one of faqbot's
// HTTP front ends and prints req/s, p50 and p99.
//
//	go run ./deploy/loadtest -url http://127.0.0.1:8089 -mode wechat-safe -n 5000 -c 32
//
// Modes: get (GET the URL as is, e.g. /trivial), ask (POST /api/ask),
// wechat-plain and wechat-safe (POST /wechat, signed, and in safe mode
// encrypted like WeChat does; every request has a new MsgId so each one is
// answered, not served from the retry cache). The WeChat crypto here is
// written independently of bot/, so a run also checks interoperability:
// every safe-mode reply is verified and decrypted.
package main

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var questions = []string{
	"医保卡丢了怎么办", "异地就医怎么备案", "家庭共济怎么绑定", "起付线是什么意思", "新农合和居民医保有什么区别",
	"How do I file for medical care in another city?", "I lost my insurance card", "what is the deductible",
	"生孩子医保能报销多少", "灵活就业怎么交医保", "你好", "我头疼吃什么药",
}

type config struct {
	url, mode, token, appID string
	key                     []byte
	n, c                    int
	timeout                 time.Duration
	pick                    func(i int64) string // the question of request i
	users                   bool                 // ask as a user (conversation context kept)
	userPool                int64                // users asked as: request i is user i mod userPool (0: every request its own user)
}

func main() {
	var cfg config
	var aesKey string
	flag.StringVar(&cfg.url, "url", "http://127.0.0.1:8089", "base URL of the server (mode get: the full URL)")
	flag.StringVar(&cfg.mode, "mode", "ask", "get | ask | wechat-plain | wechat-safe")
	flag.IntVar(&cfg.n, "n", 2000, "requests in total")
	flag.IntVar(&cfg.c, "c", 16, "requests in flight")
	flag.StringVar(&cfg.token, "token", "loadtest-token", "WeChat token")
	flag.StringVar(&aesKey, "aes-key", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "WeChat EncodingAESKey")
	flag.StringVar(&cfg.appID, "appid", "wxloadtest0000000", "WeChat AppID")
	flag.DurationVar(&cfg.timeout, "timeout", 10*time.Second, "per-request timeout")
	flag.BoolVar(&cfg.users, "users", true, "mode ask: send a user id, so the server keeps each conversation's context")
	flag.Int64Var(&cfg.userPool, "user-pool", 1000, "mode ask with -users: how many users ask (request i is user i mod the pool); 0: every request a new user")
	qfile := flag.String("questions", "", "file of questions, one a line (a TSV's first column; # comments skipped); default: a dozen built in")
	qmode := flag.String("q", "cycle", "cycle (the questions in turn), distinct (every request a question not asked before: the list's questions, numbered), repeat (the first question every time)")
	flag.Parse()
	qs := questions
	if *qfile != "" {
		var err error
		if qs, err = readQuestions(*qfile); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(2)
		}
	}
	switch *qmode {
	case "cycle":
		cfg.pick = func(i int64) string { return qs[int(i)%len(qs)] }
	case "distinct":
		// Numbered from the clock, so that no run repeats an earlier one's
		// questions (a server's answer cache would serve them).
		base := time.Now().UnixMilli() % 1e9
		cfg.pick = func(i int64) string {
			return qs[int(i)%len(qs)] + " " + strconv.FormatInt(base+i/int64(len(qs)), 10)
		}
	case "repeat":
		cfg.pick = func(int64) string { return qs[0] }
	default:
		fmt.Fprintln(os.Stderr, "loadtest: bad -q")
		os.Exit(2)
	}
	key, err := base64.StdEncoding.DecodeString(aesKey + "=") // Go's default decoder ignores the leftover bits
	if err != nil || len(key) != 32 {
		fmt.Fprintln(os.Stderr, "loadtest: bad -aes-key")
		os.Exit(2)
	}
	cfg.key = key
	res, err := run(cfg)
	res.qmode = *qmode
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	fmt.Println(res)
	if res.errors > 0 {
		os.Exit(1)
	}
}

type result struct {
	mode, qmode  string
	n, c, errors int
	took         time.Duration
	lat          []time.Duration
	firstErr     error
}

func (r result) String() string {
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	q := func(p float64) time.Duration {
		if len(r.lat) == 0 {
			return 0
		}
		return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))]
	}
	s := fmt.Sprintf("mode=%-13s q=%-8s n=%d c=%d req/s=%.0f p50=%v p99=%v errors=%d",
		r.mode, r.qmode, r.n, r.c, float64(r.n)/r.took.Seconds(), q(0.50).Round(time.Microsecond), q(0.99).Round(time.Microsecond), r.errors)
	if r.firstErr != nil {
		s += " first error: " + r.firstErr.Error()
	}
	return s
}

func run(cfg config) (result, error) {
	if cfg.n < 1 || cfg.c < 1 {
		return result{}, errors.New("-n and -c must be positive")
	}
	client := &http.Client{Timeout: cfg.timeout, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.c, MaxConnsPerHost: cfg.c}}
	var next atomic.Int64
	base := time.Now().UnixNano() // MsgIds unique across runs
	res := result{mode: cfg.mode, n: cfg.n, c: cfg.c, lat: make([]time.Duration, 0, cfg.n)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range cfg.c {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(cfg.n) {
					return
				}
				t0 := time.Now()
				err := one(client, cfg, base+i, cfg.pick(i-1))
				d := time.Since(t0)
				mu.Lock()
				res.lat = append(res.lat, d)
				if err != nil {
					res.errors++
					if res.firstErr == nil {
						res.firstErr = err
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.took = time.Since(start)
	return res, nil
}

// one sends one request and checks its reply.
func one(client *http.Client, cfg config, id int64, question string) error {
	var req *http.Request
	var err error
	switch cfg.mode {
	case "get":
		req, err = http.NewRequest(http.MethodGet, cfg.url, nil)
	case "ask":
		m := map[string]string{"question": question}
		if cfg.users {
			u := id
			if cfg.userPool > 0 {
				u = id % cfg.userPool
			}
			m["user"] = "load-" + strconv.FormatInt(u, 10)
		}
		body, _ := json.Marshal(m)
		req, err = http.NewRequest(http.MethodPost, strings.TrimRight(cfg.url, "/")+"/api/ask", bytes.NewReader(body))
		if req != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	case "wechat-plain", "wechat-safe":
		req, err = wechatRequest(cfg, id, question)
	default:
		return fmt.Errorf("unknown mode %q", cfg.mode)
	}
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d: %.100s", resp.StatusCode, data)
	}
	switch cfg.mode {
	case "ask":
		var a struct{ Question string }
		if err := json.Unmarshal(data, &a); err != nil || a.Question == "" {
			return fmt.Errorf("bad answer %.100s", data)
		}
	case "wechat-plain":
		return checkText(data)
	case "wechat-safe":
		return checkSafe(cfg, data)
	}
	return nil
}

func signature(parts ...string) string {
	p := slices.Clone(parts)
	sort.Strings(p)
	sum := sha1.Sum([]byte(strings.Join(p, "")))
	return hex.EncodeToString(sum[:])
}

func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// wechatRequest builds the POST WeChat would send for a text message.
func wechatRequest(cfg config, id int64, question string) (*http.Request, error) {
	now := time.Now().Unix()
	msg := fmt.Sprintf("<xml><ToUserName>%s</ToUserName><FromUserName>%s</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>%s</MsgType><Content>%s</Content><MsgId>%d</MsgId></xml>",
		cdata("gh_loadtest"), cdata(fmt.Sprintf("oLoad%04d", id%1000)), now, cdata("text"), cdata(question), id)
	ts, nonce := strconv.FormatInt(now, 10), strconv.FormatInt(id, 10)
	q := url.Values{"signature": {signature(cfg.token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "openid": {"x"}}
	body := msg
	if cfg.mode == "wechat-safe" {
		enc, err := encrypt(cfg, []byte(msg))
		if err != nil {
			return nil, err
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", signature(cfg.token, ts, nonce, enc))
		body = "<xml><ToUserName>" + cdata("gh_loadtest") + "</ToUserName><Encrypt>" + cdata(enc) + "</Encrypt></xml>"
	}
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(cfg.url, "/")+"/wechat?"+q.Encode(), strings.NewReader(body))
	if req != nil {
		req.Header.Set("Content-Type", "text/xml")
	}
	return req, err
}

// encrypt is WXBizMsgCrypt's encrypt: AES-256-CBC, IV = key[:16], 16
// random bytes + big-endian length + message + AppID, PKCS#7 to 32 bytes.
func encrypt(cfg config, msg []byte) (string, error) {
	random := make([]byte, 16)
	rand.Read(random)
	plain := append(random, binary.BigEndian.AppendUint32(nil, uint32(len(msg)))...)
	plain = append(append(plain, msg...), cfg.appID...)
	pad := 32 - len(plain)%32
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(cfg.key)
	if err != nil {
		return "", err
	}
	cipher.NewCBCEncrypter(block, cfg.key[:16]).CryptBlocks(plain, plain)
	return base64.StdEncoding.EncodeToString(plain), nil
}

type reply struct {
	Content, MsgType                        string
	Encrypt, MsgSignature, TimeStamp, Nonce string
}

func checkText(data []byte) error {
	if string(data) == "success" {
		return errors.New(`"success": answer slower than the budget`)
	}
	var r reply
	if err := xml.Unmarshal(data, &r); err != nil || r.MsgType != "text" || r.Content == "" || len(r.Content) >= 2048 {
		return fmt.Errorf("bad text reply %.100s", data)
	}
	return nil
}

// checkSafe verifies and decrypts a safe-mode reply.
func checkSafe(cfg config, data []byte) error {
	var env reply
	if err := xml.Unmarshal(data, &env); err != nil || env.Encrypt == "" {
		return checkText(data)
	}
	if signature(cfg.token, env.TimeStamp, env.Nonce, env.Encrypt) != env.MsgSignature {
		return errors.New("reply msg_signature does not verify")
	}
	raw, err := base64.StdEncoding.DecodeString(env.Encrypt)
	if err != nil || len(raw)%16 != 0 || len(raw) == 0 {
		return errors.New("reply ciphertext malformed")
	}
	block, _ := aes.NewCipher(cfg.key)
	cipher.NewCBCDecrypter(block, cfg.key[:16]).CryptBlocks(raw, raw)
	pad := int(raw[len(raw)-1])
	if pad < 1 || pad > 32 || len(raw) < 20+pad {
		return errors.New("reply padding malformed")
	}
	raw = raw[:len(raw)-pad]
	n := int(binary.BigEndian.Uint32(raw[16:20]))
	if 20+n > len(raw) || string(raw[20+n:]) != cfg.appID {
		return errors.New("reply length or AppID wrong")
	}
	return checkText(raw[20 : 20+n])
}

// readQuestions reads the first column of a question file.
func readQuestions(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var qs []string
	for _, line := range strings.Split(string(data), "\n") {
		q, _, _ := strings.Cut(strings.TrimRight(line, "\r"), "\t")
		if q = strings.TrimSpace(q); q != "" && !strings.HasPrefix(q, "#") {
			qs = append(qs, q)
		}
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("%s: no questions", path)
	}
	return qs, nil
}
