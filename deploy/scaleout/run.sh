#!/usr/bin/env bash
# Scale-out test: three `faqbot serve` replicas behind Debian's nginx on
# loopback, a load generator asking questions through nginx (POST /api/ask,
# its own rotating zh/en questions), and one replica
# killed with SIGKILL in the middle of the run. Passes when no request failed
# (nginx retries the next replica) and p99 stays under P99_MAX_MS.
#
# With PostgreSQL installed (Debian's postgresql package: initdb and postgres
# under /usr/lib/postgresql/*/bin) the three replicas share one throwaway
# PostgreSQL (FAQBOT_STATE; initdb in the temp directory, as the postgres OS
# user when run as root, listening only on a Unix socket there), and before
# the load run the script checks what sharing promises: WeChat "English" sent
# to one replica applies to the next question on another; one WeChat message
# delivered to two replicas at once gets one reply and adds one question to
# every replica's report; one Telegram update posted to all three webhooks
# (a fake Bot API on a free loopback port counts sendMessage) is answered once.
# Without PostgreSQL it says so and runs as before: bbolt, one store per
# replica.
#
#   sudo deploy/scaleout/run.sh            # from anywhere in the checkout
#
# Knobs (environment): STATE (postgres when installed, else bbolt),
# DURATION (20, seconds), CONCURRENCY (4), KILL_AFTER (DURATION/2, seconds
# into the run), P99_MAX_MS (50), KEEP=1 keeps the work directory and logs.
# Installs nginx with apt-get when it is missing (needs root). Uses only
# five free ports on 127.0.0.1 (asked of the kernel at start; PORT_BASE=18080
# uses PORT_BASE to PORT_BASE+4 instead), its own nginx config and prefix in
# a temp directory, and stops everything it started on exit.
set -euo pipefail

DURATION=${DURATION:-20}
CONCURRENCY=${CONCURRENCY:-4}
P99_MAX_MS=${P99_MAX_MS:-50}
# free_ports N prints N distinct ports the kernel reports free on 127.0.0.1
# (each bound to port 0, all held until every one is known, then released).
free_ports() {
	python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
' "$1"
}
if [[ -n ${PORT_BASE:-} ]]; then
	read -r -a FREE <<<"$PORT_BASE $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)) $((PORT_BASE + 4))"
else
	read -r -a FREE <<<"$(free_ports 5)"
fi
LB_PORT=${FREE[0]}
PORTS=("${FREE[1]}" "${FREE[2]}" "${FREE[3]}")
BOTAPI_PORT=${FREE[4]} # fake Telegram Bot API (PostgreSQL mode)
STATE=${STATE:-postgres}
VICTIM=1 # index in PORTS of the replica that is killed

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WORK=$(mktemp -d /tmp/faqbot-scaleout.XXXXXX)
chmod 755 "$WORK" # nginx workers run unprivileged and read their temp dirs under it
PIDS=()
PG_PID=""

