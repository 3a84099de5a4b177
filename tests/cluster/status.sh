#!/usr/bin/env bash
# `herd status` on the sandbox cluster, which must already be up (the runner
# calls this after `herd up`): a healthy cluster reads as healthy in under
# 2 s; stopping the standby NameNode makes status exit 1 naming it; starting
# it again brings status back to 0. (A killed daemon comes back by itself
# under systemd: the supervision scenario shows that.)
#
#   tests/cluster/status.sh            HERD=target/debug/herd INV=tests/sandbox/inventory.yaml
#
# Exit 0 all passed, 1 some assertion failed, 2 the sandbox is not up.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

HERD="${HERD:-target/debug/herd}"
INV="${INV:-tests/sandbox/inventory.yaml}"
PIDDIR=/var/run/hadoop
HADOOP_HOME=/opt/hadoop
passed=0
failed=0

ok() { echo "  ok    $*"; passed=$((passed + 1)); }
fail() { echo "  FAIL  $*"; failed=$((failed + 1)); }
finish() {
  echo "status: ${passed} passed, ${failed} failed"
  [[ ${failed} -eq 0 ]]
  exit $?
}

if ! timeout 20 sandbox/sandbox.sh ssh master1 true >/dev/null 2>&1; then
  echo "status: the sandbox is not up (run sandbox/sandbox.sh up, then ${HERD} up -i ${INV})" >&2
  exit 2
fi
if [[ ! -x "${HERD}" ]]; then
  cargo build -q || { echo "status: cannot build herd" >&2; exit 2; }
fi

# Runs herd status --json; sets OUT, RC and TOOK (seconds).
status() {
  local t0 t1
  t0=$(date +%s%N)
  OUT=$("${HERD}" status -i "${INV}" --json 2>/tmp/herd-status.err)
  RC=$?
  t1=$(date +%s%N)
  TOOK=$(python3 -c "print(f'{(${t1} - ${t0}) / 1e9:.2f}')")
}

# py EXPR: EXPR evaluated with `d` = the JSON document; prints the result.
py() {
  python3 -c "
import json, sys
d = json.loads(sys.stdin.read())
c = d['cluster']
svc = lambda name: [s for s in d['services'] if s['service'] == name]
print($1)" <<<"${OUT}"
}

# expect DESCRIPTION PYTHON-BOOLEAN
expect() {
  local got
  got=$(py "$2" 2>&1)
  if [[ "${got}" == "True" ]]; then ok "$1"; else fail "$1 (${got})"; fi
}

echo "== healthy cluster"
status
echo "  herd status took ${TOOK}s"
if [[ ${RC} -eq 0 ]]; then ok "exit 0"; else fail "exit ${RC}: $(py "c['problems']" 2>/dev/null || cat /tmp/herd-status.err)"; fi
if python3 -c "import sys; sys.exit(0 if ${TOOK} < 2.0 else 1)"; then ok "took ${TOOK}s < 2s"; else fail "took ${TOOK}s, not under 2s"; fi
expect "one active NameNode, one standby" \
  "sorted(s['ha'] for s in svc('namenode')) == ['active', 'standby'] and c['active_namenode'] is not None"
expect "one ACTIVE ResourceManager" \
  "sorted(s['ha'] for s in svc('resourcemanager')) == ['ACTIVE', 'STANDBY'] and c['active_resourcemanager'] is not None"
expect "ZooKeeper: one leader, two followers" \
  "sorted(s['ha'] for s in svc('zookeeper')) == ['follower', 'follower', 'leader'] and c['zookeeper_leader'] is not None"
expect "DataNodes 3/3" "c['datanodes_live'] == 3 and c['datanodes_expected'] == 3"
expect "NodeManagers 3/3" "c['nodemanagers'] == 3 and c['nodemanagers_expected'] == 3"
expect "a Mesos leader with 3 agents" "c['mesos_leader'] is not None and c['agents'] == 3"
expect "safe mode off" "c['safemode'] is False"
expect "every service running" "all(s['state'] == 'running' for s in d['services'])"
expect "healthy, no problems" "c['healthy'] is True and c['problems'] == []"

standby=$(py "[s['host'] for s in svc('namenode') if s['ha'] == 'standby'][0]" 2>/dev/null)
if [[ -z "${standby}" ]]; then
  fail "no standby NameNode to kill"
  finish
fi

restart_nn() {
  sandbox/sandbox.sh ssh "${standby}" "sudo -n systemctl start hadoop-hdfs-namenode.service" >/dev/null 2>&1
}
# Whatever happens below, leave the NameNode running for the next scenario.
trap restart_nn EXIT

