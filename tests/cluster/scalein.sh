#!/usr/bin/env bash
# Scale in (after lifecycle, which left four workers): decommission worker4,
# then `herd up` with the three-worker inventory leaves the cluster healthy
# with the smaller worker set; worker4's container is stopped after.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[[ -f "${INV4}" ]] || { echo "scalein: run after lifecycle (no ${INV4})"; exit 1; }
rec3="${ROOT}/tests/sandbox/inventory.workers.json"
rec4="${INV4%.yaml}.workers.json"
status_json() { herd status -i "$1" --output json 2>/dev/null; }
cluster_field() { status_json "$1" | py "d['cluster']$2"; }
timed() { local t0=$SECONDS; "$@"; local rc=$?; echo "  took $((SECONDS - t0)) s" >&2; return $rc; }

out=$(timed herd decommission worker4 -i "${INV4}" --yarn-grace 30s 2>&1); rc=$?
check "scale in: decommission worker4 exits 0" test "${rc}" -eq 0
[[ ${rc} -eq 0 ]] || echo "${out}" | tail -n 20 | sed 's/^/  decommission: /'
out=$(herd up -i "${INV}" -q 2>&1); rc=$?
check "scale in: herd up with three workers exits 0" test "${rc}" -eq 0
[[ ${rc} -eq 0 ]] || echo "${out}" | tail -n 20 | sed 's/^/  up: /'
# (The NameNode calls the stopped DataNode dead only after 10.5 minutes.)
check "scale in: status healthy, expecting 3 workers, 3 NodeManagers and 3 agents" test "$(cluster_field "${INV}" "['healthy'], d['cluster']['datanodes_expected'], d['cluster']['nodemanagers'], d['cluster']['agents']")" = "True 3 3 3"
on master3 '/opt/hadoop/bin/hdfs dfs -rm -r -f -skipTrash /tmp/herd-lifecycle' >/dev/null 2>&1
sandbox/sandbox.sh stop worker4 >/dev/null
rm -f "${rec3}" "${rec4}" "${INV4}"
summary scalein
