#!/usr/bin/env bash
# Worker lifecycle on a running cluster (after bringup): scale out to a
# fourth worker with `herd up` (no daemon elsewhere restarts), decommission
# a worker under a writing and reading HDFS client (no failed operation,
# fsck healthy, the NameNode has it Decommissioned, a later `herd up` keeps
# it so), recommission it, maintenance through a container restart (no
# re-replication). It leaves the four-worker cluster (and its inventory,
# ${INV4}) for rackrestart; scalein takes worker4 out again.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

inventory_with_worker4 "${INV4}" || exit 1
rec3="${ROOT}/tests/sandbox/inventory.workers.json"
rec4="${INV4%.yaml}.workers.json"
rm -f "${rec3}" "${rec4}"
nodes4=(master1 master2 master3 worker1 worker2 worker3 worker4)
snapshot() { local n; for n in "$@"; do pids "$n" | sed "s|^|$n |"; done; }
status_json() { herd status -i "$1" --output json 2>/dev/null; }
cluster_field() { status_json "$1" | py "d['cluster']$2"; }
nn_jmx() { http_body "$(active_namenode)" 9870 "/jmx?qry=Hadoop:service=NameNode,name=$1"; }
admin_state() {
  nn_jmx NameNodeInfo | py "[v.get('adminState') for k, v in {**json.loads(d['beans'][0]['LiveNodes']), **json.loads(d['beans'][0]['DeadNodes'])}.items() if k.startswith('$1:')][0]"
}
under_replicated() { nn_jmx FSNamesystemState | py "d['beans'][0]['UnderReplicatedBlocks']"; }
timed() { local t0=$SECONDS; "$@"; local rc=$?; echo "  took $((SECONDS - t0)) s" >&2; return $rc; }

# --- 1. scale out: a fourth worker, nothing else restarted
sandbox/sandbox.sh start worker4 >/dev/null || { fail "worker4 starts"; summary lifecycle; exit 1; }
before="$(snapshot master1 master2 master3 worker1 worker2 worker3)"
out=$(timed herd up -i "${INV4}" -q 2>&1); rc=$?
check "scale out: herd up with worker4 exits 0" test "${rc}" -eq 0
[[ ${rc} -eq 0 ]] || echo "${out}" | tail -n 20 | sed 's/^/  up: /'
check "scale out: no daemon on the other hosts restarted" test "$(snapshot master1 master2 master3 worker1 worker2 worker3)" = "${before}"
check "scale out: 4 DataNodes live" test "$(cluster_field "${INV4}" "['datanodes_live']")" = 4
check "scale out: 4 NodeManagers registered" test "$(cluster_field "${INV4}" "['nodemanagers']")" = 4
check "scale out: 4 Mesos agents activated" test "$(cluster_field "${INV4}" "['agents']")" = 4
status_json "${INV4}" | py "'\n'.join('  stale: %s %s' % (h, ','.join(s)) for h, s in d['cluster']['stale'].items())"

# --- 2. decommission worker1 under a client writing and reading (on master3, which stays)
on master3 'rm -f /tmp/herd-lc.*; /opt/hadoop/bin/hdfs dfs -mkdir -p /tmp/herd-lifecycle && for i in 1 2 3 4 5 6; do head -c 3000000 /dev/urandom > /tmp/herd-lc.seed; /opt/hadoop/bin/hdfs dfs -put -f /tmp/herd-lc.seed /tmp/herd-lifecycle/seed$i; done' >/dev/null 2>&1
on master3 'nohup bash -c '"'"'a=0; f=0; i=0
while [ ! -f /tmp/herd-lc.stop ]; do
  i=$((i+1)); echo "$i" > /tmp/herd-lc.payload; p=/tmp/herd-lifecycle/f$((i%3))
  a=$((a+1)); /opt/hadoop/bin/hdfs dfs -put -f /tmp/herd-lc.payload $p >/dev/null 2>>/tmp/herd-lc.err || { f=$((f+1)); echo "put $i failed" >> /tmp/herd-lc.err; }
  a=$((a+1)); [ "$(/opt/hadoop/bin/hdfs dfs -cat $p 2>>/tmp/herd-lc.err)" = "$i" ] || { f=$((f+1)); echo "cat $i failed" >> /tmp/herd-lc.err; }
  echo "$a $f" > /tmp/herd-lc.count
