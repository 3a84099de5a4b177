#!/usr/bin/env bash
# Rolling restarts on a running cluster: HDFS keeps serving a client through
# namenode/zookeeper/datanode restarts (the upgrade scenarios bounce the
# JournalNodes and ZKFCs the same way), the ResourceManager
# fails over once, ZooKeeper keeps a quorum with the leader restarted last,
# --stale restarts exactly what a config push marked, and an unsafe restart
# is refused with every pid unchanged. Ends "restart: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

healthy() { timeout 60 "${HERD}" status -i "${1:-${INV}}" -q >/dev/null; }
# shape: the cluster as status sees it, minus what a restart may change (pids,
# which host holds which HA role): every daemon's state and missing ports, the
# HA roles of each service as a multiset, the counts, health.
shape() {
  timeout 60 "${HERD}" status -i "${INV}" --json 2>/dev/null | python3 -c "import json,sys
d=json.load(sys.stdin); c=d['cluster']; ha={}
for s in d['services']:
    print(s['host'], s['service'], s['state'], s['missing_ports'])
    if s['ha']: ha.setdefault(s['service'], []).append(s['ha'])
for k in sorted(ha): print(k, sorted(ha[k]))
# Expected, not live: a DataNode stopped within 10.5 min (scalein's) is still
# live to the NameNode that saw it go, and gone from one restarted since.
print({k: c[k] for k in ('datanodes_expected','nodemanagers','agents','safemode','healthy','problems')})"
}
same_shape() { [[ "$(shape)" == "$1" ]] || { diff <(echo "$1") <(shape) | sed 's/^/  shape: /'; false; }; }
restart() { timeout 420 "${HERD}" restart "$@" -q; }

# --- 1. an HDFS client on worker1 through the HDFS restarts
on worker1 'rm -f /tmp/herd-client.*; /opt/hadoop/bin/hdfs dfs -mkdir -p /tmp/herd-restart-test' >/dev/null 2>&1
on worker1 'nohup bash -c '"'"'a=0; f=0; i=0
while [ ! -f /tmp/herd-client.stop ]; do
  i=$((i+1)); echo "$i" > /tmp/herd-client.payload; p=/tmp/herd-restart-test/f$((i%3))
  a=$((a+1)); /opt/hadoop/bin/hdfs dfs -put -f /tmp/herd-client.payload $p >/dev/null 2>>/tmp/herd-client.err || { f=$((f+1)); echo "put $i failed" >> /tmp/herd-client.err; }
  a=$((a+1)); [ "$(/opt/hadoop/bin/hdfs dfs -cat $p 2>>/tmp/herd-client.err)" = "$i" ] || { f=$((f+1)); echo "cat $i failed" >> /tmp/herd-client.err; }
  echo "$a $f" > /tmp/herd-client.count
done'"'"' >/dev/null 2>&1 &' >/dev/null
counts() { on worker1 'cat /tmp/herd-client.count 2>/dev/null || echo 0 0'; }
# wait for the client's first round
for _ in $(seq 1 30); do [[ "$(counts)" != "0 0" ]] && break; sleep 1; done

zk_sampler_start() {
  # Per sample: servers serving (leader or follower), then servers up
  # (answering srvr at all, "not currently serving" included).
  on master1 'rm -f /tmp/zk.samples /tmp/zk.stop; nohup bash -c '"'"'while [ ! -f /tmp/zk.stop ]; do n=0; u=0
  for h in master1 master2 master3; do r=$(timeout 1 bash -c "exec 3<>/dev/tcp/$h/2181; printf srvr >&3; cat <&3" 2>/dev/null)
    [ -n "$r" ] && u=$((u+1)); grep -qE "Mode: (leader|follower)" <<<"$r" && n=$((n+1)); done
  echo "$(date +%s.%N) $n $u" >> /tmp/zk.samples; sleep 0.5; done'"'"' >/dev/null 2>&1 &' >/dev/null
}

