#!/usr/bin/env bash
# Fidelity of the assembled Spark distribution (operations.md section 16):
# spark-submit --version, the herd smoke job in local mode with event
# logging, the history server through Apache's sbin scripts (a missing log
# directory, the real one listing that job over the REST API, the second
# start refused, stop; the foreground run a supervisor uses), the
# configuration herd renders into conf/, and the refusal of a mesos://
# master. The cases (tests/spark-fidelity-node.sh) run
# as root in a throwaway container of the sandbox's node image, without a
# network: Java 17 JRE, curl, procps, nothing else of the build machine.
set -euo pipefail

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=lib.sh
. "${SANDBOX_DIR}/tests/lib.sh"
# shellcheck source=../lib/images.sh
. "${SANDBOX_DIR}/lib/images.sh"

[[ -f "${SPARK_TARBALL}" ]] || die "${SPARK_TARBALL} missing; run sandbox/sandbox.sh build"
IMAGE="$(node_image_tag)"
image_exists "${IMAGE}" || die "image ${IMAGE} missing; run sandbox/sandbox.sh build"

NAME=herd-spark-fidelity
LOG="$(mktemp /tmp/herd-spark-fidelity.XXXXXX)"
cleanup() {
  docker rm -f "${NAME}" >/dev/null 2>&1 || true
  rm -f "${LOG}"
}
trap cleanup EXIT
# A container left by an interrupted run would block the name.
docker rm -f "${NAME}" >/dev/null 2>&1 || true

t0="$(now)"
rc=0
# The driver (512m) and the history server (192m) never run at once.
docker run --rm --name "${NAME}" --network none -h fidelity --add-host fidelity:127.0.0.1 -m 1g \
  -v "${SPARK_TARBALL}:/dist/spark.tgz:ro" -v "${SANDBOX_DIR}/tests:/fidelity:ro" \
  "${IMAGE}" bash /fidelity/spark-fidelity-node.sh "${SPARK_VERSION}" >"${LOG}" 2>&1 || rc=$?
grep -E '^(PASS|FAIL) ' "${LOG}" || true
PASSED=$((PASSED + $(grep -c '^PASS ' "${LOG}" || true)))
FAILED=$((FAILED + $(grep -c '^FAIL ' "${LOG}" || true)))
if [[ ${rc} -ne 0 ]] && ! grep -q '^FAIL ' "${LOG}"; then
  fail "spark-fidelity-node.sh in ${IMAGE} exited ${rc}: $(tail -n 5 "${LOG}")"
fi
echo "spark: ${PASSED} passed, ${FAILED} failed ($(elapsed "${t0}")s)"
[[ ${FAILED} -eq 0 ]]
