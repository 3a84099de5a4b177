#!/usr/bin/env bash
# CI entry point for the sandbox: build, bring the six hosts up once, run the
# launcher fidelity tests, the Spark distribution's fidelity test, the Mesos
# stand-in tests, the hosts' own fidelity test (systemd, logins, sudo,
# reboot) and the smoke test, print the wall time of each part, and fail if
# anything failed. The sandbox is taken down at the end unless --keep-up is
# given (images and .cache stay).
set -euo pipefail

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

KEEP_UP=false
[[ "${1:-}" == --keep-up ]] && KEEP_UP=true

SANDBOX="${SANDBOX_DIR}/sandbox.sh"
declare -a PART_NAMES=() PART_TIMES=() PART_RESULTS=()
FAILURES=0

part() {
  local name="$1" t0 rc=0
  shift
  echo "=== ${name}"
  t0="$(now)"
  "$@" || rc=$?
  PART_NAMES+=("${name}")
  PART_TIMES+=("$(elapsed "${t0}")")
  if [[ ${rc} -eq 0 ]]; then
    PART_RESULTS+=(ok)
  else
    PART_RESULTS+=("FAILED (exit ${rc})")
    FAILURES=$((FAILURES + 1))
  fi
  return "${rc}"
}

summary() {
  local i
  echo "=== sandbox test summary"
  for i in "${!PART_NAMES[@]}"; do
    printf '  %-28s %8ss  %s\n' "${PART_NAMES[$i]}" "${PART_TIMES[$i]}" "${PART_RESULTS[$i]}"
  done
  printf '  %-28s %8ss\n' total "$(elapsed "${T_ALL}")"
}

T_ALL="$(now)"
trap summary EXIT

part build "${SANDBOX}" build || exit 1
part "launcher fidelity" "${SANDBOX_DIR}/tests/launcher-fidelity.sh" || true
part "spark fidelity" "${SANDBOX_DIR}/tests/spark-fidelity.sh" || true
if [[ -d "${SANDBOX_DIR}/mesos/tests" ]]; then
  for t in "${SANDBOX_DIR}"/mesos/tests/*.sh; do
    [[ -f "${t}" ]] || continue
    part "mesos $(basename "${t}" .sh)" bash "${t}" || true
  done
fi
if part up "${SANDBOX}" up; then
  part "hosts fidelity" "${SANDBOX_DIR}/tests/hosts-fidelity.sh" || true
  part smoke "${SANDBOX_DIR}/tests/smoke.sh" || true
fi
if ! ${KEEP_UP}; then
  part down "${SANDBOX}" down || true
fi

[[ ${FAILURES} -eq 0 ]]
