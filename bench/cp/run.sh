#!/usr/bin/env bash
# Times `spool cp` against `cp -r` and `cp -a` on a tree of 2,000 files of
# 64 KB built in a temporary directory: 7 interleaved repetitions, medians.
# Extra arguments go to go test, e.g. ./run.sh -jobs 4 -reps 11, or
# -spool /path/to/spool to time a given binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")"
go test -run TestCompare -count=1 -v . -full "$@"