say() { printf 'scaleout: %s\n' "$*" >&2; }
# field NAME TEXT prints the value of NAME=value in the load generator's line.
field() { tr ' ' '\n' <<<"$2" | sed -n "s|^$1=||p" | head -n 1; }
# ms DURATION turns a Go duration (850µs, 12.5ms, 1.2s) into milliseconds.
ms() {
	awk -v d="$1" 'BEGIN {
		if (d ~ /(µs|us)$/) { sub(/(µs|us)$/, "", d); print d / 1000 }
		else if (d ~ /ns$/) { sub(/ns$/, "", d); print d / 1e6 }
		else if (d ~ /ms$/) { sub(/ms$/, "", d); print d + 0 }
		else if (d ~ /^[0-9.]+s$/) { sub(/s$/, "", d); print d * 1000 }
		else if (d ~ /^[0-9]+m[0-9.]+s$/) { split(d, a, "m"); sub(/s$/, "", a[2]); print (a[1] * 60 + a[2]) * 1000 }
	}'
}
die() {
	say "FAIL: $*"
	exit 1
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	# PostgreSQL last, once its clients are gone: fast shutdown (SIGINT).
	if [[ -n $PG_PID ]]; then
		kill -INT "$PG_PID" 2>/dev/null || true
		wait "$PG_PID" 2>/dev/null || true
	fi
	if [[ ${KEEP:-} == 1 || $rc -ne 0 ]]; then
		say "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- what the test needs ---------------------------------------------------
if ! command -v nginx >/dev/null && [[ ! -x /usr/sbin/nginx ]]; then
	[[ $(id -u) == 0 ]] || die "nginx is missing and installing it needs root"
	say "installing nginx"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v curl >/dev/null || die "curl is missing"

for port in "$LB_PORT" "${PORTS[@]}" "$BOTAPI_PORT"; do
	if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
		die "127.0.0.1:$port is already in use"
	fi
done

# pg_bin prints the directory of initdb and postgres: the newest
# /usr/lib/postgresql/*/bin, else where initdb is on $PATH.
pg_bin() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5,5 -rn); do
		[[ -x $d/initdb && -x $d/postgres ]] && { echo "$d"; return 0; }
	done
	d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
	[[ -x $d/initdb && -x $d/postgres ]] && { echo "$d"; return 0; }
	return 1
}
case $STATE in
postgres)
	if ! PG_BIN=$(pg_bin); then
		say "PostgreSQL binaries (initdb, postgres) not found: falling back to bbolt, one store per replica (apt-get install postgresql for the shared-state run)"
		STATE=bbolt
	fi
	;;
bbolt) ;;
*) die "STATE=$STATE: want postgres or bbolt" ;;
esac

say "building faqbot and the load generator"
(cd "$ROOT" && go build -o "$WORK/faqbot" ./cmd/faqbot && go build -o "$WORK/loadtest" ./deploy/loadtest)

# --- PostgreSQL: one throwaway cluster for the three replicas --------------
# Secrets the replicas share (PostgreSQL mode turns WeChat, Telegram in
# webhook mode and the admin routes on).
ADMIN_TOKEN=scaleout-admin-$RANDOM$RANDOM
WECHAT_TOKEN=scaleout-wechat-token
TG_TOKEN=123456789:scaleout-test-token_abcdefghijklmnop
TG_SECRET=scaleout-webhook-secret
if [[ $STATE == postgres ]]; then
	(cd "$ROOT" && go build -o "$WORK/fakebotapi" ./deploy/scaleout/fakebotapi)
	PGDIR=$WORK/pg
	mkdir -p "$PGDIR/sock"
	as=() # initdb and postgres refuse to run as root
	if [[ $(id -u) == 0 ]]; then
		id postgres >/dev/null 2>&1 || die "running as root needs the postgres OS user (made by the postgresql package)"
		chown -R postgres:postgres "$PGDIR"
		as=(setpriv --reuid=postgres --regid=postgres --init-groups)
	fi
	"${as[@]}" "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
		>"$WORK/initdb.log" 2>&1 || die "initdb failed: $(tail -n 5 "$WORK/initdb.log")"
	# setpriv execs: $! is the postmaster.
	"${as[@]}" "$PG_BIN/postgres" -D "$PGDIR/data" -k "$PGDIR/sock" -p 5432 -c listen_addresses= \
		>"$WORK/postgres.log" 2>&1 &
	PG_PID=$!
	deadline=$((SECONDS + 30))
	until [[ -S $PGDIR/sock/.s.PGSQL.5432 ]] && { [[ ! -x $PG_BIN/pg_isready ]] || "$PG_BIN/pg_isready" -q -h "$PGDIR/sock" -p 5432; }; do
		kill -0 "$PG_PID" 2>/dev/null || die "postgres exited: $(tail -n 5 "$WORK/postgres.log")"
		((SECONDS < deadline)) || die "postgres not ready after 30 s"
		sleep 0.1
	done
	export FAQBOT_STATE="postgres://postgres@/postgres?host=$PGDIR/sock&port=5432&sslmode=disable"
	"$WORK/fakebotapi" -addr "127.0.0.1:$BOTAPI_PORT" >"$WORK/fakebotapi.log" 2>&1 &
	PIDS+=($!)
	say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on $PGDIR/sock shared by the 3 replicas; fake Bot API on 127.0.0.1:$BOTAPI_PORT"
