#!/usr/bin/env bash
# Times `spool fetch` of 1,000 URLs at concurrency 100 from a local server
# with 20 ms latency (floor: 200 ms), 7 runs, median. Extra arguments go to
# go test, e.g. ./run.sh -reps 11 -c 50, or -spool /path/to/spool to time
# a given binary instead of building ../../cmd/spool.
set -euo pipefail
cd "$(dirname "$0")"
go test -run TestCLI -count=1 -v . -full "$@"
