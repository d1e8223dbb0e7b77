package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"
)

// fakeBotAPI is a Telegram Bot API server on httptest speaking the wire
// format the library uses: form-encoded POSTs to /bot<token>/<method>,
// {"ok":true,"result":…} envelopes, errors with error_code, description and
// parameters.retry_after, getUpdates that waits up to `timeout` seconds when
// there is nothing to return and drops updates below `offset` as Telegram
// does. It validates what Telegram validates (HTML entities, message length,
// callback_data size) and records every call.
type fakeBotAPI struct {
	t     testing.TB
	srv   *httptest.Server
	token string

	mu      sync.Mutex
	pending []fakeBotUpdate // not yet confirmed by an offset
	nextID  int
	pushed  map[int]time.Time
	calls   []fakeBotCall
	faults  map[string][]fakeBotFault
	msgID   int
	wake    chan struct{}   // closed and replaced on every push and call
	cbDone  map[string]bool // callback queries answered: Telegram takes one answer
}

type fakeBotUpdate struct {
	id  int
	raw json.RawMessage
}

// fakeBotCall is one recorded Bot API call.
type fakeBotCall struct {
	Method string
	Params url.Values
	At     time.Time // when the request arrived (it is recorded then)
	OK     bool      // answered with ok:true (set when answered)
	Error  string    // description when not OK
}

// fakeBotFault is an error the fake returns instead of the next result.
type fakeBotFault struct {
	Status     int // HTTP status; default: Code
	Code       int // error_code
	Desc       string
	RetryAfter int
	Body       string // raw non-JSON body (a proxy's error page) instead of an envelope
}

const fakeBotID = 7000001

func newFakeBotAPI(t testing.TB, token string) *fakeBotAPI {
	f := &fakeBotAPI{t: t, token: token, nextID: 100, pushed: map[int]time.Time{},
		faults: map[string][]fakeBotFault{}, wake: make(chan struct{})}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the base URL to give as TELEGRAM_API_ENDPOINT.
func (f *fakeBotAPI) URL() string { return f.srv.URL }

func (f *fakeBotAPI) broadcast() {
	close(f.wake)
	f.wake = make(chan struct{})
}

// push queues an update, assigning update_id when it has none; it returns the id.
func (f *fakeBotAPI) push(u map[string]any) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := u["update_id"].(int)
	if !ok {
		id = f.nextID
		u["update_id"] = id
	}
	f.nextID = max(f.nextID, id+1)
	raw, err := json.Marshal(u)
	if err != nil {
		f.t.Fatal(err)
	}
	f.pending = append(f.pending, fakeBotUpdate{id: id, raw: raw})
	f.pushed[id] = time.Now()
	f.broadcast()
	return id
}

// pushRaw queues an update given as JSON text; %d in rawFmt is its update_id.
func (f *fakeBotAPI) pushRaw(rawFmt string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := f.nextID
	f.nextID++
	f.pending = append(f.pending, fakeBotUpdate{id: id, raw: json.RawMessage(fmt.Sprintf(rawFmt, id))})
	f.broadcast()
	return id
}

// fail makes the next calls of method return faults, in order.
func (f *fakeBotAPI) fail(method string, faults ...fakeBotFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[method] = append(f.faults[method], faults...)
}

// callsOf returns the recorded calls of method ("" for all); okOnly keeps
// the successful ones.
func (f *fakeBotAPI) callsOf(method string, okOnly bool) []fakeBotCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeBotCall
	for _, c := range f.calls {
		if (method == "" || c.Method == method) && (!okOnly || c.OK) {
			out = append(out, c)
		}
	}
	return out
}

// waitOK waits until method has been answered successfully n times and
// returns those calls; it fails the test after timeout.
func (f *fakeBotAPI) waitOK(t testing.TB, method string, n int, timeout time.Duration) []fakeBotCall {
	t.Helper()
	deadline := time.After(timeout)
	for {
		f.mu.Lock()
		wake := f.wake
		f.mu.Unlock()
		if got := f.callsOf(method, true); len(got) >= n {
			return got
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("waited %v for %d successful %s calls, got %d; all calls: %s", timeout, n, method, len(f.callsOf(method, true)), f.summary())
			return nil
		}
	}
}

func (f *fakeBotAPI) summary() string {
	var b strings.Builder
	for _, c := range f.callsOf("", false) {
		if c.Method == "getUpdates" {
			continue
		}
		fmt.Fprintf(&b, "\n  %s ok=%v chat=%s text=%.60q %s", c.Method, c.OK, c.Params.Get("chat_id"), c.Params.Get("text"), c.Error)
	}
	return b.String()
}

