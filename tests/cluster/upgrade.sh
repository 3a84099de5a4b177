#!/usr/bin/env bash
# The rolling upgrade, on the suite's cluster as bringup left it: Hadoop
# HADOOP_OLD_VERSION and ZooKeeper ZK_OLD_VERSION (bringup.sh starts from the
# older releases). `herd upgrade` to the inventory's versions with an HDFS
# client writing and reading in a loop and a MapReduce SleepJob running;
# herd is killed (SIGKILL) in the middle of the DataNode phase and `herd
# replay` finishes the upgrade, each DataNode moved exactly once. Then: 0
# failed client operations, the job SUCCEEDED, every daemon reports the new
# version, a file written before reads back with the same checksum, ZooKeeper
# kept a quorum with its leader last, `herd up` with the old inventory
# refuses to relink, `--finalize`, and status no longer says in progress.
# Prints each phase's wall time and the longest windows without an active
# NameNode and ResourceManager. Ends "upgrade: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

OLD_INV="$(old_inventory)" || exit 1
NEW_H="${HADOOP_VERSION}" OLD_H="${HADOOP_OLD_VERSION}"
NEW_Z="${ZK_VERSION}" OLD_Z="${ZK_OLD_VERSION}"
WORKERS=(worker1 worker2 worker3)

versions() {
  timeout 60 "${HERD}" status -i "${INV}" --json 2>/dev/null |
    py "'\n'.join(sorted(set('%s %s' % (s['service'], s['version']) for s in d['services'] if s['version'])))"
}
dn_starts() { root_on "$1" "grep -c 'STARTUP_MSG:   version = $2' /var/log/hadoop/hadoop-hdfs-datanode-$1.log 2>/dev/null || true"; }

before="$(versions)"
check "the cluster starts on Hadoop ${OLD_H} and ZooKeeper ${OLD_Z}" \
  test "$(grep -c " ${OLD_H}$" <<<"${before}") $(grep -c "^zookeeper ${OLD_Z}$" <<<"${before}")" = "7 1"

# --- before: a file to read back, a client loop, a SleepJob, samplers
hdfs_on master1 "dfs -mkdir -p /tmp/herd-upgrade" >/dev/null 2>&1
root_on master1 "head -c 3000000 /dev/urandom > /tmp/upgrade-a && runuser -u hdfs -- /opt/hadoop/bin/hdfs dfs -put -f /tmp/upgrade-a /tmp/herd-upgrade/a" >/dev/null 2>&1
sum_before="$(hdfs_on master1 "dfs -checksum /tmp/herd-upgrade/a" 2>/dev/null | awk '{print $NF}')"
check "a file written before the upgrade has a checksum" test -n "${sum_before}"

on worker1 'rm -f /tmp/herd-client.*; /opt/hadoop/bin/hdfs dfs -mkdir -p /tmp/herd-upgrade-client' >/dev/null 2>&1
on worker1 'nohup bash -c '"'"'a=0; f=0; i=0
while [ ! -f /tmp/herd-client.stop ]; do
  i=$((i+1)); echo "$i" > /tmp/herd-client.payload; p=/tmp/herd-upgrade-client/f$((i%3))
  a=$((a+1)); /opt/hadoop/bin/hdfs dfs -put -f /tmp/herd-client.payload $p >/dev/null 2>>/tmp/herd-client.err || { f=$((f+1)); echo "put $i failed" >> /tmp/herd-client.err; }
  a=$((a+1)); [ "$(/opt/hadoop/bin/hdfs dfs -cat $p 2>>/tmp/herd-client.err)" = "$i" ] || { f=$((f+1)); echo "cat $i failed" >> /tmp/herd-client.err; }
  echo "$a $f" > /tmp/herd-client.count
done'"'"' >/dev/null 2>&1 &' >/dev/null
counts() { on worker1 'cat /tmp/herd-client.count 2>/dev/null || echo 0 0'; }
for _ in $(seq 1 30); do [[ "$(counts)" != "0 0" ]] && break; sleep 1; done

