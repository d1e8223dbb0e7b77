#!/usr/bin/env bash
# Measures req/s, p50 and p99 of POST /wechat (plain and safe mode) and
# POST /api/ask with the real engine on loopback, against a trivial Go
# handler in the same run, ROUNDS times interleaved.
#
#   deploy/loadtest/run.sh            # N=3000 C=16 ROUNDS=3
#   N=10000 C=32 deploy/loadtest/run.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
N=${N:-3000}
C=${C:-16}
ROUNDS=${ROUNDS:-3}
tmp=$(mktemp -d)
server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; rm -rf "$tmp"; }
trap cleanup EXIT

(cd "$root" && go build -o "$tmp/server" ./deploy/loadtest/server && go build -o "$tmp/loadtest" ./deploy/loadtest)
"$tmp/server" -addr 127.0.0.1:0 -data "$tmp/data" >"$tmp/server.out" 2>"$tmp/server.err" &
server_pid=$!
url=""
for _ in $(seq 100); do
	url=$(sed -n 's/^listening on //p' "$tmp/server.out" 2>/dev/null || true)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { cat "$tmp/server.err" >&2; exit 1; }

echo "# $(nproc) cores, $(uname -m), $(go version | cut -d' ' -f3), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/loadtest" -url "$url" -mode ask -n 300 -c "$C" >/dev/null # warm up
for round in $(seq "$ROUNDS"); do
	echo "# round $round"
	"$tmp/loadtest" -url "$url/trivial" -mode get -n "$N" -c "$C"
	"$tmp/loadtest" -url "$url" -mode ask -n "$N" -c "$C"
	"$tmp/loadtest" -url "$url" -mode wechat-plain -n "$N" -c "$C"
	"$tmp/loadtest" -url "$url" -mode wechat-safe -n "$N" -c "$C"
done
