# Sourced by run.sh and run-postgres.sh (from the repository root): builds, in release, the host,
# libEvolution.so and the bare Hummingbird hello-world; sets BIN (the host's bin folder) and
# HELLO (the hello-world executable).
HERE=Benchmarks/WebhookIngest
export SWITCHBOARD_BENCHMARKS=1
swift build -c release --scratch-path .build-bench --product switchboard
swift build -c release --scratch-path .build-bench --product Evolution
BIN=$(swift build -c release --scratch-path .build-bench --show-bin-path)
cp Package.resolved "$HERE/HelloHummingbird/Package.resolved"
swift build -c release --package-path "$HERE/HelloHummingbird" --scratch-path .build-bench-hello
HELLO=$(swift build -c release --package-path "$HERE/HelloHummingbird" --scratch-path .build-bench-hello --show-bin-path)/HelloHummingbird
