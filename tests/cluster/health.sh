#!/usr/bin/env bash
# The health figures of `herd status` on a running cluster (after bringup):
# healthy, with the HDFS, NameNode heap and YARN lines and no warnings; then
# a file of one block and one replica loses it: the replica is corrupted in
# place (same length) and the file read, so the client reports the checksum
# failure and the NameNode has no good replica left: `herd status` exits 1,
# says DEGRADED and names the missing-block count; the file deleted, status
# is healthy again. Leaves the cluster as it found it.
# Ends "health: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

DIR=/tmp/herd-health
FILE="${DIR}/one-block"
DATA_DIR=/data/hadoop/hdfs/data
OUT="$(mktemp /tmp/herd-health.XXXXXX)"

# status_json: herd status --json into OUT; RC its exit, TOOK its seconds.
status_json() {
  local t0
  t0=$(date +%s%N)
  "${HERD}" status -i "${INV}" --json >"${OUT}" 2>/dev/null
  RC=$?
  TOOK=$(python3 -c "print(f'{($(date +%s%N) - ${t0}) / 1e9:.2f}')")
}
# field EXPR: EXPR over the status document d (c: its cluster, h: its health).
field() { python3 -c "import json; d=json.load(open('${OUT}')); c=d['cluster']; h=d['health']; print($1)" 2>&1; }
expect() {
  local got
  got="$(field "$2")"
  if [[ "${got}" == True ]]; then pass "$1"; else fail "$1 (${got}; problems: $(field "c['problems']"))"; fi
}
# poll_status SECONDS EXPR: status until EXPR holds (true) or the deadline;
# WAITED the seconds it took.
poll_status() {
  local deadline=$((SECONDS + $1)) t0=${SECONDS}
  while :; do
    status_json
    [[ "$(field "$2")" == True ]] && { WAITED=$((SECONDS - t0)); return 0; }
    [[ ${SECONDS} -ge ${deadline} ]] && { WAITED=$((SECONDS - t0)); return 1; }
    [[ -n "${3:-}" ]] && eval "$3"
    sleep 2
  done
}
worker_of() { case "$1" in 172.30.0.2[1-4]) echo "worker${1##*.2}" ;; *) echo "?$1" ;; esac; }
fsck_file() { hdfs_on master1 "fsck ${FILE} -files -blocks -locations" 2>/dev/null; }
cleanup() {
  hdfs_on master1 "dfs -rm -r -f -skipTrash ${DIR}" >/dev/null 2>&1
  rm -f "${OUT}"
}
trap cleanup EXIT

# --- 1. healthy, with its figures
status_json
check "healthy cluster: herd status exit 0 (${TOOK} s)" test "${RC}" -eq 0
expect "health.hdfs read from the active NameNode: files, blocks, heap" \
  "h['hdfs'] is not None and h['hdfs']['files'] > 0 and h['hdfs']['heap']['max'] > 0 and h['hdfs']['capacity_total'] > 0"
expect "no missing or corrupt blocks" "h['hdfs']['missing_blocks'] == 0 and h['hdfs']['corrupt_blocks'] == 0"
expect "health.yarn read from the active RM: 3 NodeManagers' memory" "h['yarn'] is not None and h['yarn']['memory_total_mb'] == 3 * 1024"
expect "no warnings" "c['warnings'] == []"
table="$("${HERD}" status -i "${INV}" 2>/dev/null)"
check "the table shows the HDFS objects, NameNode heap and YARN lines" eval \
  '[[ "${table}" == *"HDFS objects:             "*" files, "*" blocks (missing 0, corrupt 0, under-replicated "* && "${table}" == *"NameNode heap:            "*" used of "* && "${table}" == *"YARN:                     apps "* ]]'
printf '%s\n' "${table}" | sed -n '/^HDFS objects/,/^YARN/p' | sed 's/^/  | /'