jar="$(sleepjob_jar)" || jar=""
job_ok=0
if [[ -n "${jar}" ]]; then
  node_scp master3 "${jar}" /tmp/sleepjob.jar
  hdfs_on master1 "dfs -mkdir -p /user/admin && runuser -u hdfs -- /opt/hadoop/bin/hdfs dfs -chown admin /user/admin" >/dev/null 2>&1
  on master3 'rm -f /tmp/sleepjob.out; nohup bash -c "/opt/hadoop/bin/yarn jar /tmp/sleepjob.jar org.apache.hadoop.mapreduce.SleepJob -m 3 -r 1 -mt 30000 > /tmp/sleepjob.out 2>&1; echo rc=\$? >> /tmp/sleepjob.out" >/dev/null 2>&1 &' >/dev/null 2>&1
  for _ in $(seq 1 60); do
    [[ -n "$(yarn_on master1 application -list -appStates RUNNING 2>/dev/null | grep -F 'Sleep job')" ]] && { job_ok=1; break; }
    sleep 1
  done
fi
check "a SleepJob runs when the upgrade starts" test "${job_ok}" -eq 1

leader="$("${HERD}" status -i "${INV}" --json 2>/dev/null | py "d['cluster']['zookeeper_leader'] or ''" | sed 's/.*(\(.*\))/\1/')"
# ZooKeeper: servers serving at each sample (on master1, as restart.sh does).
on master1 'rm -f /tmp/zk.samples /tmp/zk.stop; nohup bash -c '"'"'while [ ! -f /tmp/zk.stop ]; do n=0
  for h in master1 master2 master3; do r=$(timeout 1 bash -c "exec 3<>/dev/tcp/$h/2181; printf srvr >&3; cat <&3" 2>/dev/null)
    grep -qE "Mode: (leader|follower)" <<<"$r" && n=$((n+1)); done
  echo "$(date +%s.%N) $n" >> /tmp/zk.samples; sleep 0.5; done'"'"' >/dev/null 2>&1 &' >/dev/null
