#!/bin/sh
# Build (release, separate scratch path) and run the Switchboard benchmarks.
# Usage: Benchmarks/run.sh [--samples K] [--iterations M] [--kv-iterations N]
set -eu
cd "$(dirname "$0")/.."
export SWITCHBOARD_BENCHMARKS=1
# Only the two products the run needs (not the channel plugins or tests).
swift build -c release --scratch-path .build-bench --product NoopPlugin
swift build -c release --scratch-path .build-bench --product switchboard-benchmarks
exec "$(swift build -c release --scratch-path .build-bench --show-bin-path)/switchboard-benchmarks" "$@"
