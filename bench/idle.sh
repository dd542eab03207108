#!/usr/bin/env bash
# Cold start and idle memory of a release build on the embedded default.
#   bench/idle.sh            (builds target/release/switchboard first)
# Prints: the time from exec to the first 200 from GET /api, on an empty DATA_DIR and on
# a second start over the same data; then the resident memory after 10 s idle and after
# 200 sign-in-free API calls.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin switchboard
bin=target/release/switchboard
data=$(mktemp -d)
port=${PORT:-3917}
trap 'kill ${pid:-} 2>/dev/null || true; rm -rf "$data"' EXIT

ms() { date +%s%3N; }
pid=
# Starts the server in this shell and sets $elapsed to the ms until /api answers 200.
start() {
  local t0
  t0=$(ms)
  DATA_DIR="$data" PORT=$port LOG_LEVEL=warn "$bin" serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/api" >/dev/null; do sleep 0.005; done
  elapsed=$(( $(ms) - t0 ))
}
rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }

start
echo "cold start, empty DATA_DIR: ${elapsed} ms to a ready /api"
kill "$pid"; wait "$pid" 2>/dev/null || true
start
echo "cold start, existing data:  ${elapsed} ms to a ready /api"
sleep 10
echo "idle RSS after 10 s:        $(rss_mb) MB"
for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$port/api" >/dev/null; done
sleep 2
echo "RSS after 200 requests:     $(rss_mb) MB"