fi

# --- three replicas, each with its own data directory ---------------------
for i in "${!PORTS[@]}"; do
	port=${PORTS[$i]}
	mkdir -p "$WORK/data$i"
	if [[ $STATE == postgres ]]; then
		# One state for all (FAQBOT_STATE), WeChat, Telegram (webhook mode,
		# the fake Bot API) and the admin routes on, the relay unsigned and open to loopback (nginx).
		env -u FAQBOT_RELAY_SECRET -u WECHAT_AES_KEY FAQBOT_RELAY_OPEN_FROM=127.0.0.1 FAQBOT_TRUSTED_PROXIES=127.0.0.1 FAQBOT_ADMIN_TOKEN="$ADMIN_TOKEN" WECHAT_TOKEN="$WECHAT_TOKEN" \
			TELEGRAM_TOKEN="$TG_TOKEN" TELEGRAM_API_ENDPOINT="http://127.0.0.1:$BOTAPI_PORT" \
			TELEGRAM_WEBHOOK_URL=https://bot.example.org/telegram TELEGRAM_WEBHOOK_SECRET="$TG_SECRET" \
			"$WORK/faqbot" serve -addr "127.0.0.1:$port" -data "$WORK/data$i" -log-level warn \
			>"$WORK/replica$i.log" 2>&1 &
	else
		# No secrets: every replica answers POST /api/ask unsigned (open to loopback: nginx), nothing else on.
		env -u FAQBOT_ADMIN_TOKEN -u FAQBOT_RELAY_SECRET -u TELEGRAM_TOKEN -u WECHAT_TOKEN -u FAQBOT_STATE FAQBOT_RELAY_OPEN_FROM=127.0.0.1 FAQBOT_TRUSTED_PROXIES=127.0.0.1 \
			"$WORK/faqbot" serve -addr "127.0.0.1:$port" -data "$WORK/data$i" -log-level warn \
			>"$WORK/replica$i.log" 2>&1 &
	fi
	PIDS+=($!)
	REPLICA_PID[i]=$!
done

# --- nginx: its own prefix, config and logs --------------------------------
mkdir -p "$WORK/nginx/logs"
upstreams=""
for port in "${PORTS[@]}"; do
	upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=10s;"$'\n'
done
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path       $WORK/nginx/proxy;
    fastcgi_temp_path     $WORK/nginx/fastcgi;
    uwsgi_temp_path       $WORK/nginx/uwsgi;
    scgi_temp_path        $WORK/nginx/scgi;
    log_format upstream '\$status \$request_time "\$upstream_addr" "\$upstream_status"';
    access_log $WORK/nginx/logs/access.log upstream buffer=64k;

    upstream faqbot {
$upstreams        keepalive 32;
    }
    server {
        listen 127.0.0.1:$LB_PORT;
        location / {
            proxy_pass http://faqbot;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # A dead replica refuses connections (error) or resets the ones
            # in flight: try the next one, at most 3 replicas per request.
            # POST is not retried after it was sent unless non_idempotent is
            # given: /api/ask only reads the index (and appends to the query
            # log of the replica that answered), so a retry is safe.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 1s;
            proxy_read_timeout 10s;
        }
    }
}
EOF
"$NGINX" -t -q -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" ||
	die "nginx rejects its configuration"
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/logs/error.log" -c "$WORK/nginx/nginx.conf" &
PIDS+=($!)

# --- wait until every replica and nginx are ready --------------------------
wait_ready() {
	local url=$1 deadline=$((SECONDS + 60))
	until curl -fs -o /dev/null --max-time 2 "$url"; do
		((SECONDS < deadline)) || die "$url not ready after 60 s"
		sleep 0.2
	done
}
for port in "${PORTS[@]}"; do
	wait_ready "http://127.0.0.1:$port/readyz"
