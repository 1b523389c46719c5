#!/bin/sh
# Webhook ingest on PostgreSQL (issue 8): the same Evolution messages.upsert load as run.sh, on
# three set-ups measured in one run, alternating round by round (each set-up's hosts run only
# during its own measurement, on a fresh database, so idle hosts cost the others nothing):
#   sqlite    one host on the embedded SQLite default (the reference);
#   pg-1      one host on PostgreSQL;
#   pg-2      two hosts on one PostgreSQL schema, each receiving half the connections at once.
# Every request is a new message stored durably before the 200 and answered (template agent)
# through a stand-in sendText (the Hummingbird hello-world); the agent budget is off
# (agent_calls_per_minute = 0), so every message is answered in its ingest transaction. PostgreSQL is a throw-away cluster
# from scripts/postgres on loopback (fsync off, as in the tests: the figure is the host's cost,
# not the disk's).
# Usage: Benchmarks/WebhookIngest/run-postgres.sh   (env: DURATION=10s CONNECTIONS=64 THREADS=2 ROUNDS=2)
set -eu
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
. Benchmarks/WebhookIngest/build.sh

eval "$(scripts/postgres start)"
WORK=$(mktemp -d)
PIDS=""
cleanup() {
    for file in "$WORK"/*.pid; do [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null; done
    kill $PIDS 2>/dev/null || true
    wait $PIDS 2>/dev/null || true
    scripts/postgres stop "$SWITCHBOARD_TEST_POSTGRES_DIR"
    rm -rf "$WORK"
}
trap cleanup EXIT
HELLO_PORT=28618
PORT=$HELLO_PORT "$HELLO" > "$WORK/hello.log" 2>&1 &
PIDS="$PIDS $!"
KEY=$(head -c 32 /dev/urandom | base64)

serve() { # name port database-url
    mkdir -p "$WORK/$1"
    SWITCHBOARD_ADMIN_TOKEN=bench-admin-token SWITCHBOARD_MASTER_KEY=$KEY SWITCHBOARD_DATABASE_URL="$3" \
    SWITCHBOARD_SERVER_PORT=$2 SWITCHBOARD_STORAGE_DATA_DIR="$WORK/$1" SWITCHBOARD_PLUGINS_DIRECTORIES="$BIN" \
    SWITCHBOARD_PLUGINS_ENABLED=evolution SWITCHBOARD_LOGGING_LEVEL=error SWITCHBOARD_CONVERSATIONS_AGENT_CALLS_PER_MINUTE=0 \
        "$BIN/switchboard" serve > "$WORK/$1.log" 2>&1 &
    echo $! > "$WORK/$1.pid"
    for _ in $(seq 150); do curl -sf "http://127.0.0.1:$2/readyz" > /dev/null && return 0; sleep 0.2; done
    echo "$1 did not start:"; cat "$WORK/$1.log"; exit 1
}
unserve() { for name in "$@"; do kill "$(cat "$WORK/$name.pid")"; wait "$(cat "$WORK/$name.pid")" 2>/dev/null || true; done; }
admin() { curl -sf -X "$1" -H "Authorization: Bearer bench-admin-token" -H "Content-Type: application/json" \
    "http://127.0.0.1:$2/admin/v1$3" ${4:+-d "$4"}; }
instance() { # port
    admin POST "$1" /tenants '{"slug":"bench","name":"Bench"}' > /dev/null
    admin POST "$1" /instances \
        '{"tenant":"bench","plugin":"evolution","name":"bench","settings":{"evolution_url":"http://127.0.0.1:'"$HELLO_PORT"'","whatsapp_instance":"bench"}}' > /dev/null
}
healthy() { for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/webhook/evolution/bench/health" > /dev/null && return 0; sleep 0.1; done; return 1; }
warm() { wrk -t1 -c8 -d2s -s "$HERE/webhook.lua" "http://127.0.0.1:$1/webhook/evolution/bench" > /dev/null; }

wrk_run() { # port connections prefix -> prints "req/s p50 p99 non-2xx=N"
    WEBHOOK_PREFIX=$3 wrk -t"$THREADS" -c"$2" -d"$DURATION" --latency -s "$HERE/webhook.lua" \
        "http://127.0.0.1:$1/webhook/evolution/bench" > "$WORK/wrk-$3.txt"
    awk '/Requests\/sec/ {r=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} /Non-2xx/ {bad=$NF}
        END {printf "%s %s %s non-2xx=%d\n", r, p50, p99, bad}' "$WORK/wrk-$3.txt"
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $CONNECTIONS connections, $THREADS wrk threads, $DURATION per run"
HALF=$((CONNECTIONS / 2))
for round in $(seq "$ROUNDS"); do
    serve sqlite$round 28611 ""
    instance 28611; healthy 28611; warm 28611
    echo "round $round sqlite    $(wrk_run 28611 "$CONNECTIONS" S$round)"
    unserve sqlite$round

    serve pg1-$round 28612 "$SWITCHBOARD_TEST_POSTGRES_URL?schema=bench_one_$round&pool=16"
    instance 28612; healthy 28612; warm 28612
    echo "round $round pg-1      $(wrk_run 28612 "$CONNECTIONS" P$round)"
    unserve pg1-$round

    serve pg2a-$round 28613 "$SWITCHBOARD_TEST_POSTGRES_URL?schema=bench_two_$round&pool=16"
    serve pg2b-$round 28614 "$SWITCHBOARD_TEST_POSTGRES_URL?schema=bench_two_$round&pool=16"
    instance 28613; healthy 28613; healthy 28614; warm 28613; warm 28614
    wrk_run 28613 "$HALF" A$round > "$WORK/a.txt" &
    A=$!
    wrk_run 28614 "$HALF" B$round > "$WORK/b.txt"
    wait $A
    echo "round $round pg-2      host A $(cat "$WORK/a.txt") | host B $(cat "$WORK/b.txt") | total $(awk '{s+=$1} END {printf "%.0f", s}' "$WORK/a.txt" "$WORK/b.txt") req/s"
    sleep 3
    sql() { psql "$SWITCHBOARD_TEST_POSTGRES_URL" -Atc "$1"; }
    echo "round $round pg-2      stored inbound $(sql "SELECT count(*) FROM bench_two_$round.messages WHERE direction = 'inbound'"), replies $(sql "SELECT count(*) FROM bench_two_$round.messages WHERE author = 'assistant'") ($(sql "SELECT count(*) FROM bench_two_$round.messages WHERE author = 'assistant' AND status = 'sent'") sent)"
    unserve pg2a-$round pg2b-$round
done
