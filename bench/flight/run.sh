#!/usr/bin/env bash
# Runs the Flight comparison (about a minute on 2 cores) and prints the
# benchstat table: spool's task.Flight against x/sync's singleflight.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-/tmp/flight.txt}
go test -run '^$' -bench Flight -benchmem -count 6 . | tee "$out"
go run golang.org/x/perf/cmd/benchstat@latest -col /peer -row /callers "$out"
