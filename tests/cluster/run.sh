#!/usr/bin/env bash
# The cluster scenarios, in sequence on one sandbox: bare hosts, then herd up,
# then everything that needs a running cluster. Prints the wall time of each
# and ends with "cluster: N passed, M failed" (scenarios).
#   tests/cluster/run.sh                      every scenario (what CI runs)
#   tests/cluster/run.sh bringup status       name them, in order
#   KEEP_UP=1 tests/cluster/run.sh            leave the sandbox running afterwards
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${root}" || exit 2
cargo build --quiet || exit 1
sandbox/sandbox.sh build >/dev/null || { echo "cluster: sandbox build failed"; exit 1; }
sandbox/sandbox.sh reset || { echo "cluster: sandbox did not come up"; exit 1; }
if [[ "${KEEP_UP:-0}" != 1 ]]; then
  trap 'sandbox/sandbox.sh down >/dev/null 2>&1' EXIT
fi
export HERD_STATE_DIR="${root}/.herd/cluster-tests"
rm -rf "${HERD_STATE_DIR}"

passed=0
failed=0
scenarios=("$@")
[[ ${#scenarios[@]} -gt 0 && "${scenarios[*]}" != all ]] || scenarios=(bringup upgrade-back upgrade distribution status health smoke supervision lifecycle rackrestart scalein restart replay ports balance deadworker secure)
for scenario in "${scenarios[@]}"; do
  script="tests/cluster/${scenario}.sh"
  [[ -f "${script}" ]] || { echo "cluster: no scenario '${scenario}'"; exit 2; }
  echo "--- ${scenario}"
  t0=$(date +%s)
  if bash "${script}"; then passed=$((passed + 1)); r=ok; else failed=$((failed + 1)); r=FAILED; fi
  echo "--- ${scenario}: ${r} in $(($(date +%s) - t0)) s"
done
echo "cluster: ${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