done
wait_ready "http://127.0.0.1:$LB_PORT/readyz"
say "3 replicas ready on ${PORTS[*]}, nginx on $LB_PORT"

# /api/ask must answer (it is the route under test), on every replica.
for port in "${PORTS[@]}"; do
	code=$(curl -s -o "$WORK/probe.json" -w '%{http_code}' -H 'Content-Type: application/json' \
		-d '{"question":"医保卡丢了怎么办"}' "http://127.0.0.1:$port/api/ask")
	[[ $code == 200 ]] || die "POST /api/ask on 127.0.0.1:$port answered HTTP $code: $(head -c 300 "$WORK/probe.json")"
	grep -q '"answered":true' "$WORK/probe.json" || die "POST /api/ask on 127.0.0.1:$port did not answer: $(head -c 300 "$WORK/probe.json")"
done
say "POST /api/ask answers on every replica"

# --- shared state: what one PostgreSQL gives the replicas ------------------
# wechat PORT OPENID TEXT MSGID pushes a plain-mode text message signed as
# WeChat signs it and prints the reply's text ("" for "success").
wechat() {
	local ts nonce sig body
	ts=$(date +%s)
	nonce=$RANDOM$RANDOM
	sig=$(printf '%s\n' "$WECHAT_TOKEN" "$ts" "$nonce" | LC_ALL=C sort | tr -d '\n' | sha1sum | cut -d' ' -f1)
	body=$(curl -fsS --max-time 10 -H 'Content-Type: text/xml' --data-binary \
		"<xml><ToUserName><![CDATA[gh_scaleout]]></ToUserName><FromUserName><![CDATA[$2]]></FromUserName><CreateTime>$ts</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[$3]]></Content><MsgId>$4</MsgId></xml>" \
		"http://127.0.0.1:$1/wechat?signature=$sig&timestamp=$ts&nonce=$nonce") || return 1
	[[ $body == *"<Content><![CDATA["* ]] || return 0
	body=${body#*"<Content><![CDATA["}
	printf '%s' "${body%%"]]></Content>"*}"
}
# questions PORT prints the number of questions in that replica's report.
questions() {
	curl -fsS --max-time 10 -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$1/admin/stats?since=1d" |
		grep -oE '"questions": *[0-9]+' | grep -oE '[0-9]+$'
}
# settled prints the question count once all replicas' reports agree twice
# in a row (query-log entries are written in batches every 50 ms).
settled() {
	local prev="" now port try
	for try in $(seq 1 50); do
		sleep 0.2
		now=""
		for port in "${PORTS[@]}"; do now+="$(questions "$port") "; done
		if [[ $now == "$prev" && $(tr ' ' '\n' <<<"$now" | sort -u | grep -c .) == 1 ]]; then
			echo "${now%% *}"
			return 0
		fi
		prev=$now
	done
	die "the replicas' reports do not agree: $now"
}
# telegram PORT UPDATE posts one webhook update as Telegram does.
telegram() {
	curl -fsS -o /dev/null --max-time 10 -H 'Content-Type: application/json' \
		-H "X-Telegram-Bot-Api-Secret-Token: $TG_SECRET" -d "$2" "http://127.0.0.1:$1/telegram"
}
tg_update() { # UPDATE_ID CHAT TEXT
	printf '{"update_id":%d,"message":{"message_id":%d,"date":%d,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"S","language_code":"zh"},"text":"%s"}}' \
		"$1" "$1" "$(date +%s)" "$2" "$2" "$3"
}

