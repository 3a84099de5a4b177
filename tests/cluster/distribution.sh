#!/usr/bin/env bash
# Tarballs that do not come from the controller, on a running cluster
# running the inventory's versions (after upgrade; bringup starts the older
# ones, which the unpack stages rightly refuse to move): from the operator's mirror (busybox httpd in a container
# of the sandbox network, `sandbox.sh mirror`) and by the host-to-host relay
# (vars.dist_relay). Each mode with a damaged copy on some host: only that
# host fetches again, its copy is the tarball's, the cluster stays healthy.
# A mirror serving other bytes fails the run naming the host, the URL and
# what arrived, and keeps nothing. The relay: the controller uploads to one
# host, the others fetch from their peers, and no relay server is left.
# Leaves the cluster as it found it (every copy the tarball's).
# Ends "distribution: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

TARBALL="${ROOT}/.cache/dist/$(basename "${HADOOP_TARBALL}")"
NAME="$(basename "${TARBALL}")"
COPY="/opt/dist/${NAME}"
SHA="$(sha512sum "${TARBALL}" | cut -d' ' -f1)"
MIRROR_DIR="${ROOT}/.cache/mirror"
MIRROR_URL=http://172.30.0.30:8080
INV_MIRROR="${ROOT}/tests/sandbox/inventory-mirror.local.yaml"
INV_BAD="${ROOT}/tests/sandbox/inventory-badmirror.local.yaml"
INV_RELAY="${ROOT}/tests/sandbox/inventory-relay.local.yaml"
OUT="$(mktemp /tmp/herd-distribution.XXXXXX)"
HOSTS=(master1 master2 master3 worker1 worker2 worker3)

# with_hadoop_dist VALUE OUT: the sandbox inventory, vars.dist.hadoop VALUE.
with_hadoop_dist() {
  local line="    hadoop: ../../.cache/dist/${NAME}"
  [[ "$(grep -cxF "${line}" "${INV}")" == 1 ]] || { echo "no single '${line}' in ${INV}" >&2; return 2; }
  awk -v old="${line}" -v new="    hadoop: $1" '$0 == old { print new; next } { print }' "${INV}" >"$2"
}
sha_on() { root_on "$1" "sha512sum ${COPY} 2>/dev/null | cut -d' ' -f1"; }
damage() { root_on "$1" "truncate -s 1000000 ${COPY}"; }
# gets_since N: the hosts (by address) that GET the mirror's tarball in its
# log after its first N lines.
gets_since() { docker logs herd-sandbox_mirror_1 2>&1 | tail -n +"$(($1 + 1))" | awk '/url:\/.*\.tar\.gz/ { sub(/^\[::ffff:/, ""); sub(/\]:.*/, ""); print }' | sort | tr '\n' ' '; }
log_lines() { docker logs herd-sandbox_mirror_1 2>&1 | wc -l; }
up() {
  local t0=${SECONDS}
  "${HERD}" up -i "$1" >"${OUT}" 2>&1
  RC=$?
  TOOK=$((SECONDS - t0))
}
all_copies_verify() {
  local h
  for h in "${HOSTS[@]}"; do [[ "$(sha_on "${h}")" == "${SHA}" ]] || { echo "${h}: $(sha_on "${h}")"; return 1; }; done
}
healthy() { "${HERD}" status -i "${INV}" >/dev/null 2>&1; }
cleanup() {
  rm -f "${OUT}" "${INV_MIRROR}" "${INV_BAD}" "${INV_RELAY}"
  rm -rf "${MIRROR_DIR}/good" "${MIRROR_DIR}/bad"
  docker rm -f herd-sandbox_mirror_1 >/dev/null 2>&1
}
trap cleanup EXIT

