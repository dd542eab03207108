#!/usr/bin/env bash
# Reports on a large account: seeds conversations and messages with bench's `seed`, adds
# reporting events for them with set-based SQL (a first response for every conversation,
# two reply times, a resolution for each resolved one), starts `switchboard serve` and
# times each report endpoint with curl (RUNS requests each, one at a time).
#   bench/reports.sh                       release build, 1,000,000 conversations, 10,000,000 messages
#   CONVERSATIONS=100000 MESSAGES=1000000 PROFILE=debug bench/reports.sh
# Settings: PG_URL (a server to create sb_reports on; default postgres://postgres@127.0.0.1:5432),
# CONVERSATIONS, MESSAGES, CONTACTS (half the conversations), RUNS (10), PROFILE (release|debug).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-release}
if [ "$profile" = release ]; then
  cargo build --release --quiet --bin switchboard --bin seed
else
  cargo build --quiet --bin switchboard --bin seed
fi
bin=target/$profile
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
db=sb_reports
port=${PORT:-3919}
runs=${RUNS:-10}
conversations=${CONVERSATIONS:-1000000}
messages=${MESSAGES:-10000000}
contacts=${CONTACTS:-$((conversations / 2))}
data=$(mktemp -d)
secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
pid=

stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
psql_admin() { psql "$pg/postgres" -qAtX -v ON_ERROR_STOP=1 "$@"; }
trap 'stop; psql_admin -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; rm -rf "$data"' EXIT

psql_admin -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
t0=$(date +%s)
vars=$("$bin/seed" --database-url "$pg/$db" --conversations "$conversations" --messages "$messages" --contacts "$contacts")
eval "$vars"
echo "seed: $(( $(date +%s) - t0 )) s"

# Reporting events as the listener would have written them; values vary by id so that
# averages are not trivial. Events are dated when they happened (after the conversation).
t0=$(date +%s)
psql "$pg/$db" -qX -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO reporting_events (name, value, value_in_business_hours, account_id, inbox_id, user_id,
  conversation_id, event_start_time, event_end_time, created_at, updated_at)
SELECT e.name, e.v, e.v / 3, c.account_id, c.inbox_id, c.assignee_id, c.id,
  c.created_at, c.created_at + make_interval(secs => e.v),
  c.created_at + make_interval(secs => e.v), c.created_at + make_interval(secs => e.v)
FROM conversations c
CROSS JOIN LATERAL (VALUES
  ('first_response', (c.id * 7919 % 3600) + 30.0),
  ('reply_time', (c.id * 104729 % 1800) + 10.0),
  ('reply_time', (c.id * 15485863 % 7200) + 10.0)
) AS e(name, v);
INSERT INTO reporting_events (name, value, value_in_business_hours, account_id, inbox_id, user_id,
  conversation_id, event_start_time, event_end_time, created_at, updated_at)
SELECT 'conversation_resolved', v, v / 3, c.account_id, c.inbox_id, c.assignee_id, c.id,
  c.created_at, c.created_at + make_interval(secs => v),
  c.created_at + make_interval(secs => v), c.created_at + make_interval(secs => v)
FROM (SELECT *, (id * 32452843 % 172800) + 600.0 AS v FROM conversations WHERE status = 1) c;
ANALYZE reporting_events;
SQL
echo "events: $(( $(date +%s) - t0 )) s, $(psql "$pg/$db" -qAtX -c 'SELECT COUNT(*) FROM reporting_events') rows"

DATABASE_URL="$pg/$db" DATA_DIR=$data SECRET_KEY_BASE=$secret PORT=$port LOG_LEVEL=warn \
  "$bin/switchboard" serve >"$data/serve.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/api" >/dev/null; do sleep 0.05; done

now=$(date +%s)
month="since=$((now - 30 * 86400))&until=$now"
year="since=$((now - 365 * 86400))&until=$now"
base="http://127.0.0.1:$port/api/v2/accounts/$ACCOUNT_ID"
echo "| Report | Range | Median (ms) | Max (ms) |"
echo "|---|---|---|---|"
time_it() {
  local name=$1 range=$2 url=$3 times
  curl -sf -o /dev/null -H "api_access_token: $TOKEN" "$url" # warm-up, and fail loudly
  times=$(for _ in $(seq "$runs"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "api_access_token: $TOKEN" "$url"
  done | sort -n)
  echo "| $name | $range | $(echo "$times" | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}') | $(echo "$times" | tail -1 | awk '{printf "%.1f", $1*1000}') |"
}
time_it "summary (7 metrics + previous)" "30 days" "$base/reports/summary?$month"
time_it "summary, business hours" "30 days" "$base/reports/summary?$month&business_hours=true"
time_it "summary of one agent" "30 days" "$base/reports/summary?$month&type=agent&id=2"
time_it "series conversations_count by day" "30 days" "$base/reports?metric=conversations_count&$month"
time_it "series avg_first_response_time by day" "30 days" "$base/reports?metric=avg_first_response_time&$month"
time_it "series incoming_messages_count by day" "1 year" "$base/reports?metric=incoming_messages_count&$year"
time_it "series avg_resolution_time by week" "1 year" "$base/reports?metric=avg_resolution_time&group_by=week&$year"
time_it "series conversations_count by hour, +5:30" "30 days" "$base/reports?metric=conversations_count&group_by=hour&timezone_offset=5.5&$month"
time_it "summary_reports/agent" "30 days" "$base/summary_reports/agent?$month"
time_it "summary_reports/inbox" "30 days" "$base/summary_reports/inbox?$month"
time_it "summary_reports/team" "30 days" "$base/summary_reports/team?$month"
time_it "summary_reports/channel" "30 days" "$base/summary_reports/channel?$month"
time_it "agents CSV" "30 days" "$base/reports/agents?$month"
time_it "conversation_traffic CSV" "7 days" "$base/reports/conversation_traffic"
time_it "live conversation_metrics" "now" "$base/live_reports/conversation_metrics"
time_it "live grouped by assignee" "now" "$base/live_reports/grouped_conversation_metrics?group_by=assignee_id"
stop
