#!/bin/sh
# Build (release, in .build-bench) and run the conversation store benchmark: SQLite alone, no
# HTTP, no plugin. Usage: Benchmarks/run-store.sh [--messages M] [--background-checkpoints]
# (env BATCHES=1,16,64 picks batch sizes; PRAGMAS="PRAGMA …" runs on each fresh file first)
set -eu
cd "$(dirname "$0")/.."
export SWITCHBOARD_BENCHMARKS=1
swift build -c release --scratch-path .build-bench --product switchboard-store-benchmark
exec "$(swift build -c release --scratch-path .build-bench --show-bin-path)/switchboard-store-benchmark" "$@"
