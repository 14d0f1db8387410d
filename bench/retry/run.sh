#!/usr/bin/env bash
# Runs the retry comparison (about 2 minutes on 2 cores) and prints the
# benchstat tables: every peer against the direct call, then against spool.
set -euo pipefail
cd "$(dirname "$0")"
out=${1:-results.txt}
go test -run '^$' -bench Retry -benchmem -count 6 . | tee "$out"
benchstat="go run golang.org/x/perf/cmd/benchstat@latest"
$benchstat -col /peer -row /op "$out"
$benchstat -filter '-/peer:direct' -col /peer -row /op "$out"
