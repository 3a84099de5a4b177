#!/usr/bin/env bash
# Rack-by-rack restarts on a running cluster, the workers in two racks of
# two (worker1, worker2 in /rack1; worker3, worker4 in /rack2; the cluster
# `lifecycle` leaves) and dfs.replication 2:
# files written rack-aware have a replica in each rack; an HDFS client reads
# them in a loop through `herd restart datanode --batch rack` (two batches)
# and `herd restart workers --batch rack` with 0 failed reads; a count batch
# of two DataNodes across the racks is refused before anything runs (every
# pid unchanged). Prints the wall time of each batch and of each restart.
# Ends "rackrestart: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

# The four-worker cluster `lifecycle` leaves (worker4 in /rack2 beside
# worker3): two racks of two.
RINV="${INV4}"
[[ -f "${RINV}" ]] || { echo "rackrestart: run after lifecycle (no ${RINV})"; exit 1; }

healthy() { timeout 60 "${HERD}" status -i "${RINV}" -q >/dev/null; }
# The daemons' pids, without the reading client's own JVM (-Dproc_dfs).
daemon_pids() { local n; for n in master1 master2 master3 worker1 worker2 worker3 worker4; do pids "$n" | sed "s|^|$n |"; done | awk '$2 != "dfs"'; }
wait_healthy() { local _; for _ in $(seq 1 40); do healthy && return 0; sleep 3; done; return 1; }

topology=$(hdfs_on master1 dfsadmin -printTopology 2>/dev/null)
sed 's/^/  topology: /' <<<"${topology}"
check "the NameNode places worker3 and worker4 in /rack2" test "$(grep -A3 'Rack: /rack2' <<<"${topology}" | grep -cE 'worker[34]')" -eq 2

# --- files written with two replicas, rack-aware: one in each rack
on worker1 'rm -f /tmp/herd-rr.*; /opt/hadoop/bin/hdfs dfs -rm -r -f -skipTrash /tmp/herd-rack >/dev/null 2>&1; /opt/hadoop/bin/hdfs dfs -mkdir -p /tmp/herd-rack' >/dev/null 2>&1
on worker1 'for i in 0 1 2 3; do echo "payload $i" > /tmp/herd-rr.payload; /opt/hadoop/bin/hdfs dfs -D dfs.replication=2 -put -f /tmp/herd-rr.payload /tmp/herd-rack/f$i; done' >/dev/null 2>&1
fsck=$(hdfs_on master1 fsck /tmp/herd-rack -files -blocks -racks 2>/dev/null)
blocks=$(grep -cE '^[0-9]+\. BP-' <<<"${fsck}")
two_racks=$(grep -E '^[0-9]+\. BP-' <<<"${fsck}" | grep -c '/rack1/.*/rack2/\|/rack2/.*/rack1/')
echo "  test blocks: ${blocks}, on both racks: ${two_racks}"
check "4 test blocks, each with a replica in each rack" test "${blocks}" -eq 4 -a "${two_racks}" -eq 4

# --- a client reading in a loop on worker1
on worker1 'nohup bash -c '"'"'a=0; f=0; i=0
while [ ! -f /tmp/herd-rr.stop ]; do
  i=$((i+1)); p=/tmp/herd-rack/f$((i%4))
  a=$((a+1)); [ "$(/opt/hadoop/bin/hdfs dfs -cat $p 2>>/tmp/herd-rr.err)" = "payload $((i%4))" ] || { f=$((f+1)); echo "cat $p failed" >> /tmp/herd-rr.err; }
  echo "$a $f" > /tmp/herd-rr.count
done'"'"' >/dev/null 2>&1 &' >/dev/null
counts() { on worker1 'cat /tmp/herd-rr.count 2>/dev/null || echo 0 0'; }
for _ in $(seq 1 30); do [[ "$(counts)" != "0 0" ]] && break; sleep 1; done

# batch_times RUN: "N SECONDS" per batch of the run, from its journal (a
# batch: every stage named <role>-batch-N..., from the first start to the
# last end), then "total SECONDS".
batch_times() {
  python3 - "$1/events.jsonl" <<'PY'
import json, re, sys
spans = {}
total = None
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except json.JSONDecodeError:
        continue
    if e["event"] == "run_finished":
        total = e["duration_ms"] / 1000
    m = re.match(r"^[a-z-]+-batch-(\d+)", e.get("stage") or "")
    if not m:
        continue
    s = spans.setdefault(int(m.group(1)), [None, None])
    if e["event"] == "stage_started":
        s[0] = e["ts"] if s[0] is None else min(s[0], e["ts"])
    elif e["event"] == "stage_finished":
        s[1] = e["ts"] if s[1] is None else max(s[1], e["ts"])
for n in sorted(spans):
    a, b = spans[n]
    if a is not None and b is not None:
        print(n, round(b - a, 1))
print("total", total)
PY
}

