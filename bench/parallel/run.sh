#!/usr/bin/env bash
# Runs the parallel comparison: builds the benchmark binary once, runs it
# ROUNDS times (default 6) over every peer and workload, one -test.count 1
# pass per round so that a burst of load on the machine spreads over all
# peers, then prints the machine, the load and benchstat's tables (medians
# with their spread). About 4 minutes on 2 cores at 6 rounds.
#
#   ./parallel/run.sh                       # from bench/: 6 rounds, raw output in /tmp/parallel.txt
#   ROUNDS=2 BENCH='Ordered' ./parallel/run.sh
#   OUT=/tmp/p.txt ./parallel/run.sh > /tmp/p.md
set -euo pipefail
cd "$(dirname "$0")"
rounds=${ROUNDS:-6}
filter=${BENCH:-.}
out=${OUT:-/tmp/parallel.txt}
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/parallel.test" .
# One calibration, passed to every round, so that all rounds do the same work.
rounds_1us=${SPOOL_SPIN_ROUNDS:-$("$bin/parallel.test" -test.run '^TestRounds$' -test.v | sed -n 's/.*rounds=\([0-9]*\).*/\1/p')}
export SPOOL_SPIN_ROUNDS=$rounds_1us
echo "- Go: $(go env GOVERSION); CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1); NumCPU $(nproc); GOMAXPROCS ${GOMAXPROCS:-$(nproc)}"
echo "- $rounds rounds of \`parallel.test -test.run '^\$' -test.bench '$filter' -test.benchtime 0.5s -test.count 1\`; 1 µs = $rounds_1us rounds of workload.Spin"
echo "- started $(date -u '+%Y-%m-%d %H:%M UTC'); load before: \`$(uptime)\`"
: >"$out"
for r in $(seq "$rounds"); do
	echo "round $r/$rounds" >&2
	"$bin/parallel.test" -test.run '^$' -test.bench "$filter" -test.benchtime 0.5s -test.count 1 >>"$out"
done
echo "- load after: \`$(uptime)\`; raw output: $out"
echo
echo '```'
go run golang.org/x/perf/cmd/benchstat@latest -filter '.unit:(ns/item OR cpu-ns/item OR B/item OR allocs/item)' -col /peer -row .name,/work "$out"
echo '```'
