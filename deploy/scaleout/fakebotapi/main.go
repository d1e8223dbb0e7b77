// Command fakebotapi is the Telegram Bot API as far as `faqbot serve` uses
// it in webhook mode (getMe, setWebhook, sendMessage), for the scale-out
// test: it counts sendMessage calls per chat, and GET /sent?chat=ID prints
// that count, so the test can check that an update redelivered to several
// replicas was answered once.
//
//	fakebotapi -addr 127.0.0.1:18084
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18084", "listen address")
	flag.Parse()
	var mu sync.Mutex
	sent := map[string]int{}
	msgID := 0
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sent", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(w, sent[r.URL.Query().Get("chat")])
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/bot") {
			http.NotFound(w, r)
			return
		}
		method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
		r.ParseForm()
		result := "true" // setWebhook, deleteWebhook, answerCallbackQuery, ...
		switch method {
		case "getMe":
			result = `{"id":7000003,"is_bot":true,"first_name":"FAQ","username":"faqbot_scaleout_bot"}`
		case "sendMessage":
			chat := r.PostForm.Get("chat_id")
			mu.Lock()
			sent[chat]++
			msgID++
			id := msgID
			mu.Unlock()
			result = fmt.Sprintf(`{"message_id":%d,"date":%d,"chat":{"id":%s,"type":"private"},"text":"ok"}`, id, time.Now().Unix(), chat)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":true,"result":%s}`, result)
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