// pushedAt is when update id was pushed.
func (f *fakeBotAPI) pushedAt(id int) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pushed[id]
}

type fakeBotEnvelope struct {
	OK          bool               `json:"ok"`
	Result      any                `json:"result,omitempty"`
	ErrorCode   int                `json:"error_code,omitempty"`
	Description string             `json:"description,omitempty"`
	Parameters  *fakeBotParameters `json:"parameters,omitempty"`
}

type fakeBotParameters struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

func (f *fakeBotAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	rest, okPrefix := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, okMethod := strings.Cut(rest, "/")
	if !okPrefix || !okMethod {
		fakeBotWrite(w, fakeBotFault{Code: 404, Desc: "Not Found"})
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		fakeBotWrite(w, fakeBotFault{Code: 405, Desc: "Method Not Allowed"})
		return
	}
	params, err := fakeBotParams(r)
	if err != nil {
		fakeBotWrite(w, fakeBotFault{Code: 400, Desc: "Bad Request: " + err.Error()})
		return
	}
	f.mu.Lock()
	idx := len(f.calls)
	f.calls = append(f.calls, fakeBotCall{Method: method, Params: params, At: at})
	f.broadcast()
	f.mu.Unlock()
	var result any
	var fault *fakeBotFault
	if token != f.token {
		fault = &fakeBotFault{Code: 401, Desc: "Unauthorized"}
	} else {
		f.mu.Lock()
		if q := f.faults[method]; len(q) > 0 {
			fault, f.faults[method] = &q[0], q[1:]
		}
		f.mu.Unlock()
		if fault == nil {
			result, fault = f.call(r, method, params)
		}
	}
	f.mu.Lock()
	f.calls[idx].OK = fault == nil
	if fault != nil {
		f.calls[idx].Error = fault.Desc
	}
	f.broadcast()
	f.mu.Unlock()
	if fault != nil {
		fakeBotWrite(w, *fault)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(fakeBotEnvelope{OK: true, Result: result})
}

// fakeBotParams reads the form the way the Bot API does: urlencoded or
// multipart body, or the query string.
func fakeBotParams(r *http.Request) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			return nil, err
		}
		return url.Values(r.MultipartForm.Value), nil
	case "", "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		return r.Form, nil
	}
	return nil, fmt.Errorf("unsupported content type %q", ct)
}

func fakeBotWrite(w http.ResponseWriter, f fakeBotFault) {
	status := f.Status
	if status == 0 {
		status = f.Code
	}
	if f.Body != "" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
		return
	}
	env := fakeBotEnvelope{ErrorCode: f.Code, Description: f.Desc}
	if f.RetryAfter > 0 {
		env.Parameters = &fakeBotParameters{RetryAfter: f.RetryAfter}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(env)
}

func fakeBotBadRequest(desc string) *fakeBotFault {
	return &fakeBotFault{Code: 400, Desc: "Bad Request: " + desc}
}