SHARED="not checked (bbolt: one store per replica)"
if [[ $STATE == postgres ]]; then
	# 1. "English" on replica 1, the next question on replica 3.
	got=$(wechat "${PORTS[0]}" o-scaleout English 1001) || die "WeChat push to ${PORTS[0]} failed"
	[[ $got == *English* ]] || die "\"English\" on ${PORTS[0]} answered: $got"
	got=$(wechat "${PORTS[2]}" o-scaleout 医保卡丢了怎么办 1002) || die "WeChat push to ${PORTS[2]} failed"
	title=${got%%$'\n'*}
	# UTF-8 lead bytes E4-E9 start the common Chinese characters.
	if [[ -z $title ]] || LC_ALL=C grep -q $'[\xe4-\xe9]' <<<"$title"; then
		die "after \"English\" on ${PORTS[0]}, ${PORTS[2]} answered in Chinese: $title"
	fi
	say "WeChat \"English\" sent to 127.0.0.1:${PORTS[0]}; the next question on 127.0.0.1:${PORTS[2]} is answered in English: $title"

	# 2. One WeChat message delivered to two replicas at once (a retry).
	before=$(settled)
	wechat "${PORTS[0]}" o-scaleout-retry 异地就医怎么备案 2001 >"$WORK/wechat.a" &
	wa=$!
	wechat "${PORTS[1]}" o-scaleout-retry 异地就医怎么备案 2001 >"$WORK/wechat.b" &
	wb=$!
	wait "$wa" || die "WeChat push to ${PORTS[0]} failed"
	wait "$wb" || die "WeChat push to ${PORTS[1]} failed"
	[[ -s $WORK/wechat.a ]] && cmp -s "$WORK/wechat.a" "$WORK/wechat.b" ||
		die "one WeChat message got different replies: $(head -c 200 "$WORK/wechat.a") | $(head -c 200 "$WORK/wechat.b")"
	after=$(settled)
	((after == before + 1)) || die "one WeChat message sent to two replicas: the reports went from $before to $after questions, want +1"
	say "one WeChat message (same MsgId) sent to 127.0.0.1:${PORTS[0]} and :${PORTS[1]} at once: one reply, reports $before -> $after questions on all 3"

	# 3. One Telegram update posted to all three webhooks at once, against
	# one posted once.
	telegram "${PORTS[0]}" "$(tg_update 900001 777001 医保卡丢了怎么办)" || die "Telegram webhook on ${PORTS[0]} failed"
	once=$(curl -fsS "http://127.0.0.1:$BOTAPI_PORT/sent?chat=777001")
	upd=$(tg_update 900002 777002 医保卡丢了怎么办)
	tp=()
	for port in "${PORTS[@]}"; do
		telegram "$port" "$upd" &
		tp+=($!)
	done
	for pid in "${tp[@]}"; do wait "$pid" || die "a Telegram webhook call failed"; done
	thrice=$(curl -fsS "http://127.0.0.1:$BOTAPI_PORT/sent?chat=777002")
	[[ $once -ge 1 && $thrice == "$once" ]] ||
		die "one Telegram update posted to 3 webhooks sent $thrice messages; posted once it sends $once"
	say "one Telegram update posted to all 3 webhooks at once: $thrice sendMessage (as for one delivery)"
	SHARED="\"English\" kept across replicas; a WeChat retry on 2 replicas answered once (+1 question in all 3 reports); a Telegram update on 3 webhooks answered once"
fi

# Warm every replica (first searches, connection pools) outside the measured run.
for _ in $(seq 1 30); do
	curl -s -o /dev/null -H 'Content-Type: application/json' -d '{"question":"异地就医怎么备案"}' \
		"http://127.0.0.1:$LB_PORT/api/ask"
done

# --- the run ---------------------------------------------------------------
# The load generator sends a fixed number of requests (-n), not for a fixed
# time: size the run from a short calibration through nginx so it lasts
# about DURATION seconds, and kill the victim half-way.
calib=$("$WORK/loadtest" -url "http://127.0.0.1:$LB_PORT" -mode ask -n 2000 -c "$CONCURRENCY") ||
	die "calibration run failed: $calib"