# --- 2. a file of one block, replication 1
# One replica, so the client reports its checksum failure: a client that
# finds every one of several replicas corrupt reports none (it blames
# itself), and a DataNode's startup report of a replica deleted under it is
# not a certain way either (its replica cache outlives the file).
hdfs_on master1 "dfs -mkdir -p ${DIR}" >/dev/null 2>&1
root_on master1 "head -c 65536 /dev/urandom | runuser -u hdfs -- /opt/hadoop/bin/hdfs dfs -D dfs.replication=1 -put - ${FILE}" >/dev/null 2>&1
fsck="$(fsck_file)"
blk="$(grep -o 'blk_[0-9]*_[0-9]*' <<<"${fsck}" | head -n 1)"
mapfile -t holders < <(grep -o 'DatanodeInfoWithStorage\[[0-9.]*' <<<"${fsck}" | sed 's/.*\[//' | while read -r ip; do worker_of "${ip}"; done)
check "the file has one block with 1 replica (${blk:-none} on ${holders[*]:-nobody})" eval '[[ -n "${blk}" && ${#holders[@]} -eq 1 ]]'
[[ ${#holders[@]} -eq 1 ]] || { summary health; exit; }
BAD="${holders[0]}"
id="${blk%_*}"
block_file() { root_on "$1" "find ${DATA_DIR} -name ${id} -type f" 2>/dev/null | head -n 1; }
bad_file="$(block_file "${BAD}")"
check "its block file: ${BAD}:${bad_file:-?}" test -n "${bad_file}"

# --- 3. corrupt the replica, read the file
size_before="$(root_on "${BAD}" "stat -c %s ${bad_file}")"
root_on "${BAD}" "head -c 4096 /dev/urandom | dd of=${bad_file} bs=4096 seek=1 conv=notrunc status=none"
check "${BAD}'s replica overwritten in place, its length kept (${size_before} bytes)" \
  test "$(root_on "${BAD}" "stat -c %s ${bad_file}")" = "${size_before}"
t0=${SECONDS}
read_file() { hdfs_on master1 "dfs -cat ${FILE}" >/dev/null 2>&1; }
# Read again each round until the NameNode counts the block missing.
poll_status 180 "c['healthy'] is False and h['hdfs'] is not None and h['hdfs']['missing_blocks'] >= 1 and all(p.startswith('HDFS: ') for p in c['problems'])" read_file
rc=${RC}
check "herd status exits 1 once the NameNode knows (${WAITED} s after the corruption; status ${TOOK} s)" test "${rc}" -eq 1
expect "the problems name 1 missing block, and only HDFS is wrong" \
  "any(p.startswith('HDFS: 1 missing block(s)') for p in c['problems']) and all(p.startswith('HDFS: ') for p in c['problems'])"
expect "health.hdfs counts it: missing 1" "h['hdfs']['missing_blocks'] == 1"
check "reading the file fails" eval '! read_file'
table="$("${HERD}" status -i "${INV}" 2>/dev/null)"
check "the table says DEGRADED and names the missing block" eval \
  '[[ "${table}" == *"DEGRADED: "* && "${table}" == *"  - HDFS: 1 missing block(s)"* ]]'
printf '%s\n' "${table}" | sed -n '/^HDFS objects/p;/^DEGRADED/,$p' | sed 's/^/  | /'
echo "  the NameNode knew $((SECONDS - t0)) s after the corruption"

# --- 4. the file deleted: healthy again
hdfs_on master1 "dfs -rm -r -f -skipTrash ${DIR}" >/dev/null 2>&1
poll_status 120 "c['healthy'] is True"
check "the file deleted: herd status exit 0 again (${WAITED} s)" test "${RC}" -eq 0
expect "missing and corrupt back to 0, no warnings" \
  "h['hdfs']['missing_blocks'] == 0 and h['hdfs']['corrupt_blocks'] == 0 and c['warnings'] == []"
gone=no
for _ in $(seq 1 60); do
  [[ -z "$(block_file "${BAD}")" ]] && { gone=yes; break; }
  sleep 1
done
check "the corrupt replica on ${BAD} removed by the NameNode" test "${gone}" = yes
summary health
