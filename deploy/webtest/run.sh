#!/usr/bin/env bash
# Browser test of faqbot's web chat page (GET /) and curator console
# (/admin/) in headless Chromium.
#
#   deploy/webtest/run.sh                 # starts a test server on loopback
#   FAQBOT_URL=http://127.0.0.1:8080 deploy/webtest/run.sh   # a running `faqbot serve`
#
# It installs what it needs (Debian's chromium, playwright-core from npm),
# types a question, checks the answer and the disclaimer, clicks a runner-up,
# votes, switches to English, opens the full article, clicks a suggestion of
# an "unsure" reply, tries the landing (topics, examples, 12393) and a
# Traditional question, signs in to the console and opens its four pages,
# all at 1280 and 390 px with no console errors, and saves the screenshots
# to $WEBTEST_SHOTS (default docs/screenshots/, the folder the README names;
# a server given by FAQBOT_URL needs FAQBOT_ADMIN_TOKEN for the console) and
# its own to $WEBTEST_OUT (default deploy/webtest/out/). It exits 0 with
# "skipped: no browser" only when no browser can be installed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${WEBTEST_OUT:-$here/out}
shots=${WEBTEST_SHOTS:-$root/docs/screenshots}
token=${FAQBOT_ADMIN_TOKEN:-}
browser=${CHROMIUM:-/usr/bin/chromium}
mkdir -p "$out" "$shots"

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi
}

if [ ! -x "$browser" ] && command -v apt-get >/dev/null; then
	echo "webtest: installing chromium with apt-get" >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2 ||
		{ as_root apt-get update -q >&2 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >&2; } || true
fi
if [ -x "$browser" ] && command -v fc-list >/dev/null && ! fc-list :lang=zh | grep -q . && command -v apt-get >/dev/null; then
	# Only for a readable screenshot: without CJK fonts Chinese shows as boxes.
	echo "webtest: installing CJK and emoji fonts" >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk fonts-noto-color-emoji >&2 || true
fi
if [ ! -x "$browser" ]; then
	echo "skipped: no browser (no $browser and chromium could not be installed)"
	exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "webtest: installing nodejs and npm with apt-get" >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm >&2 || true
fi
command -v node >/dev/null || { echo "webtest: node is missing and could not be installed" >&2; exit 1; }

cd "$here"
if [ ! -d node_modules/playwright-core ]; then
	echo "webtest: npm install playwright-core" >&2
	npm install --no-audit --no-fund --loglevel=error >&2
fi

server_pid=""
cleanup() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

url=${FAQBOT_URL:-}
if [ -z "$url" ]; then
	# The test server mounts the same handlers `faqbot serve` does, with a
	# relay secret set (the page must work without signing), the console
	# behind a token made for this run, two weeks of sample questions, and
	# room for the test's questions from one address (120 a minute).
	token=webtest-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	(cd "$root" && go build -o "$out/server" ./deploy/loadtest/server)
	"$out/server" -addr 127.0.0.1:0 -relay-secret webtest-secret -admin-token "$token" -demo -ask-limit 120 >"$out/server.out" 2>"$out/server.err" &
	server_pid=$!
	for _ in $(seq 100); do
		url=$(sed -n 's/^listening on //p' "$out/server.out" 2>/dev/null || true)
		[ -n "$url" ] && break
		kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.err" >&2; exit 1; }
		sleep 0.1
	done
	[ -n "$url" ] || { echo "webtest: server did not start" >&2; exit 1; }
fi

CHROMIUM="$browser" node "$here/webtest.mjs" "$url" "$out" "$shots" "$token"
