#!/bin/sh
# 1,000 concurrent streaming webchat sessions from the template agent: builds switchboard and
# libWebchat.so (release, in .build-bench), serves them with a fresh data folder, creates a
# webchat instance and widget key, and runs Benchmarks/Webchat/stream_sessions.py.
# Usage: Benchmarks/Webchat/run.sh [--sessions N]
set -eu
cd "$(dirname "$0")/../.."
export SWITCHBOARD_BENCHMARKS=1
swift build -c release --scratch-path .build-bench --product switchboard
swift build -c release --scratch-path .build-bench --product Webchat
bin="$(swift build -c release --scratch-path .build-bench --show-bin-path)"
work="$(mktemp -d)"
port=18555
token=bench-admin-token-0123456789
cat > "$work/switchboard.toml" <<TOML
[server]
port = $port
[storage]
data_dir = "$work/db"
[plugins]
directories = ["$bin"]
enabled = ["webchat"]
threads_per_plugin = ${THREADS_PER_PLUGIN:-8}
[admin]
token = "$token"
[logging]
level = "error"
[conversations]
agent_calls_per_minute = 1000000
TOML
"$bin/switchboard" serve --config "$work/switchboard.toml" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
admin() { curl -sf -X "$1" "http://127.0.0.1:$port/admin/v1$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$3"; }
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
admin POST /tenants '{"slug":"acme","name":"Acme"}' >/dev/null
admin PUT /tenants/acme/assistant '{"assistant_name":"Alice","company_name":"Acme"}' >/dev/null
admin POST /instances '{"tenant":"acme","plugin":"webchat","name":"site","settings":{"rate_limit_per_minute":1000000,"tenant_rate_limit_per_minute":1000000}}' >/dev/null
key=$(admin POST /tenants/acme/api-keys '{"scope":"widget","instance":"webchat/site"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
# Warm-up: a few sessions so the first-call costs (lazy start, SQLite pages) are out of the way.
python3 Benchmarks/Webchat/stream_sessions.py --port "$port" --key "$key" --pid "$pid" --sessions 20 >/dev/null
python3 Benchmarks/Webchat/stream_sessions.py --port "$port" --key "$key" --pid "$pid" "$@"
