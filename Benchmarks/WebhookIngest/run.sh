#!/bin/sh
# Webhook ingest benchmark (issue 5): wrk against the release `switchboard serve` with the real
# libEvolution.so, next to a bare Hummingbird hello-world built and measured in the same run,
# alternating round by round. Every switchboard request is a new Evolution messages.upsert
# (unique key.id) that is durably stored before the 200.
# Usage: Benchmarks/WebhookIngest/run.sh   (env: DURATION=15s CONNECTIONS=64 THREADS=2 ROUNDS=2)
set -eu
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-2}
SB_PORT=${SB_PORT:-28517}
HELLO_PORT=${HELLO_PORT:-28518}
. Benchmarks/WebhookIngest/build.sh

WORK=$(mktemp -d)
cat > "$WORK/switchboard.toml" <<TOML
[server]
port = $SB_PORT
[storage]
data_dir = "$WORK/data"
[plugins]
directories = ["$BIN"]
enabled = ["evolution"]
[logging]
level = "error"
TOML
SWITCHBOARD_ADMIN_TOKEN=bench-admin-token "$BIN/switchboard" serve --config "$WORK/switchboard.toml" &
SB_PID=$!
PORT=$HELLO_PORT "$HELLO" > "$WORK/hello.log" 2>&1 &
HELLO_PID=$!
trap 'kill $SB_PID $HELLO_PID 2>/dev/null; wait $SB_PID $HELLO_PID 2>/dev/null; rm -rf "$WORK"' EXIT

admin() { curl -sf -X "$1" -H "Authorization: Bearer bench-admin-token" -H "Content-Type: application/json" \
    "http://127.0.0.1:$SB_PORT/admin/v1$2" ${3:+-d "$3"}; }
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$SB_PORT/readyz" > /dev/null && break; sleep 0.2; done
admin POST /tenants '{"slug":"bench","name":"Bench"}' > /dev/null
INSTANCE=$(admin POST /instances \
    '{"tenant":"bench","plugin":"evolution","name":"bench","settings":{"evolution_url":"http://127.0.0.1:'"$HELLO_PORT"'","whatsapp_instance":"bench"}}' \
    | sed 's/.*"id":"\([^"]*\)".*/\1/')
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$SB_PORT/webhook/evolution/bench/health" > /dev/null && break; sleep 0.2; done
for _ in $(seq 100); do curl -sf -X POST -d '{}' "http://127.0.0.1:$HELLO_PORT/webhook/x" > /dev/null && break; sleep 0.2; done

run() { # label url [kind]
    echo "== $1"
    WEBHOOK_KIND="${3:-}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$HERE/webhook.lua" "$2"
}
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $CONNECTIONS connections, $THREADS wrk threads, $DURATION per run"
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$HERE/webhook.lua" "http://127.0.0.1:$HELLO_PORT/webhook/evolution/bench" > /dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$HERE/webhook.lua" "http://127.0.0.1:$SB_PORT/webhook/evolution/bench" > /dev/null
for round in $(seq "$ROUNDS"); do
    run "round $round: hello-world (bare Hummingbird POST)" "http://127.0.0.1:$HELLO_PORT/webhook/evolution/bench"
    run "round $round: switchboard + libEvolution.so (messages.upsert, durable)" "http://127.0.0.1:$SB_PORT/webhook/evolution/bench"
    run "round $round: switchboard + libEvolution.so (status@broadcast: parsed, ignored, nothing stored)" \
        "http://127.0.0.1:$SB_PORT/webhook/evolution/bench" status
    run "round $round: switchboard + libEvolution.so (fromMe typed on the phone: durable, no reply)" \
        "http://127.0.0.1:$SB_PORT/webhook/evolution/bench" human
done
sleep 1
echo "== stored inbound messages of instance $INSTANCE"
sqlite3 "$WORK/data/host.sqlite" "SELECT count(*) FROM messages WHERE direction = 'inbound'" 2>/dev/null \
    || echo "(sqlite3 unavailable or another schema)"