calib_rps=$(field "req/s" "$calib")
N=$(awk -v r="$calib_rps" -v d="$DURATION" 'BEGIN { n = int(r * d); print (n < 1000 ? 1000 : n) }')
KILL_AFTER=${KILL_AFTER:-$((DURATION / 2))}
say "calibration: $calib_rps req/s; run: $N requests by $CONCURRENCY clients (~${DURATION}s), SIGKILL to 127.0.0.1:${PORTS[$VICTIM]} after ${KILL_AFTER}s"
kill -USR1 "$(cat "$WORK/nginx/nginx.pid")" # flush the access log buffer
sleep 0.5
log_base=$(wc -l <"$WORK/nginx/logs/access.log") # lines before the run
"$WORK/loadtest" -url "http://127.0.0.1:$LB_PORT" -mode ask -n "$N" -c "$CONCURRENCY" >"$WORK/load.out" 2>&1 &
LOAD_PID=$!
PIDS+=("$LOAD_PID")
sleep "$KILL_AFTER"
kill -0 "$LOAD_PID" 2>/dev/null || die "the run ended before the kill: raise DURATION"
kill -9 "${REPLICA_PID[$VICTIM]}"
wait "${REPLICA_PID[$VICTIM]}" 2>/dev/null || true # reap it quietly
say "killed replica 127.0.0.1:${PORTS[$VICTIM]} (pid ${REPLICA_PID[$VICTIM]}) with SIGKILL"
load_rc=0
wait "$LOAD_PID" || load_rc=$?

kill -USR1 "$(cat "$WORK/nginx/nginx.pid")" # flush the access log buffer
sleep 0.5

# --- figures ---------------------------------------------------------------
out=$(cat "$WORK/load.out")
printf '%s\n' "$out"
total=$(field n "$out")
failed=$(field errors "$out")
rps=$(field "req/s" "$out")
p50=$(field p50 "$out")
p99=$(field p99 "$out")
p99_ms=$(ms "$p99")
[[ -n $total && -n $failed && -n $p99_ms ]] || die "cannot read the load generator's output: $out"

tail -n "+$((log_base + 1))" "$WORK/nginx/logs/access.log" >"$WORK/run.log"
ngx_total=$(wc -l <"$WORK/run.log")
ngx_bad=$(awk '$1 !~ /^2/' "$WORK/run.log" | wc -l)
ngx_retried=$(grep -c ', ' "$WORK/run.log" || true)
alive=0
for i in "${!PORTS[@]}"; do
	[[ $i == "$VICTIM" ]] && continue
	curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:${PORTS[$i]}/readyz" && alive=$((alive + 1))
done

cat <<EOF

scale-out result ($(nproc) cores, $CONCURRENCY clients, ~${DURATION}s, 1 of 3 replicas killed after ${KILL_AFTER}s)
  state              $STATE$([[ $STATE == postgres ]] && echo ", one PostgreSQL shared by the 3 replicas" || echo ", one store per replica")
  shared state       $SHARED
  total requests     $total
  failed requests    $failed   (non-2xx or transport errors seen by the load generator)
  req/s              $rps   (run took $(awk -v n="$total" -v r="$rps" 'BEGIN { printf "%.1f", n / r }') s)
  p50                $p50
  p99                $p99   (limit ${P99_MAX_MS} ms)
  nginx              $ngx_total requests logged, $ngx_bad non-2xx, $ngx_retried retried on another replica
  replicas alive     $alive of 2 survivors ready
EOF

ok=1
[[ $load_rc == 0 ]] || { say "the load generator exited $load_rc"; ok=0; }
[[ $failed == 0 ]] || { say "$failed requests failed"; ok=0; }
[[ $ngx_bad == 0 ]] || { say "nginx answered $ngx_bad requests with a non-2xx status"; ok=0; }
[[ $alive == 2 ]] || { say "a surviving replica is not ready"; ok=0; }
awk -v p="$p99_ms" -v max="$P99_MAX_MS" 'BEGIN { exit !(p < max) }' || { say "p99 ${p99_ms} ms >= ${P99_MAX_MS} ms"; ok=0; }
[[ $ok == 1 ]] || die "scale-out test failed"
say "PASS"
