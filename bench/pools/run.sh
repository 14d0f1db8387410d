#!/usr/bin/env bash
# Runs the executor comparison (package pools): every peer on every workload,
# 5 runs each in a fresh process, and writes results/pools.md in the bench
# module. Extra arguments go to the runner, e.g. -runs 3, -filter 'pool|pond',
# -out -. Takes about 4 minutes on a quiet 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/pools" ./pools/cmd/pools
POOLS_COMMAND="bench/pools/run.sh $*" "$bin/pools" -out results/pools.md "$@"
