#!/usr/bin/env bash
# Runs all of spool's tests: go vet (also as built for Windows, macOS,
# FreeBSD and 32-bit Linux, so the code and tests keep building there),
# the unit tests and examples of every package (with the race detector
# whenever cgo and a C compiler are there), and the tests of the separate
# bench/ module. Needs only Go; CI=true makes the race detector mandatory.
set -euo pipefail
cd "$(dirname "$0")"

race=""
if [ "$(go env CGO_ENABLED)" = "1" ] && command -v "$(go env CC)" >/dev/null 2>&1; then
  race="-race"
elif [ -n "${CI:-}" ]; then
  echo "test.sh: CI needs the race detector, which needs cgo and a C compiler" >&2
  exit 1
else
  echo "test.sh: no C compiler: running without -race" >&2
fi

go vet ./...
for target in windows/amd64 darwin/amd64 freebsd/amd64 linux/386; do
  export GOOS=${target%/*} GOARCH=${target#*/}
  go vet ./...
  if [ -f bench/go.mod ]; then (cd bench && go vet ./...); fi
done
unset GOOS GOARCH
go test $race -count=1 -timeout 10m ./...
if [ -f bench/go.mod ]; then
  (cd bench && go vet ./... && go test $race -count=1 -timeout 5m ./...)
fi
