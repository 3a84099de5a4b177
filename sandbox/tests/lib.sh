#!/usr/bin/env bash
# PASS/FAIL bookkeeping shared by the sandbox test scripts. Sourced.

PASSED=0
FAILED=0

pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }

# check DESCRIPTION COMMAND...: PASS when the command succeeds.
check() {
  local desc="$1"
  shift
  if "$@"; then pass "${desc}"; else fail "${desc}"; fi
}

# wait_for SECONDS COMMAND...: poll once a second until the command succeeds.
wait_for() {
  local limit="$1" i
  shift
  for ((i = 0; i < limit; i++)); do
    "$@" && return 0
    sleep 1
  done
  "$@"
}