# The JournalNode and ZKFC planners run in every upgrade (upgrade.sh,
# upgrade-back.sh) with the same client loop; here the services whose
# restarts have checks of their own.
for svc in namenode zookeeper datanode; do
  check "status healthy before restart ${svc}" healthy
  shape_before=$(shape)
  before=$(counts)
  leader=""
  if [[ ${svc} == zookeeper ]]; then
    leader=$("${HERD}" status -i "${INV}" --json 2>/dev/null | py "d['cluster']['zookeeper_leader'] or ''" | sed 's/.*(\(.*\))/\1/')
    zk_sampler_start
  fi
  t0=$(date +%s)
  restart "${svc}" -i "${INV}"
  rc=$?
  took=$(($(date +%s) - t0))
  after=$(counts)
  read -r a0 f0 <<<"${before}"; read -r a1 f1 <<<"${after}"
  echo "  ${svc}: ${took} s, client ops attempted $((a1 - a0)), failed $((f1 - f0))"
  check "restart ${svc} exits 0" test "${rc}" -eq 0
  check "restart ${svc}: zero failed client operations" test "$((f1 - f0))" -eq 0
  if [[ ${svc} == zookeeper ]]; then
    on master1 'touch /tmp/zk.stop'; sleep 1
    samples=$(on master1 'cat /tmp/zk.samples')
    total=$(wc -l <<<"${samples}"); low=$(awk '$2 < 2' <<<"${samples}" | wc -l)
    down=$(awk '$3 < 2' <<<"${samples}" | wc -l)
    # When the leader stops, the two followers stop serving until they have
    # elected a new leader among themselves (ZooKeeper 3.8 has no leadership
    # hand-over): that one election is the only window allowed, and its
    # length is reported. A majority of servers stays up at every sample.
    read -r windows longest < <(awk '$2 < 2 && !in_w {w++; in_w=1; s=$1} $2 >= 2 && in_w {in_w=0; if ($1 - s > l) l = $1 - s}
      END {printf "%d %.1f\n", w, l}' <<<"${samples}")
    echo "  zookeeper quorum samples: ${total}; fewer than two servers up: ${down}; fewer than two serving: ${low}, in ${windows} window(s), the longest ${longest} s (the leader's election)"
    check "zookeeper: a majority of servers up at every sample" test "${down}" -eq 0
    check "zookeeper: two servers serving at every sample but one election window" test "${windows}" -le 1
    order=$(python3 -c "import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e['event']=='stage_started' and e['stage'].startswith('zookeeper-') and not e['stage'].endswith('-quorum'): print(e['stage'])" "$(newest_run)/events.jsonl" | tail -n 1)
    check "zookeeper: the leader (${leader}) restarted last (${order})" test "${order}" = "zookeeper-${leader}"
  fi
  check "status healthy after restart ${svc}" healthy
  check "status after restart ${svc} shows the same cluster as before" same_shape "${shape_before}"
done
on worker1 'touch /tmp/herd-client.stop'
read -r a f <<<"$(counts)"
echo "  client total: attempted ${a}, failed ${f}"
on worker1 'tail -n 5 /tmp/herd-client.err 2>/dev/null' | sed 's/^/  client: /'

# --- 2. the ResourceManager: one failover window
check "status healthy before restart resourcemanager" healthy
shape_before=$(shape)
samples=$(mktemp)
# One sample started every second, each on its own: a slow answer does not
# stretch the interval. Lines carry the start time; sorted before reading.
( while :; do
    ( t=$(date +%s.%N)
      s=$("${HERD}" status -i "${INV}" --json 2>/dev/null | py "1 if d['cluster']['active_resourcemanager'] else 0" 2>/dev/null)
      # A sample that got no answer says nothing about the RMs: '?', not 0.
      echo "${t} ${s:-?}" >> "${samples}" ) &
    sleep 1
  done ) &
sampler=$!
restart resourcemanager -i "${INV}"
rc=$?
sleep 2; kill "${sampler}" 2>/dev/null; wait "${sampler}" 2>/dev/null; sleep 3
check "restart resourcemanager exits 0" test "${rc}" -eq 0
read -r windows length < <(python3 - "${samples}" <<'PY'
import sys
rows=sorted((l.split() for l in open(sys.argv[1]) if l.strip()), key=lambda r: float(r[0]))
unanswered=sum(1 for r in rows if r[1]=='?')
print(f"unanswered samples: {unanswered}", file=sys.stderr)
rows=[r for r in rows if r[1]!='?']
w=0; longest=0.0; start=None
for i,(t,s) in enumerate(rows):
    t=float(t)
    if s=='0' and start is None: start=t; w+=1
    if s=='1' and start is not None: longest=max(longest,t-start); start=None
print(w, round(longest,1))
PY
)
echo "  resourcemanager: $(wc -l < "${samples}") samples, windows without an ACTIVE RM: ${windows}, longest ${length} s"
check "resourcemanager: at most one window without an ACTIVE ResourceManager" test "${windows}" -le 1
rm -f "${samples}"
check "status healthy after restart resourcemanager" healthy
check "status after restart resourcemanager shows the same cluster as before" same_shape "${shape_before}"

# --- 5. --stale restarts exactly what a push marked
copy="${ROOT}/tests/sandbox/.restart-copy.yaml"
# mapred-site: read by the JobHistory server and the NodeManagers only, so
# --stale must leave every other daemon alone (the upgrades restart all).
sed 's/mapreduce.reduce.memory.mb: 256/mapreduce.reduce.memory.mb: 320/' "${INV}" > "${copy}"
diff_out=$(timeout 120 "${HERD}" config diff -i "${copy}" 2>&1)
check "config diff exits 1 and shows the changed property" test $? -eq 1 -a -n "$(grep -F -- '+' <<<"${diff_out}" | grep -F 320)"
push_out=$(timeout 120 "${HERD}" config push -i "${copy}" 2>&1)
check "config push exits 0" test $? -eq 0 || echo "${push_out}" | tail -n 20 | sed 's/^/  push: /'
diff_out=$(timeout 120 "${HERD}" config diff -i "${copy}" 2>&1)
rc=$?
[[ ${rc} -eq 0 ]] || echo "${diff_out}" | tail -n 20 | sed 's/^/  diff: /'
check "config diff exits 0 after the push" test "${rc}" -eq 0
stale=$("${HERD}" status -i "${copy}" --json 2>/dev/null | py "' '.join(h+':'+s for h,v in sorted(d['cluster']['stale'].items()) for s in v)")
echo "  stale after push: ${stale}"
check "push marks the MapReduce daemons stale, and nothing else" test "$(tr ' ' '\n' <<<"${stale}" | grep -v '^$' | sed 's/.*://' | sort -u | tr '\n' ' ')" = "historyserver nodemanager "
pids_before=$(all_pids)
restart --stale -i "${copy}"
check "restart --stale exits 0" test $? -eq 0
pids_after=$(all_pids)
changed=$(diff <(echo "${pids_before}") <(echo "${pids_after}") | awk '/^>/ {print $2":"$3}' | sort -u | tr '\n' ' ')
want=$(tr ' ' '\n' <<<"${stale}" | grep -v '^$' | sort | tr '\n' ' ')
echo "  restarted (pid changed): ${changed}"
check "restart --stale restarted exactly the stale services" test "${changed}" = "${want}"
left=$("${HERD}" status -i "${copy}" --json 2>/dev/null | py "len(d['cluster']['stale'])")
check "stale marks cleared" test "${left}" = 0
# The original files go back; the daemons keep running with a handler count
# one higher until their next restart (marked stale, which status reports
# without calling the cluster degraded). A second rolling restart of every
# Hadoop daemon would only double this scenario's time.
timeout 120 "${HERD}" config push -i "${INV}" -q >/dev/null
check "pushing the original back exits 0" test $? -eq 0
rm -f "${copy}"
check "status healthy after the stale restarts" healthy

# --- 6. an unsafe restart is refused, nothing touched
standby=""
for n in master1 master2; do [[ "$(active_namenode)" != "${n}" ]] && standby=${n}; done
root_on "${standby}" "systemctl stop $(unit_of namenode)" >/dev/null 2>&1
pids_before=$(all_pids)
out=$(timeout 120 "${HERD}" restart namenode -i "${INV}" 2>&1)
rc=$?
echo "  ${out}" | tail -n 2
check "restart namenode with the standby down exits 1" test "${rc}" -eq 1
check "the refusal says why" grep -q "is not a healthy standby" <<<"${out}"
check "no daemon touched by the refused restart" test "${pids_before}" = "$(all_pids)"
root_on "${standby}" "systemctl start $(unit_of namenode)" >/dev/null 2>&1
ok=1; for _ in $(seq 1 60); do healthy && { ok=0; break; }; sleep 3; done
check "cluster healthy again after the standby restarts" test "${ok}" -eq 0

summary restart