# The HA masters, from here, twice a second: an active NameNode and an
# active ResourceManager at each sample?
ha_samples="$(mktemp)"
python3 - "${ha_samples}" "$(node_ip master1)" "$(node_ip master2)" <<'PY' &
import json, sys, time, urllib.request
out, hosts = sys.argv[1], sys.argv[2:]
def get(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return json.load(r)
    except Exception:
        return None
with open(out, "a") as f:
    while True:
        t = time.time()
        nn = any(((get(f"http://{h}:9870/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus") or {}).get("beans") or [{}])[0].get("State") == "active" for h in hosts)
        rm = any(((get(f"http://{h}:8088/ws/v1/cluster/info") or {}).get("clusterInfo") or {}).get("haState") == "ACTIVE" for h in hosts)
        f.write(f"{t:.2f} {int(nn)} {int(rm)}\n"); f.flush()
        time.sleep(max(0, 0.5 - (time.time() - t)))
PY
ha_sampler=$!

# Earlier scenarios may have run the new release already (upgrade-back.sh):
# the starts are counted from here.
declare -A starts_before
for w in "${WORKERS[@]}"; do starts_before[${w}]="$(dn_starts "${w}" "${NEW_H}")"; done

# --- the upgrade, killed in the DataNode phase, then replayed
t0=$(date +%s)
since="$(mktemp)"
runs_before="$(find "${HERD_STATE_DIR}/runs" -mindepth 1 -maxdepth 1 -type d | wc -l)"
"${HERD}" upgrade -i "${INV}" > /tmp/herd-upgrade.out 2>&1 &
herd_pid=$!
run=""
killed=0
for _ in $(seq 1 1200); do
  kill -0 "${herd_pid}" 2>/dev/null || break
  if [[ -z "${run}" && "$(find "${HERD_STATE_DIR}/runs" -mindepth 1 -maxdepth 1 -type d | wc -l)" -gt "${runs_before}" ]]; then
    run="$(newest_run)"
  fi
  # In the middle of the DataNode phase: the second batch has started.
  if [[ -n "${run}" ]] && grep -q '"event":"stage_started".*"stage":"datanode-batch-2"' "${run}/events.jsonl" 2>/dev/null; then
    kill -9 "${herd_pid}"; killed=1; break
  fi
  sleep 0.5
done
wait "${herd_pid}" 2>/dev/null
t_killed=$(date +%s)
sed 's/^/  upgrade: /' /tmp/herd-upgrade.out | head -n 60
check "herd upgrade was killed (SIGKILL) in the DataNode phase" test "${killed}" -eq 1
timeout 1500 "${HERD}" replay -i "${INV}" > /tmp/herd-upgrade-replay.out 2>&1
rc=$?
t1=$(date +%s)
tail -n 15 /tmp/herd-upgrade-replay.out | sed 's/^/  replay: /'
check "herd replay finishes the upgrade (exit ${rc})" test "${rc}" -eq 0
echo "  upgrade: $((t_killed - t0)) s until killed, replay $((t1 - t_killed)) s, whole upgrade $((t1 - t0)) s"

# --- what the upgrade must have kept
on worker1 'touch /tmp/herd-client.stop'
read -r a f <<<"$(counts)"
echo "  client: attempted ${a}, failed ${f}"
on worker1 'tail -n 5 /tmp/herd-client.err 2>/dev/null' | sed 's/^/  client: /'
check "0 failed client operations through the upgrade (${a} attempted)" test "${f}" -eq 0 -a "${a}" -gt 0

if [[ "${job_ok}" -eq 1 ]]; then
  for _ in $(seq 1 180); do on master3 'grep -q "^rc=" /tmp/sleepjob.out' && break; sleep 1; done
  job="$(on master3 'cat /tmp/sleepjob.out')"
  apps="$(yarn_on master1 application -list -appStates ALL 2>/dev/null | grep -F 'Sleep job')"
  echo "  job: $(grep -E '^rc=' <<<"${job}") $(awk '{print $6, $7}' <<<"${apps}" | head -n 1)"
  check "the SleepJob SUCCEEDED through the upgrade" grep -q 'SUCCEEDED' <<<"${apps}"
fi

for w in "${WORKERS[@]}"; do
  n=$(($(dn_starts "${w}" "${NEW_H}") - ${starts_before[${w}]:-0}))
  check "${w}'s DataNode moved to ${NEW_H} exactly once (${n} start(s))" test "${n}" = 1
done
after="$(versions)"
sed 's/^/  runs: /' <<<"${after}"
check "every daemon reports the new version" \
  test "$(grep -c " ${NEW_H}$" <<<"${after}") $(grep -c "^zookeeper ${NEW_Z}$" <<<"${after}") $(grep -c " ${OLD_H}$\| ${OLD_Z}$" <<<"${after}")" = "7 1 0"
sum_after="$(hdfs_on master2 "dfs -checksum /tmp/herd-upgrade/a" 2>/dev/null | awk '{print $NF}')"
check "the file written before reads back with the same checksum" test "${sum_after}" = "${sum_before}"
status="$(timeout 60 "${HERD}" status -i "${INV}" 2>&1)"
grep -E '^rolling upgrade' <<<"${status}" | sed 's/^/  /'
check "status says the rolling upgrade is in progress" grep -qE '^rolling upgrade: +in progress \(prepared at .*, not finalized\)' <<<"${status}"
check "status is healthy mid-upgrade" timeout 60 "${HERD}" status -i "${INV}" -q

on master1 'touch /tmp/zk.stop'; sleep 1
samples="$(on master1 'cat /tmp/zk.samples')"
read -r windows longest < <(awk '$2 < 2 && !in_w {w++; in_w=1; s=$1} $2 >= 2 && in_w {in_w=0; if ($1 - s > l) l = $1 - s}
  END {printf "%d %.1f\n", w, l}' <<<"${samples}")
echo "  zookeeper: $(wc -l <<<"${samples}") samples, ${windows} window(s) below a quorum, the longest ${longest} s"
check "zookeeper: a quorum at every sample but the leader's one election" test "${windows}" -le 1
ours() { find "${HERD_STATE_DIR}/runs" -mindepth 2 -maxdepth 2 -name events.jsonl -newer "${since}" -exec cat {} +; }
zk_order="$(ours 2>/dev/null | python3 -c "import json,sys
for l in sys.stdin:
    e=json.loads(l)
    if e.get('event')=='stage_started' and e['stage'].startswith('zookeeper-master') and not e['stage'].endswith('-quorum'): print(e['stage'])" | tail -n 1)"
check "zookeeper: the leader (${leader}) moved last (${zk_order})" test "${zk_order}" = "zookeeper-${leader}"

kill "${ha_sampler}" 2>/dev/null; wait "${ha_sampler}" 2>/dev/null
python3 - "${ha_samples}" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for col, name in ((1, "NameNode"), (2, "ResourceManager")):
    longest, start, n = 0.0, None, 0
    for r in rows:
        t, up = float(r[0]), r[col] == "1"
        if not up and start is None: start, n = t, n + 1
        if up and start is not None: longest, start = max(longest, t - start), None
    print(f"  longest window without an active {name}: {longest:.1f} s ({n} window(s), {len(rows)} samples)")
PY
rm -f "${ha_samples}"
# Each phase's wall time, from the two runs' journals.
ours 2>/dev/null | python3 -c "import json,sys
ph={}
for l in sys.stdin:
    e=json.loads(l)
    if e.get('event')!='stage_finished' or 'duration_ms' not in e: continue
    s=e['stage']
    k=('install' if s.endswith(('-dist','-unpack')) else 'hdfs' if s.startswith(('hdfs-','namenode','journalnode','zkfc','datanode')) else
       'yarn' if s.startswith(('resourcemanager','nodemanager','historyserver')) else 'zookeeper' if s.startswith('zookeeper') else None)
    if k: ph[k]=ph.get(k,0)+e['duration_ms']
print('  phases (stage time): ' + ', '.join('%s %.0f s' % (k, ph[k]/1000) for k in ('install','hdfs','yarn','zookeeper') if k in ph))" 2>/dev/null

rm -f "${since}"

# --- herd up does not undo it
up_out="$(timeout 600 "${HERD}" up -i "${OLD_INV}" 2>&1)"
up_rc=$?
check "herd up with the old inventory mid-upgrade refuses (exit ${up_rc})" test "${up_rc}" -ne 0
check "  ... naming herd upgrade" grep -q 'herd upgrade' <<<"${up_out}"
check "  ... and every daemon still runs the new version" test "$(versions)" = "${after}"

# --- finalize
fin="$(timeout 600 "${HERD}" upgrade --finalize -i "${INV}" 2>&1)"
rc=$?
check "herd upgrade --finalize exits 0" test "${rc}" -eq 0
status="$(timeout 60 "${HERD}" status -i "${INV}" 2>&1)"
check "status no longer says a rolling upgrade is in progress" bash -c '! grep -q "^rolling upgrade" <<<"$1"' _ "${status}"
check "status healthy after finalize" timeout 60 "${HERD}" status -i "${INV}" -q
query="$(hdfs_on master1 "dfsadmin -rollingUpgrade query" 2>&1)"
check "the NameNode has no rolling upgrade in progress" grep -q 'There is no rolling upgrade in progress' <<<"${query}"
again="$(timeout 120 "${HERD}" upgrade -i "${INV}" 2>&1)"
check "a second herd upgrade has nothing to do" grep -q 'nothing to upgrade' <<<"${again}"

summary upgrade
