#!/usr/bin/env bash
# The ways back from a rolling upgrade before finalize, on the suite's
# cluster as bringup left it (Hadoop HADOOP_OLD_VERSION, ZooKeeper
# ZK_OLD_VERSION). A file A is written before the upgrade's prepare.
#   rollback:  herd upgrade, a file B, herd upgrade --rollback with the old
#              inventory: A is there, B is gone, every daemon runs the old
#              releases, healthy, no rolling upgrade in progress.
#   downgrade: herd upgrade, a file C, herd upgrade --downgrade with the old
#              inventory: A and C are there, every daemon runs the old
#              releases, healthy, the upgrade finalized.
# Workers move a rack at a time (--batch rack). The cluster ends as it
# started, for upgrade.sh. Ends
# "upgrade-back: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

OLD_INV="$(old_inventory)" || exit 1
NEW_H="${HADOOP_VERSION}" OLD_H="${HADOOP_OLD_VERSION}" OLD_Z="${ZK_OLD_VERSION}"

versions() {
  timeout 60 "${HERD}" status -i "${INV}" --json 2>/dev/null |
    py "'\n'.join(sorted(set('%s %s' % (s['service'], s['version']) for s in d['services'] if s['version'])))"
}
on_old() {
  local v
  v="$(versions)"
  [[ "$(grep -c " ${OLD_H}$" <<<"${v}") $(grep -c "^zookeeper ${OLD_Z}$" <<<"${v}") $(wc -l <<<"${v}")" == "7 1 8" ]] ||
    { sed 's/^/  runs: /' <<<"${v}"; false; }
}
put() { root_on master1 "head -c 2000000 /dev/urandom > /tmp/$1 && runuser -u hdfs -- /opt/hadoop/bin/hdfs dfs -put -f /tmp/$1 /tmp/herd-upgrade-back/$1" >/dev/null 2>&1; }
sum() { hdfs_on master2 "dfs -checksum /tmp/herd-upgrade-back/$1" 2>/dev/null | awk '{print $NF}'; }
exists() { hdfs_on master1 "dfs -test -e /tmp/herd-upgrade-back/$1" >/dev/null 2>&1; }
in_progress() { timeout 60 "${HERD}" status -i "${INV}" 2>/dev/null | grep -q '^rolling upgrade'; }
timed() {
  local what="$1" t0 rc
  shift
  t0=$(date +%s)
  timeout 1200 "${HERD}" "$@" -q > /tmp/herd-upgrade-back.out 2>&1
  rc=$?
  echo "  ${what}: $(($(date +%s) - t0)) s (exit ${rc})"
  [[ ${rc} -eq 0 ]] || tail -n 15 /tmp/herd-upgrade-back.out | sed 's/^/  herd: /'
  return "${rc}"
}

check "the cluster starts on Hadoop ${OLD_H} and ZooKeeper ${OLD_Z}" on_old
hdfs_on master1 "dfs -mkdir -p /tmp/herd-upgrade-back" >/dev/null 2>&1
put a
sum_a="$(sum a)"
check "file A, written before any prepare, has a checksum" test -n "${sum_a}"

# --- rollback
check "herd upgrade to ${NEW_H}" timed upgrade upgrade --batch rack -i "${INV}"
put b
check "file B written during the upgrade" exists b
check "herd upgrade --rollback with the old inventory" timed rollback upgrade --rollback --batch rack -i "${OLD_INV}"
check "rollback: A is there with the same checksum" test "$(sum a)" = "${sum_a}"
if exists b; then fail "rollback: B is gone (written after prepare)"; else pass "rollback: B is gone (written after prepare)"; fi
check "rollback: every daemon runs the old releases" on_old
check "rollback: status healthy" timeout 60 "${HERD}" status -i "${INV}" -q
if in_progress; then fail "rollback: no rolling upgrade in progress"; else pass "rollback: no rolling upgrade in progress"; fi

# --- downgrade
check "herd upgrade to ${NEW_H} again" timed upgrade upgrade --batch rack -i "${INV}"
put c
check "file C written during the upgrade" exists c
check "herd upgrade --downgrade with the old inventory" timed downgrade upgrade --downgrade --batch rack -i "${OLD_INV}"
grep -E 'layout versions' /tmp/herd-upgrade-back.out | sed 's/^/  /' | head -n 2
check "downgrade: A is there with the same checksum" test "$(sum a)" = "${sum_a}"
check "downgrade: C is there (written after prepare, kept)" exists c
check "downgrade: every daemon runs the old releases" on_old
check "downgrade: status healthy" timeout 60 "${HERD}" status -i "${INV}" -q
query="$(hdfs_on master1 "dfsadmin -rollingUpgrade query" 2>&1)"
check "downgrade: finalized, no rolling upgrade in progress" grep -q 'There is no rolling upgrade in progress' <<<"${query}"
hdfs_on master1 "dfs -rm -r -skipTrash /tmp/herd-upgrade-back" >/dev/null 2>&1

summary upgrade-back
