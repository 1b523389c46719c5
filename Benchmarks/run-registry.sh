#!/bin/sh
# Build (release, in .build-bench) and run the registry benchmark: 10,000 tenants x 3 instances.
# Usage: Benchmarks/run-registry.sh [--tenants N] [--samples K] [--iterations M] [--runs R]
set -eu
cd "$(dirname "$0")/.."
export SWITCHBOARD_BENCHMARKS=1
for product in switchboard Evolution SMS Webchat switchboard-registry-benchmark; do
    swift build -c release --scratch-path .build-bench --product "$product"
done
exec "$(swift build -c release --scratch-path .build-bench --show-bin-path)/switchboard-registry-benchmark" "$@"
