#!/bin/sh
# Build (release, in .build-bench) and run the conversation benchmark.
# Usage: Benchmarks/run-conversations.sh [--messages M] [--clients K] [--sequential N]
set -eu
cd "$(dirname "$0")/.."
export SWITCHBOARD_BENCHMARKS=1
swift build -c release --scratch-path .build-bench --product switchboard-conversation-benchmark
exec "$(swift build -c release --scratch-path .build-bench --show-bin-path)/switchboard-conversation-benchmark" "$@"