echo "== standby NameNode stopped on ${standby}"
sandbox/sandbox.sh ssh "${standby}" "sudo -n systemctl stop hadoop-hdfs-namenode.service" >/dev/null 2>&1
status
echo "  herd status took ${TOOK}s"
if [[ ${RC} -eq 1 ]]; then ok "exit 1"; else fail "exit ${RC}, expected 1"; fi
expect "the problems name the NameNode on ${standby}" \
  "any('namenode on ${standby}' in p for p in c['problems'])"
expect "its row says down" \
  "[s['state'] for s in svc('namenode') if s['host'] == '${standby}'] == ['down']"
expect "the other NameNode is still active" "c['active_namenode'] is not None"
"${HERD}" status -i "${INV}" | sed -n '/DEGRADED/,$p' | sed 's/^/  | /'

echo "== NameNode started again on ${standby}"
restart_nn
deadline=$((SECONDS + 240))
while :; do
  status
  [[ ${RC} -eq 0 || ${SECONDS} -ge ${deadline} ]] && break
  sleep 3
done
if [[ ${RC} -eq 0 ]]; then
  ok "status back to exit 0 (after $((SECONDS - deadline + 240))s)"
else
  fail "status still exits ${RC} after 240s: $(py "c['problems']" 2>/dev/null)"
fi
expect "one active NameNode, one standby again" \
  "sorted(s['ha'] for s in svc('namenode')) == ['active', 'standby']"

# hadoop-functions.sh's pid-file race leaves a pid file naming the dead
# launcher while the daemon runs: status must not call it down, and neither
# herd up nor a restart may start a second daemon beside it.
# Only where no supervisor knows the daemon's pid: worker3.
on() { sandbox/sandbox.sh ssh "$@" 2>/dev/null; }
nm_pidfile=${PIDDIR}/hadoop-yarn-nodemanager.pid
nm_procs() { on worker3 "ps -eo pid=,args= | awk '/ -Dproc_nodemanager / && !/awk/ {print \$1}'"; }
echo "== worker3's NodeManager pid file names a dead process"
nm_pid=$(nm_procs)
on worker3 "echo 999999 > ${nm_pidfile}"
status
if [[ ${RC} -eq 0 ]]; then ok "status exit 0: the NodeManager runs"; else fail "status exit ${RC}: $(py "c['problems']" 2>/dev/null)"; fi
expect "its row says running, with its real pid and a note on the pid file" \
  "[(s['state'], s['pid'], 'pid file names 999999' in (s['note'] or '')) for s in svc('nodemanager') if s['host'] == 'worker3'] == [('running', ${nm_pid:-0}, True)]"
"${HERD}" up -i "${INV}" -q >/tmp/herd-up-repair.out 2>&1
if [[ $? -eq 0 ]]; then ok "herd up exit 0"; else fail "herd up exit $?: $(tail -n 5 /tmp/herd-up-repair.out)"; fi
if [[ "$(on worker3 "cat ${nm_pidfile}")" == "${nm_pid}" && "$(nm_procs)" == "${nm_pid}" ]]; then
  ok "herd up repaired the pid file (${nm_pid}) and started no second NodeManager"
else
  fail "after herd up: pid file '$(on worker3 "cat ${nm_pidfile}")', NodeManager processes '$(nm_procs | tr '\n' ' ')' (was ${nm_pid})"
fi

echo "== the launcher loses the race on worker3 during a DataNode restart"
trap 'on worker3 "rm -f /etc/herd-sandbox/pid-race"; restart_nn' EXIT
on worker3 "mkdir -p /etc/herd-sandbox && touch /etc/herd-sandbox/pid-race"
"${HERD}" restart datanode --hosts worker3 -i "${INV}" -q >/tmp/herd-restart-race.out 2>&1
rc=$?
on worker3 "rm -f /etc/herd-sandbox/pid-race"
if [[ ${rc} -eq 0 ]]; then ok "restart datanode --hosts worker3 exit 0"; else fail "restart exit ${rc}: $(tail -n 5 /tmp/herd-restart-race.out)"; fi
if on worker3 "runuser -u hdfs -- ${HADOOP_HOME}/bin/hdfs --daemon status datanode"; then
  ok "worker3's DataNode pid file names the running DataNode"
else
  fail "worker3's pid file: $(on worker3 "cat ${PIDDIR}/hadoop-hdfs-datanode.pid"), DataNodes: $(on worker3 "ps -eo pid=,args= | awk '/ -Dproc_datanode / && !/awk/ {print \$1}'" | tr '\n' ' ')"
fi
newest=$(find "${HERD_STATE_DIR:-.herd}/runs" -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1)
if grep -rqs "the datanode pid file named" "${newest}"; then
  ok "the restart's output says the pid file was repaired"
else
  fail "no repair in the restart's output (${newest})"
fi
status
if [[ ${RC} -eq 0 ]]; then ok "status healthy after the race"; else fail "status exit ${RC}: $(py "c['problems']" 2>/dev/null)"; fi

finish