done'"'"' >/dev/null 2>&1 &' >/dev/null
counts() { on master3 'cat /tmp/herd-lc.count 2>/dev/null || echo 0 0'; }
for _ in $(seq 1 30); do [[ "$(counts)" != "0 0" ]] && break; sleep 1; done
read -r a0 f0 <<<"$(counts)"
out=$(timed herd decommission worker1 -i "${INV4}" --yarn-grace 30s 2>&1); rc=$?
read -r a1 f1 <<<"$(counts)"
echo "  decommission: client ops attempted $((a1 - a0)), failed $((f1 - f0))"
check "decommission worker1 exits 0" test "${rc}" -eq 0
[[ ${rc} -eq 0 ]] || echo "${out}" | tail -n 25 | sed 's/^/  decommission: /'
echo "${out}" | grep -m 3 'blocks still to copy' | sed 's/^/  progress: /'
check "decommission: zero failed client operations" test "$((f1 - f0))" -eq 0
check "decommission: the NameNode has worker1 Decommissioned" test "$(admin_state worker1)" = Decommissioned
fsck=$(hdfs_on "$(active_namenode)" fsck / 2>/dev/null)
check "decommission: fsck / is HEALTHY" grep -q 'is HEALTHY' <<<"${fsck}"
check "decommission: no missing block" grep -Eq 'Missing blocks:[[:space:]]+0' <<<"${fsck}"
# The client loop goes on writing: a block it wrote a moment ago may still
# be on its way to its second replica. What the decommission left short
# would stay short (the NameNode said Decommissioned only once every block
# had its replicas elsewhere), so the count must reach 0 within a minute.
for _ in $(seq 1 30); do
  grep -Eq 'Under-replicated blocks:[[:space:]]+0 ' <<<"${fsck}" && break
  sleep 2
  fsck=$(hdfs_on "$(active_namenode)" fsck / 2>/dev/null)
done
grep -E 'Under-replicated blocks:' <<<"${fsck}" | sed 's/^/  fsck: /'
check "decommission: no under-replicated block" grep -Eq 'Under-replicated blocks:[[:space:]]+0 ' <<<"${fsck}"
check "decommission: worker1's daemons are stopped" test -z "$(pids worker1)"
check "decommission: the record has worker1 decommissioned" grep -q '"state": "decommissioned"' "${rec4}"
check "decommission: status is healthy and names worker1 out of service" test "$(cluster_field "${INV4}" "['healthy'], d['cluster']['out_of_service']")" = "True {'worker1': 'decommissioned'}"
out=$(herd up -i "${INV4}" -q 2>&1); rc=$?
check "a later herd up exits 0 and leaves worker1 out" test "${rc}" -eq 0 -a -z "$(pids worker1)"
check "a later herd up keeps worker1 Decommissioned" test "$(admin_state worker1)" = Decommissioned
# A lost record must not bring it back behind the operator's back.
mv "${rec4}" "${rec4}.saved"
out=$(herd up -i "${INV4}" -q 2>&1); rc=$?
check "herd up without the record refuses (exit 1) before pushing" test "${rc}" -eq 1
check "  and says why" grep -q 'worker1 (DECOMMISSIONED)' <<<"${out}"
check "  and worker1 is still Decommissioned" test "$(admin_state worker1)" = Decommissioned
mv "${rec4}.saved" "${rec4}"

# --- 3. recommission
out=$(timed herd recommission worker1 -i "${INV4}" 2>&1); rc=$?
check "recommission worker1 exits 0" test "${rc}" -eq 0
[[ ${rc} -eq 0 ]] || echo "${out}" | tail -n 20 | sed 's/^/  recommission: /'
check "recommission: worker1 In Service" test "$(admin_state worker1)" = "In Service"
check "recommission: status healthy, 4 DataNodes live, none out of service" test "$(cluster_field "${INV4}" "['healthy'], d['cluster']['datanodes_live'], d['cluster']['out_of_service']")" = "True 4 {}"

# --- 4. maintenance through a restart of the container
ur0=$(under_replicated)
out=$(timed herd maintenance enter worker2 -i "${INV4}" --for 30m 2>&1); rc=$?
check "maintenance enter worker2 exits 0" test "${rc}" -eq 0
[[ ${rc} -eq 0 ]] || echo "${out}" | tail -n 20 | sed 's/^/  enter: /'
check "maintenance: the NameNode has worker2 In Maintenance" test "$(admin_state worker2)" = "In Maintenance"
sandbox/sandbox.sh reboot worker2 2>&1 | sed 's/^/  /'
# The DataNode back and reporting; a NameNode would only call it dead after 10.5 min.
for _ in $(seq 1 60); do [[ "$(admin_state worker2)" == "In Maintenance" ]] && on worker2 'pgrep -f proc_datanode' >/dev/null && break; sleep 1; done
ur1=$(under_replicated)
echo "  under-replicated blocks: ${ur0} before, ${ur1} after the restart"
check "maintenance: no re-replication started (under-replicated stays ${ur0})" test "${ur1}" = "${ur0}"
check "maintenance: status names worker2 in maintenance" grep -q "'worker2': 'maintenance until" <<<"$(cluster_field "${INV4}" "['out_of_service']")"
out=$(timed herd maintenance exit worker2 -i "${INV4}" 2>&1); rc=$?
check "maintenance exit worker2 exits 0" test "${rc}" -eq 0
[[ ${rc} -eq 0 ]] || echo "${out}" | tail -n 20 | sed 's/^/  exit: /'
check "maintenance exit: healthy, worker2 In Service" test "$(cluster_field "${INV4}" "['healthy']") $(admin_state worker2)" = "True In Service"
on master3 'touch /tmp/herd-lc.stop' >/dev/null
read -r a f <<<"$(counts)"
echo "  client total: attempted ${a}, failed ${f}"
on master3 'tail -n 5 /tmp/herd-lc.err 2>/dev/null' | sed 's/^/  client: /'

# The four workers stay for rackrestart; scalein takes worker4 out.
summary lifecycle
