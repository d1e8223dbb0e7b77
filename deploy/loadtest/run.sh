#!/usr/bin/env bash
# Measures req/s, p50 and p99 of faqbot's HTTP front ends on the real
# `faqbot serve` wiring (state on bbolt under a fresh -data, answer cache,
# conversation context, JSON log at info level to a file) on loopback, in
# one run, ROUNDS times interleaved:
#
#   GET /healthz                 the baseline: the same server, no work
#   POST /api/ask q=distinct     every request a new question (the
#                                questions of content/regression.tsv, each
#                                numbered) from a new user
#   POST /api/ask q=repeat       one question every time (the answer cache),
#                                from a new user each time, then with no user
#                                id (no conversation context to read or write)
#   POST /wechat safe mode       (encrypted, distinct MsgIds, the dozen built-in
#                                questions; with an EncodingAESKey set, serve
#                                refuses plaintext pushes)
#
# and prints each /api/ask figure as a ratio of /healthz's req/s in the same
# round, and the server's resident memory at rest and after the load (peak). The machine may be busy with other work: compare only ratios, and
# only within one run.
#
#   deploy/loadtest/run.sh            # N=10000 C=16 ROUNDS=3 (a run of 3,000 moved the ratios by 0.05)
#   N=3000 C=32 deploy/loadtest/run.sh
#   WECHAT=0 deploy/loadtest/run.sh   # without WeChat
#   FAQBOT=/tmp/faqbot-old deploy/loadtest/run.sh   # another build of faqbot
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
N=${N:-10000}
C=${C:-16}
ROUNDS=${ROUNDS:-3}
WECHAT=${WECHAT:-1}
HEALTHZ=${HEALTHZ:-10} # /healthz gets HEALTHZ times N requests: it is that much faster
tmp=$(mktemp -d)
server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; rm -rf "$tmp"; }
trap cleanup EXIT

(cd "$root" && go build -o "$tmp/loadtest" ./deploy/loadtest)
if [ -n "${FAQBOT:-}" ]; then cp "$FAQBOT" "$tmp/faqbot"; else (cd "$root" && go build -o "$tmp/faqbot" ./cmd/faqbot); fi
token=loadtest-token aes=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG appid=wxloadtest0000000
# The load comes from one loopback address: open the relay there, or
# unsigned questions past each client's burst would be 429s, and lift the
# per-client connection cap (64), which C above it would reach.
WECHAT_TOKEN=$token WECHAT_AES_KEY=$aes WECHAT_APPID=$appid FAQBOT_RELAY_SECRET= FAQBOT_RELAY_OPEN_FROM=127.0.0.1 FAQBOT_MAX_CONNS_PER_CLIENT=0 \
	"$tmp/faqbot" serve -addr 127.0.0.1:0 -data "$tmp/data" >"$tmp/serve.out" 2>"$tmp/serve.err" &
server_pid=$!
url=""
for _ in $(seq 600); do
	addr=$(sed -n 's/.*"msg":"serving","addr":"\([^"]*\)".*/\1/p' "$tmp/serve.err" 2>/dev/null | head -1 || true)
	[ -n "$addr" ] && url="http://$addr" && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.1
done
[ -n "$url" ] || { cat "$tmp/serve.err" >&2; exit 1; }

qs="$root/content/regression.tsv"
lt() { "$tmp/loadtest" -url "$url" -n "$N" -c "$C" -token "$token" -aes-key "$aes" -appid "$appid" "$@"; }
rps() { sed -n 's/.* req\/s=\([0-9]*\) .*/\1/p'; }

rss() { awk '/^VmRSS|^VmHWM/ { printf "%s %.1f MiB ", $1, $2/1024 }' "/proc/$server_pid/status"; }
echo "# $(nproc) cores, $(uname -m), $(go version | cut -d' ' -f3), faqbot serve (bbolt), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# memory at rest: $(rss)"
lt -mode ask -questions "$qs" -q cycle -n 300 >/dev/null # warm up
for round in $(seq "$ROUNDS"); do
	echo "# round $round"
	h=$(lt -url "$url/healthz" -mode get -n "$((N * HEALTHZ))")
	d=$(lt -mode ask -questions "$qs" -q distinct -user-pool 0)
	r=$(lt -mode ask -questions "$qs" -q repeat -user-pool 0)
	rn=$(lt -mode ask -questions "$qs" -q repeat -users=false)
	printf '%s\n%s\n%s\n%s\n' "$h" "$d" "$r" "$rn"
	hr=$(rps <<<"$h") dr=$(rps <<<"$d") rr=$(rps <<<"$r") rnr=$(rps <<<"$rn")
	awk -v h="$hr" -v d="$dr" -v r="$rr" -v n="$rnr" 'BEGIN { printf "ratio to /healthz: ask distinct %.3f, ask repeated %.3f (no user %.3f)\n", d/h, r/h, n/h }'
	if [ "$WECHAT" = 1 ]; then
		lt -mode wechat-safe
	fi
done
echo "# memory after the load: $(rss)"
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