sandbox/sandbox.sh mirror >/dev/null || { fail "the mirror container starts"; summary distribution; exit 1; }
mkdir -p "${MIRROR_DIR}/good" "${MIRROR_DIR}/bad"
cp "${TARBALL}" "${MIRROR_DIR}/good/${NAME}"
head -c 5000000 "${TARBALL}" >"${MIRROR_DIR}/bad/${NAME}"
with_hadoop_dist "{ url: ${MIRROR_URL}/good/${NAME}, sha512: ${SHA} }" "${INV_MIRROR}" || exit 2
with_hadoop_dist "{ url: ${MIRROR_URL}/bad/${NAME}, sha512: ${SHA} }" "${INV_BAD}" || exit 2
sed 's/^vars:$/vars:\n  dist_relay: true/' "${INV}" >"${INV_RELAY}"
check "every host starts with the tarball's bytes" all_copies_verify

# Mirror: the copies the upload left verify, so nothing is fetched.
n=$(log_lines)
up "${INV_MIRROR}"
check "herd up from the mirror passes (${TOOK} s)" test "${RC}" = 0
got="$(gets_since "${n}")"
check "no host fetches a copy that verifies (GETs: '${got}')" test -z "${got}"

# A damaged copy on worker2: fetched again, by worker2 alone.
damage worker2
n=$(log_lines)
up "${INV_MIRROR}"
got="$(gets_since "${n}")"
check "a damaged copy is fetched again from the mirror (${TOOK} s, rc ${RC})" test "${RC}" = 0
check "only worker2 fetched (GETs: '${got}')" test "${got}" = "172.30.0.22 "
check "worker2's copy is the tarball again" test "$(sha_on worker2)" = "${SHA}"

# A mirror serving other bytes: worker1 (whose copy is damaged) fetches
# twice, keeps nothing, and the run fails naming it, the URL, what came.
damage worker1
up "${INV_BAD}"
check "a mirror with other bytes fails the run (rc ${RC})" test "${RC}" = 1
check "the failure names hadoop-unpack on worker1" grep -q "FAILED hadoop-unpack @ worker1" "${OUT}"
check "it says what arrived from which URL, twice" \
  test "$(grep -c "fetch [12] of ${MIRROR_URL}/bad/${NAME}: received 5000000 bytes with sha512 " "${OUT}")" -ge 2
check "and that the URL does not hold the tarball" grep -q "does not hold the tarball the inventory names" "${OUT}"
check "no host but worker1 failed" test "$(grep -c "FAILED hadoop-unpack @" "${OUT}")" = 1
check "nothing fetched is left on worker1" test -z "$(root_on worker1 "ls /opt/dist | grep herd-fetch")"
up "${INV_MIRROR}"
check "the good mirror mends worker1 (${TOOK} s, rc ${RC})" test "${RC}" = 0

# Relay: worker1 has no copy, worker3 a damaged one; the controller's
# copy on master1 (the seed) is unchanged, so it sends nothing.
root_on worker1 "rm -f ${COPY}"
damage worker3
up "${INV_RELAY}"
check "herd up by the relay passes (${TOOK} s, rc ${RC})" test "${RC}" = 0
run_dir="$(newest_run)"
check "the controller uploads Hadoop to master1 alone: the others skip hadoop-dist by its when" \
  test "$(grep -c '"stage":"hadoop-dist","host":"[a-z0-9]*","outcome":"skipped","skip":"when"' "${run_dir}/events.jsonl")" = 5
fetched="$(grep -l "^fetched ${NAME} from http://[a-z0-9]*:8931/${NAME} ([0-9]* bytes, sha512 verified)" "${run_dir}"/tasks/dist-relay-*.out 2>/dev/null | sed 's/.*__//; s/[.]out$//' | sort | tr '\n' ' ')"
check "worker1 and worker3 fetched from their peers, no other host did (${fetched})" test "${fetched}" = "worker1 worker3 "
kept="$(grep -l "^kept /opt/dist/${NAME} (sha512 verified)" "${run_dir}"/tasks/dist-relay-*.out 2>/dev/null | wc -l)"
check "the other hosts kept their copies (${kept})" test "${kept}" = 3
check "every copy is the tarball's" all_copies_verify
left=""
for h in "${HOSTS[@]}"; do
  [[ -z "$(root_on "${h}" "pgrep -f '[R]elay[.]java serve'")" ]] || left+="${h} "
done
check "no relay server is left running (${left:-none})" test -z "${left}"
check "the cluster is healthy after both modes" healthy

summary distribution