func (f *fakeBotAPI) call(r *http.Request, method string, p url.Values) (any, *fakeBotFault) {
	switch method {
	case "getMe":
		return map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "FAQ", "username": "faq_test_bot",
			"can_join_groups": true, "supports_inline_queries": true}, nil
	case "getUpdates":
		return f.getUpdates(r, p)
	case "sendMessage":
		return f.sendMessage(p)
	case "answerCallbackQuery":
		id := p.Get("callback_query_id")
		f.mu.Lock()
		again := f.cbDone[id]
		if f.cbDone == nil {
			f.cbDone = map[string]bool{}
		}
		f.cbDone[id] = true
		f.mu.Unlock()
		if id == "" || again {
			return nil, fakeBotBadRequest("query is too old and response timeout expired or query ID is invalid")
		}
		return true, nil
	case "answerInlineQuery":
		return f.answerInline(p)
	case "setWebhook":
		u, err := url.Parse(p.Get("url"))
		if err != nil || u.Scheme != "https" && u.Scheme != "http" {
			return nil, fakeBotBadRequest("bad webhook: invalid URL")
		}
		if s := p.Get("secret_token"); s != "" && !regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`).MatchString(s) {
			return nil, fakeBotBadRequest("secret token contains unallowed characters")
		}
		return true, nil
	case "deleteWebhook":
		return true, nil
	}
	return nil, &fakeBotFault{Code: 404, Desc: "Not Found"}
}

func (f *fakeBotAPI) getUpdates(r *http.Request, p url.Values) (any, *fakeBotFault) {
	offset, _ := strconv.Atoi(p.Get("offset"))
	limit, _ := strconv.Atoi(p.Get("limit"))
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p.Get("timeout"))
	deadline := time.Now().Add(time.Duration(timeout) * time.Second)
	for {
		f.mu.Lock()
		if offset > 0 { // confirm everything below offset
			kept := f.pending[:0]
			for _, u := range f.pending {
				if u.id >= offset {
					kept = append(kept, u)
				}
			}
			f.pending = kept
		}
		out := []json.RawMessage{}
		for _, u := range f.pending {
			if u.id >= offset && len(out) < limit {
				out = append(out, u.raw)
			}
		}
		wake := f.wake
		f.mu.Unlock()
		wait := time.Until(deadline)
		if len(out) > 0 || wait <= 0 {
			return out, nil
		}
		select {
		case <-wake:
		case <-time.After(wait):
		case <-r.Context().Done():
			return out, nil
		}
	}
}

func (f *fakeBotAPI) sendMessage(p url.Values) (any, *fakeBotFault) {
	chat, err := strconv.ParseInt(p.Get("chat_id"), 10, 64)
	if err != nil {
		return nil, fakeBotBadRequest("chat not found")
	}
	text := p.Get("text")
	if text == "" {
		return nil, fakeBotBadRequest("message text is empty")
	}
	visible := text
	if p.Get("parse_mode") == "HTML" {
		if visible, err = fakeBotParseHTML(text); err != nil {
			return nil, fakeBotBadRequest("can't parse entities: " + err.Error())
		}
	} else if p.Get("parse_mode") != "" {
		return nil, fakeBotBadRequest("unsupported parse_mode")
	}
	if strings.TrimSpace(visible) == "" {
		return nil, fakeBotBadRequest("message text is empty")
	}
	if len(utf16.Encode([]rune(visible))) > 4096 {
		return nil, fakeBotBadRequest("message is too long")
	}
	if fault := fakeBotCheckMarkup(p.Get("reply_markup")); fault != nil {
		return nil, fault
	}
	f.mu.Lock()
	f.msgID++
	id := f.msgID
	f.mu.Unlock()
	typ := "private"
	if chat < 0 {
		typ = "supergroup"
	}
	return map[string]any{"message_id": id, "date": time.Now().Unix(), "text": visible,
		"from": map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "FAQ", "username": "faq_test_bot"},
		"chat": map[string]any{"id": chat, "type": typ}}, nil
}

func fakeBotCheckMarkup(s string) *fakeBotFault {
	if s == "" {
		return nil
	}
	var m struct {
		InlineKeyboard [][]struct {
			Text         string  `json:"text"`
			CallbackData *string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return fakeBotBadRequest("can't parse reply keyboard markup JSON object")
	}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.Text == "" {
				return fakeBotBadRequest("text buttons are unallowed in the inline keyboard")
			}
			if b.CallbackData == nil || len(*b.CallbackData) < 1 || len(*b.CallbackData) > 64 {
				return fakeBotBadRequest("BUTTON_DATA_INVALID")
			}
		}
	}
	return nil
}

func (f *fakeBotAPI) answerInline(p url.Values) (any, *fakeBotFault) {
	if p.Get("inline_query_id") == "" {
		return nil, fakeBotBadRequest("query is too old and response timeout expired or query ID is invalid")
	}
	var results []fakeInlineResult
	if err := json.Unmarshal([]byte(p.Get("results")), &results); err != nil || results == nil {
		return nil, fakeBotBadRequest("can't parse inline query results JSON object")
	}
	if len(results) > 50 {
		return nil, fakeBotBadRequest("RESULTS_TOO_MUCH")
	}
	seen := map[string]bool{}
	for _, r := range results {
		if r.Type != "article" || r.ID == "" || len(r.ID) > 64 || seen[r.ID] || r.Title == "" {
			return nil, fakeBotBadRequest("RESULT_ID_INVALID")
		}
		seen[r.ID] = true
		if r.Content.ParseMode == "HTML" {
			if _, err := fakeBotParseHTML(r.Content.Text); err != nil {
				return nil, fakeBotBadRequest("can't parse entities: " + err.Error())
			}
		}
	}
	return true, nil
}

// fakeBotParseHTML checks Telegram's HTML parse mode (supported tags, balanced,
// only &lt; &gt; &amp; &quot; and numeric entities) and returns the visible text.
func fakeBotParseHTML(s string) (string, error) {
	allowed := map[string]bool{"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
		"s": true, "strike": true, "del": true, "a": true, "code": true, "pre": true, "tg-spoiler": true, "blockquote": true}
	entity := regexp.MustCompile(`^&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);`)
	var out strings.Builder
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return "", fmt.Errorf("unclosed start tag at byte offset %d", i)
			}
			tag := s[i+1 : i+j]
			if name, ok := strings.CutPrefix(tag, "/"); ok {
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return "", fmt.Errorf("unmatched end tag at byte offset %d, expected \"</%s>\"", i, strings.Join(stack, ","))
				}
				stack = stack[:len(stack)-1]
			} else {
				name, _, _ := strings.Cut(tag, " ")
				if !allowed[name] {
					return "", fmt.Errorf("unsupported start tag %q at byte offset %d", name, i)
				}
				stack = append(stack, name)
			}
			i += j + 1
		case '>':
			return "", fmt.Errorf("unexpected > at byte offset %d", i)
		case '&':
			m := entity.FindString(s[i:])
			if m == "" {
				return "", errors.New("can't find end of the entity starting at byte offset " + strconv.Itoa(i))
			}
			out.WriteString(map[string]string{"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": `"`}[m])
			i += len(m)
		default:
			out.WriteByte(s[i])
			i++
		}
	}
	if len(stack) > 0 {
		return "", fmt.Errorf("unclosed tags %v", stack)
	}
	return out.String(), nil
}

