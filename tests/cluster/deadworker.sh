#!/usr/bin/env bash
# A dead worker tolerated: from bare hosts, with worker3's container stopped,
# `herd up --max-failures 1` brings up everything else (every other service
# healthy, the gates counting two DataNodes, NodeManagers and agents), names
# worker3 in its summary and exits 1; `herd status` says degraded because
# worker3 is unreachable. With the container started again, `herd replay`
# completes worker3's part (exit 0) and the cluster is healthy with 3/3
# workers. Resets the sandbox to bare hosts itself, so it can run alone;
# leaves a healthy cluster with every worker up.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
status_json() { herd status -i "${INV}" --json 2>/dev/null; }

# Bare hosts: reset unless they are (run.sh has just reset them).
installed=no
for n in "${NODES[@]}"; do root_on "$n" 'test -e /opt/hadoop' >/dev/null 2>&1 && installed=yes; done
if [[ ${installed} == yes ]]; then
  "${ROOT}/sandbox/sandbox.sh" reset >/dev/null 2>&1 || { fail "sandbox reset"; summary deadworker; exit 1; }
fi
worker3="$(docker ps --format '{{.Names}}' | grep -E '(^|[-_])worker3([-_]|$)' | head -n 1)"
check "worker3's container found (${worker3:-none})" test -n "${worker3}"
docker stop -t 3 "${worker3}" >/dev/null
check "worker3 is stopped" test "$(docker inspect -f '{{.State.Running}}' "${worker3}")" = false

out="$(mktemp)"
t0=$(date +%s.%N)
herd up -i "${INV}" --max-failures 1 >"${out}" 2>&1
rc=$?
t1=$(date +%s.%N)
tail -n 12 "${out}"
degraded_run="$(newest_run)"
# NodeManagers report unhealthy (and are not active) when a disk is over
# 90% full as Hadoop measures it, (size - available) / size: say so.
for n in master1 master2; do
  http_body "$n" 8088 /ws/v1/cluster/metrics |
    py "'RM on $n: %(activeNodes)s active, %(unhealthyNodes)s unhealthy, %(lostNodes)s lost NodeManagers' % d['clusterMetrics']" 2>/dev/null
done
df -B1G --output=size,avail / | awk 'NR == 2 { printf "disk: %d of %d GB available, %.1f%% used as Hadoop measures it\n", $2, $1, 100 * ($1 - $2) / $1 }'
echo "degraded bring-up wall time: $(secs "${t0}" "${t1}") s"
check "herd up --max-failures 1 with worker3 down exits 1" test "${rc}" -eq 1
check "the summary names worker3, counted out at connect" grep -q "worker3 at connect: unreachable" "${out}"
check "the summary says the run went on without 1 host" grep -q "went on without 1 host" "${out}"
events="${degraded_run}/events.jsonl"
check "the journal has host_counted_out for worker3" grep -q '"event":"host_counted_out","host":"worker3"' "${events}"
check "the run is journaled failed" grep -q '"event":"run_finished","outcome":"failed"' "${events}"
for stage in datanode nodemanager mesos-agent; do
  check "gate ${stage} passed (with the workers still in the run)" grep -q "\"event\":\"gate_passed\",\"stage\":\"${stage}\"" "${events}"
done
check "worker3's tasks are journaled counted out (not done)" grep -q '"stage":"datanode","host":"worker3","outcome":"skipped","skip":"counted_out"' "${events}"
check "no stage failed" test "$(grep -c '"event":"stage_finished".*"outcome":"failed"' "${events}")" -eq 0

st="$(status_json)"
herd status -i "${INV}" >"${out}" 2>&1
src=$?
sed -n '/^problems\|^  /p' "${out}" | tail -n 8
check "herd status exits 1 (degraded)" test "${src}" -eq 1
check "herd status names worker3 unreachable" grep -q "worker3 unreachable" "${out}"
check "status: 2 of 3 DataNodes live" test "$(py "d['cluster']['datanodes_live']" <<<"${st}")" = 2
check "status: 2 NodeManagers, 2 agents" test "$(py "(d['cluster']['nodemanagers'], d['cluster']['agents'])" <<<"${st}")" = "(2, 2)"
check "status: one active NameNode and ResourceManager" test "$(py "bool(d['cluster']['active_namenode'] and d['cluster']['active_resourcemanager'])" <<<"${st}")" = True
bad="$(py "' '.join(sorted(s['host'] + ':' + s['service'] for s in d['services'] if s['host'] != 'worker3' and s['state'] != 'running'))" <<<"${st}")"
check "every service off worker3 runs:${bad:- all}" test -z "${bad}"

docker start "${worker3}" >/dev/null
for _ in $(seq 300); do node_ssh worker3 true >/dev/null 2>&1 && break; sleep 0.2; done
check "worker3 answers on ssh again" node_ssh worker3 true
t0=$(date +%s.%N)
herd replay -i "${INV}" >"${out}" 2>&1
rc=$?
t1=$(date +%s.%N)
tail -n 5 "${out}"
replay_run="$(newest_run)"
echo "replay wall time: $(secs "${t0}" "${t1}") s"
check "herd replay completes the bring-up (exit 0)" test "${rc}" -eq 0
check "the replay continues the degraded run" grep -q "\"continues\":\"$(basename "${degraded_run}")\"" "${replay_run}/events.jsonl"
ran_elsewhere="$(grep '"event":"task_started"' "${replay_run}/events.jsonl" | grep -vc '"host":"worker3"')"
check "the replay ran tasks on worker3 only (${ran_elsewhere} elsewhere)" test "${ran_elsewhere}" -eq 0
check "the replay ran worker3's DataNode" grep -q '"stage":"datanode","host":"worker3","outcome":"ok"' "${replay_run}/events.jsonl"

st="$(status_json)"
herd status -i "${INV}" >/dev/null 2>&1
check "herd status is healthy (exit 0)" test $? -eq 0
check "status: 3/3 DataNodes, NodeManagers, agents" test "$(py "(d['cluster']['datanodes_live'], d['cluster']['nodemanagers'], d['cluster']['agents'])" <<<"${st}")" = "(3, 3, 3)"
rm -f "${out}"

summary deadworker
