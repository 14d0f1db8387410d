#!/usr/bin/env bash
# Measures spool's echo.Server against the stdlib baseline on 127.0.0.1:
# 50 connections x 20,000 messages at 64 B and 4 KB, and 10,000 idle
# connections (memory per connection from each server process's VmRSS).
# Each server runs as a process of its own. Extra flags go to the runner,
# e.g. ./run.sh -rounds 5 -json. Needs Linux (/proc) for the memory figures
# and a file limit above the idle count (the runner raises the soft limit).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/echo-runner
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./echo/runner
"$bin" "$@"