# --- a count batch across the racks is refused before anything runs
pids_before=$(daemon_pids)
out=$(timeout 120 "${HERD}" restart datanode --hosts worker2,worker3 --batch 2 -i "${RINV}" 2>&1)
rc=$?
echo "  ${out}" | tail -n 2
check "--batch 2 across the racks exits 1" test "${rc}" -eq 1
check "the refusal says why" grep -q 'spans racks /rack1, /rack2 and holds 2 DataNodes, as many as dfs.replication (2): every replica of a block may be in it' <<<"${out}"
check "the refusal says what is safe" grep -q 'Safe: --batch rack' <<<"${out}"
out=$(timeout 120 "${HERD}" restart datanode --batch 3 -i "${RINV}" 2>&1)
check "--batch 3 (every DataNode) exits 1" test $? -eq 1
check "no daemon touched by the refused restarts" test "${pids_before}" = "$(daemon_pids)"

# --- the dry run shows one batch per rack
plan=$(timeout 120 "${HERD}" restart datanode --batch rack --dry-run -i "${RINV}" 2>&1)
sed 's/^/  plan: /' <<<"${plan}"
check "the dry run plans 2 DataNode batches" test "$(grep -cE '^ *[0-9]+\. datanode-batch-[0-9]+ ' <<<"${plan}")" -eq 2
check "batch 1 is /rack1 (worker1, worker2)" grep -qE 'datanode-batch-1 +restart datanode on worker1, worker2 \(rack /rack1\)' <<<"${plan}"
# worker3 (no systemd) and worker4 (systemd) take different commands: two
# parts of the one batch, run together.
check "batch 2 is /rack2 (worker3, worker4)" test "$(grep -cE 'datanode-batch-2(-2)? +restart datanode on worker[34] \(rack /rack2\)' <<<"${plan}")" -eq 2

# rack_restart SERVICE: restart it rack by rack under the reading client;
# prints the batch times; CHANGED: the daemons whose pid changed.
CHANGED=""
rack_restart() {
  local svc="$1" before after a0 f0 a1 f1 t0 took rc run
  check "status healthy before restart ${svc} --batch rack" healthy
  before=$(counts)
  pids_before=$(daemon_pids)
  t0=$(date +%s.%N)
  timeout 600 "${HERD}" restart "${svc}" --batch rack -i "${RINV}" -q
  rc=$?
  took=$(echo "$(date +%s.%N) ${t0}" | awk '{printf "%.1f", $1 - $2}')
  run=$(newest_run)
  after=$(counts)
  read -r a0 f0 <<<"${before}"; read -r a1 f1 <<<"${after}"
  echo "  ${svc} --batch rack: ${took} s, client reads $((a1 - a0)), failed $((f1 - f0))"
  batch_times "${run}" | while read -r n s; do
    if [[ ${n} == total ]]; then echo "  ${svc}: run wall time ${s} s"; else echo "  ${svc}: batch ${n}: ${s} s"; fi
  done
  check "restart ${svc} --batch rack exits 0" test "${rc}" -eq 0
  check "restart ${svc} --batch rack ran 2 batches" test "$(batch_times "${run}" | grep -vc '^total')" -eq 2
  check "restart ${svc} --batch rack: zero failed client reads" test "$((f1 - f0))" -eq 0
  check "healthy after restart ${svc} --batch rack" wait_healthy
  CHANGED=$(diff <(echo "${pids_before}") <(daemon_pids) | awk '/^>/ {print $2":"$3}' | sort -u | tr '\n' ' ')
  echo "  restarted (pid changed): ${CHANGED}"
}

rack_restart datanode
check "restart datanode --batch rack restarted exactly the four DataNodes" \
  test "${CHANGED}" = "worker1:datanode worker2:datanode worker3:datanode worker4:datanode "

rack_restart workers
want="worker1:datanode worker1:mesos-agent worker1:nodemanager worker2:datanode worker2:mesos-agent worker2:nodemanager worker3:datanode worker3:mesos-agent worker3:nodemanager worker4:datanode worker4:mesos-agent worker4:nodemanager "
check "restart workers --batch rack restarted every worker daemon" test "${CHANGED}" = "${want}"

on worker1 'touch /tmp/herd-rr.stop'
read -r a f <<<"$(counts)"
echo "  client total: reads ${a}, failed ${f}"
on worker1 'tail -n 5 /tmp/herd-rr.err 2>/dev/null' | sed 's/^/  client: /'

on worker1 '/opt/hadoop/bin/hdfs dfs -rm -r -f -skipTrash /tmp/herd-rack' >/dev/null 2>&1
summary rackrestart
