#!/usr/bin/env bash
# Webhook delivery throughput with one worker, and what enqueueing adds to a request
# (issue 6). Starts a release `switchboard web` with no worker, lets bench's `deliveries`
# tool post messages to a conversation watched by WEBHOOKS webhooks on a local receiver,
# then starts one `switchboard worker` and times the MESSAGES × WEBHOOKS deliveries.
#   bench/webhooks.sh             PostgreSQL (database sb_bench_hooks, dropped at the end)
#   SQLITE=1 bench/webhooks.sh    the embedded SQLite file instead
# Settings: PG_URL (default postgres://postgres@127.0.0.1:5432), WEBHOOKS (50), MESSAGES (200).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin switchboard --bin deliveries
bin=target/release
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
db=sb_bench_hooks
port=${PORT:-3919}
data=$(mktemp -d)
pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
psql_admin() { psql "$pg/postgres" -qAtX -v ON_ERROR_STOP=1 "$@"; }
trap 'stop; [ -n "${SQLITE:-}" ] || psql_admin -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$data"' EXIT

# One conversation takes all the messages, above Chatwoot's per-minute flood limit.
export DATA_DIR=$data PORT=$port LOG_LEVEL=warn ALLOWED_PRIVATE_ADDRESSES=127.0.0.1 CONVERSATION_MESSAGE_PER_MINUTE_LIMIT=100000
export SECRET_KEY_BASE=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
if [ -n "${SQLITE:-}" ]; then
  echo "## SQLite (bundled)"
else
  psql_admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  export DATABASE_URL=$pg/$db
  echo "## PostgreSQL $(psql_admin -c 'SHOW server_version')"
fi
"$bin/switchboard" migrate >/dev/null
token=$("$bin/switchboard" admin create-platform-app --name bench | tail -n1)
"$bin/switchboard" web >"$data/web.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/api" >/dev/null; do sleep 0.05; done
"$bin/deliveries" --url "http://127.0.0.1:$port" --platform-token "$token" --worker "$bin/switchboard" \
  --webhooks "${WEBHOOKS:-50}" --messages "${MESSAGES:-200}"