// Update builders shaped like the real ones.

// entities marks a leading /command and @mentions as Telegram does
// (offsets and lengths in UTF-16 units).
func entities(text string) []map[string]any {
	var ents []map[string]any
	u16 := func(s string) int { return len(utf16.Encode([]rune(s))) }
	if cmd := regexp.MustCompile(`^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{5,32})?`).FindString(text); cmd != "" {
		ents = append(ents, map[string]any{"type": "bot_command", "offset": 0, "length": u16(cmd)})
	}
	for _, m := range regexp.MustCompile(`@[A-Za-z0-9_]{5,32}`).FindAllStringIndex(text, -1) {
		ents = append(ents, map[string]any{"type": "mention", "offset": u16(text[:m[0]]), "length": u16(text[m[0]:m[1]])})
	}
	return ents
}

var fakeBotMsgSeq struct {
	sync.Mutex
	n int
}

// messageObj is a message from user in chat (chat < 0: a supergroup).
func messageObj(chat, user int64, fields map[string]any) map[string]any {
	fakeBotMsgSeq.Lock()
	fakeBotMsgSeq.n++
	id := fakeBotMsgSeq.n
	fakeBotMsgSeq.Unlock()
	chatObj := map[string]any{"id": chat, "type": "private", "first_name": "Tester"}
	if chat < 0 {
		chatObj = map[string]any{"id": chat, "type": "supergroup", "title": "医保交流群"}
	}
	m := map[string]any{"message_id": id, "date": time.Now().Unix(), "chat": chatObj,
		"from": map[string]any{"id": user, "is_bot": false, "first_name": "Tester", "language_code": "zh-hans"}}
	for k, v := range fields {
		m[k] = v
	}
	if text, ok := m["text"].(string); ok {
		if ents := entities(text); len(ents) > 0 {
			m["entities"] = ents
		}
	}
	return m
}

// textUpdate is a text message update.
func textUpdate(chat, user int64, text string) map[string]any {
	return map[string]any{"message": messageObj(chat, user, map[string]any{"text": text})}
}

// callbackUpdate is a button press on a message the bot sent to chat.
func callbackUpdate(chat, user int64, data string) map[string]any {
	msg := messageObj(chat, fakeBotID, map[string]any{"text": "…"})
	msg["from"] = map[string]any{"id": fakeBotID, "is_bot": true, "first_name": "FAQ", "username": "faq_test_bot"}
	return map[string]any{"callback_query": map[string]any{
		"id": "cb" + strconv.FormatInt(time.Now().UnixNano(), 36), "chat_instance": "42", "data": data,
		"from": map[string]any{"id": user, "is_bot": false, "first_name": "Tester"}, "message": msg}}
}

// inlineUpdate is an inline query typed by user.
func inlineUpdate(user int64, query string) map[string]any {
	return map[string]any{"inline_query": map[string]any{
		"id": "iq" + strconv.FormatInt(time.Now().UnixNano(), 36), "query": query, "offset": "", "chat_type": "sender",
		"from": map[string]any{"id": user, "is_bot": false, "first_name": "Tester"}}}
}

// fakeInlineResult is one article result of answerInlineQuery as the Bot API
// receives it.
type fakeInlineResult struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Title   string `json:"title"`
	Content struct {
		Text      string `json:"message_text"`
		ParseMode string `json:"parse_mode"`
	} `json:"input_message_content"`
}
