#!/usr/bin/env bash
# /cable under load, on loopback, against a release `switchboard serve`:
#   bench/cable.sh                 (REDIS_URL defaults to redis://127.0.0.1:6379)
# 1. idle memory: SOCKETS (default 10000) authenticated agent subscriptions, server RSS
#    before and after (embedded default: SQLite, in-process bus);
# 2. fan-out: 1000 subscribed sockets, 50 events published through Redis by a second
#    process (as a worker would), delivery latency per socket;
# 3. one subscriber, 500 events 10 ms apart.
# Everything is bounded (count and time) and stopped on exit. ONLY=idle or ONLY=redis runs
# one part.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p switchboard --bin switchboard
cargo build --release --quiet -p switchboard-realtime --example cable_load
bin=target/release/switchboard
load=target/release/examples/cable_load
redis=${REDIS_URL:-redis://127.0.0.1:6379}
sockets=${SOCKETS:-10000}
port=${PORT:-3918}
prefix="bench$$"
data=$(mktemp -d)
pid=
trap 'kill ${pid:-} 2>/dev/null || true; rm -rf "$data"' EXIT
ulimit -n 20000 2>/dev/null || true

start() { # extra env…
  env DATA_DIR="$data" PORT=$port LOG_LEVEL=warn "$@" "$bin" serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.05; done
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; }

start
platform=$(DATA_DIR="$data" LOG_LEVEL=warn "$bin" admin create-platform-app --name bench | tail -1)
api() { curl -sf -H "api_access_token: $1" -H 'content-type: application/json' -X "$2" "http://127.0.0.1:$port$3" ${4:+-d "$4"}; }
account=$(api "$platform" POST /platform/api/v1/accounts '{"name":"Bench"}' | jq .id)
user_json=$(api "$platform" POST /platform/api/v1/users "{\"name\":\"Agent\",\"email\":\"agent$$@example.com\",\"password\":\"Passw0rd!x\"}")
user=$(jq .id <<<"$user_json")
token=$(jq -r .access_token <<<"$user_json")
api "$platform" POST "/platform/api/v1/accounts/$account/account_users" "{\"user_id\":$user,\"role\":\"administrator\"}" >/dev/null
pubsub=$(api "$token" GET /api/v1/profile | jq -r .pubsub_token)
common=(url="ws://127.0.0.1:$port/cable" token="$pubsub" account="$account" user="$user")

if [ "${ONLY:-idle}" = idle ]; then
  echo "== $sockets idle sockets (in-process bus)"
  "$load" "${common[@]}" server_pid="$pid" sockets="$sockets" hold=20
fi
stop
[ "${ONLY:-redis}" = redis ] || exit 0

echo "== fan-out through Redis: 1000 sockets"
start REDIS_URL="$redis" REDIS_KEY_PREFIX="$prefix"
"$load" "${common[@]}" server_pid="$pid" sockets=1000 hold=30 redis="$redis" prefix="$prefix" messages=50 interval_ms=100
echo "== one subscriber through Redis"
"$load" "${common[@]}" server_pid="$pid" sockets=1 hold=20 redis="$redis" prefix="$prefix" messages=500 interval_ms=10
stop
