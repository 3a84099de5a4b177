#!/usr/bin/env bash
# herd up on six bare hosts, logged in as admin with sudo (root on worker3,
# the host without systemd), ends with a working HA cluster: every daemon
# runs as its own account, none as root, each data directory belongs to its
# daemon's account with the mode Hadoop expects; a second herd up changes
# nothing; killing the active NameNode or ResourceManager fails over within
# 30 s, and herd up repairs the cluster afterwards. The cluster starts on
# the older releases (HADOOP_OLD_VERSION, ZK_OLD_VERSION): upgrade.sh, next
# in the suite, moves it to the inventory's, which every later scenario runs.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
INV="$(old_inventory)" || exit 1

check "herd check: every sandbox host reachable, keys known" herd check -i "${INV}"
plan_out="$(herd plan -i "${INV}")"
check "herd plan prints the waves" grep -q '^wave 16' <<<"${plan_out}"

t0=$(date +%s.%N)
herd up -i "${INV}"
rc=$?
t1=$(date +%s.%N)
check "herd up on bare hosts exits 0" test "${rc}" -eq 0
bringup_run="$(newest_run)"
printf 'bring-up wall time: %.1f s\n' "$(echo "${t1} - ${t0}" | awk '{print $1 - $3}')"
python3 "${CLUSTER_DIR}/timing.py" "${bringup_run}" || true

# Who runs what: every daemon as its account, none as root.
as_root=""
wrong=""
count=0
for n in master1 master2 master3 worker1 worker2 worker3; do
  while read -r role pid user; do
    [[ -n "${role}" ]] || continue
    count=$((count + 1))
    [[ "${user}" != root ]] || as_root+=" ${n}:${role}(${pid})"
    [[ "${user}" == "$(account_of "${role}")" ]] || wrong+=" ${n}:${role}=${user}"
  done < <(pids "$n")
done
echo "daemons seen: ${count}"
check "26 daemons run on the six hosts (saw ${count})" test "${count}" -eq 26
check "no daemon runs as root:${as_root:- none}" test -z "${as_root}"
check "each daemon runs as its own account:${wrong:- all}" test -z "${wrong}"
# owner_mode NODE PATH: "owner mode" of a directory.
owner_mode() { root_on "$1" "stat -c '%U %a' $2"; }
check "NameNode name dir: hdfs 700" test "$(owner_mode master1 /data/hadoop/hdfs/name)" = "hdfs 700"
check "JournalNode edits dir: hdfs 700" test "$(owner_mode master2 /data/hadoop/hdfs/journalnode)" = "hdfs 700"
check "DataNode data dir: hdfs 700" test "$(owner_mode worker1 /data/hadoop/hdfs/data)" = "hdfs 700"
check "DataNode data dir on the host without systemd: hdfs 700" test "$(owner_mode worker3 /data/hadoop/hdfs/data)" = "hdfs 700"
check "NodeManager local dir: yarn 755" test "$(owner_mode worker2 /data/hadoop/yarn/local)" = "yarn 755"
check "NodeManager log dir: yarn 755" test "$(owner_mode worker2 /data/hadoop/yarn/logs)" = "yarn 755"
check "ZooKeeper dataDir: zookeeper 750" test "$(owner_mode master3 /data/zookeeper)" = "zookeeper 750"
check "Mesos agent work dir: mesos 750" test "$(owner_mode worker1 /data/mesos/agent)" = "mesos 750"
check "pid dir: root 775 (every account writes its own pid file)" test "$(owner_mode master1 /var/run/hadoop)" = "root 775"
check "NameNode metadata written by hdfs" test "$(root_on master1 "stat -c %U /data/hadoop/hdfs/name/current/VERSION")" = hdfs
hdfs_ls="$(hdfs_on master1 dfs -ls -d /tmp /user /tmp/hadoop-yarn/staging 2>/dev/null)"
echo "${hdfs_ls}"
check "HDFS /tmp: drwxrwxrwt hdfs" grep -qE '^drwxrwxrwt +- hdfs +hadoop .* /tmp$' <<<"${hdfs_ls}"
check "HDFS /user: drwxr-xr-x hdfs" grep -qE '^drwxr-xr-x +- hdfs +hadoop .* /user$' <<<"${hdfs_ls}"
check "HDFS staging root: drwxrwxrwt mapred" grep -qE '^drwxrwxrwt +- mapred +hadoop .* /tmp/hadoop-yarn/staging$' <<<"${hdfs_ls}"
sup="$(herd status -i "${INV}" --json 2>/dev/null | py "' '.join(sorted(set(s['host'] + ':' + (s['supervisor'] or '-') for s in d['services'])))")"
echo "supervisors: ${sup}"
check "status: systemd supervises every daemon of master1" grep -q 'master1:systemd' <<<"${sup}"
check "status: worker3's daemons run by --daemon" test "$(tr ' ' '\n' <<<"${sup}" | grep '^worker3:' | sort -u)" = "worker3:daemon"
check "status: no daemon outside its unit" eval '! grep -q ":none" <<<"${sup}"'

state="$(hdfs_on master1 haadmin -getAllServiceState 2>/dev/null)"
echo "${state}"
check "exactly one active NameNode" test "$(grep -c ' active' <<<"${state}")" -eq 1
check "exactly one standby NameNode" test "$(grep -c ' standby' <<<"${state}")" -eq 1
rmstate="$(yarn_on master1 rmadmin -getAllServiceState 2>/dev/null)"
echo "${rmstate}"
check "exactly one active ResourceManager" test "$(grep -c ' active' <<<"${rmstate}")" -eq 1
report="$(hdfs_on master1 dfsadmin -report -live 2>/dev/null)"
check "three live DataNodes" grep -q '^Live datanodes (3):' <<<"${report}"
nodes="$(yarn_on master1 node -list 2>/dev/null)"
check "three registered NodeManagers" grep -q 'Total Nodes:3' <<<"${nodes}"
modes=""
for n in master1 master2 master3; do
  modes+="$(on "$n" "exec 3<>/dev/tcp/127.0.0.1/2181 && printf srvr >&3 && cat <&3" | grep '^Mode:')"$'\n'
done
echo -n "${modes}"
check "ZooKeeper: one leader" test "$(grep -c 'Mode: leader' <<<"${modes}")" -eq 1
check "ZooKeeper: two followers" test "$(grep -c 'Mode: follower' <<<"${modes}")" -eq 2
elected=0
leader=""
for n in master1 master2 master3; do
  e="$(http_body "$n" 5050 /metrics/snapshot | py "int(d['master/elected'])" 2>/dev/null)"
  if [[ "${e}" == 1 ]]; then elected=$((elected + 1)); leader="$n"; fi
done
check "one Mesos leader" test "${elected}" -eq 1
agents="$(http_body "${leader:-master1}" 5050 /master/state | py "d['activated_slaves']" 2>/dev/null)"
check "the Mesos leader sees three agents (saw ${agents})" test "${agents}" = 3
jobhistory_ok() { http master3 19888 /ws/v1/history/info | head -n 1 | grep -q ' 200 '; }
check "JobHistory answers on 19888" jobhistory_ok
spark_version="$(http_body master3 18080 /api/v1/version | py "d['spark']" 2>/dev/null)"
check "the Spark history server answers on 18080 (Spark ${spark_version})" test "${spark_version}" = 3.5.9
spark_apps="$(http_body master3 18080 /api/v1/applications | py "type(d).__name__" 2>/dev/null)"
check "its REST API lists applications" test "${spark_apps}" = list
spark_archive_ok() {
  root_on master3 "runuser -u spark -- /opt/hadoop/bin/hdfs dfs -test -f /apps/spark/spark-3.5.9-bin-hadoop3/spark-jars.tar"
}
check "Spark's jars are archived in HDFS once" spark_archive_ok

# A real client round trip through HA: bytes in, the same bytes out.
payload="herd-$(date +%s%N)-$RANDOM"
on worker1 "printf '%s' '${payload}' > /tmp/herd-payload && /opt/hadoop/bin/hdfs dfs -put -f /tmp/herd-payload /tmp/herd-roundtrip" 2>/dev/null
back="$(on worker2 '/opt/hadoop/bin/hdfs dfs -cat /tmp/herd-roundtrip' 2>/dev/null)"
check "hdfs dfs -put then -cat returns the bytes written" test "${back}" = "${payload}"

# Again: nothing restarted, nothing reformatted, quick.
version_before="$(root_on master1 'grep -E "^(clusterID|namespaceID)=" /data/hadoop/hdfs/name/current/VERSION | sort')"
pids_before="$(all_pids)"
t0=$(date +%s.%N)
herd up -i "${INV}" -q
rc=$?
t1=$(date +%s.%N)
again=$(echo "${t1} ${t0}" | awk '{printf "%.1f", $1 - $2}')
echo "second herd up wall time: ${again} s (target under 10 s)"
check "second herd up exits 0" test "${rc}" -eq 0
check "second herd up under 30 s (${again} s)" awk -v t="${again}" 'BEGIN { exit !(t < 30) }'
rerun="$(newest_run)"
changed="$(grep '"event":"task_finished"' "${rerun}/events.jsonl" | grep -v '"outcome":"skipped"' | grep -v '"stage":"preflight"' || true)"
check "second herd up: every task skipped or verified" test -z "${changed}"
[[ -z "${changed}" ]] || echo "${changed}"
check "second herd up restarted no daemon (pids unchanged)" test "$(all_pids)" = "${pids_before}"
check "clusterID and namespaceID unchanged" test "$(root_on master1 'grep -E "^(clusterID|namespaceID)=" /data/hadoop/hdfs/name/current/VERSION | sort')" = "${version_before}"

# Failover: the standby NameNode takes over within 30 s of the active dying.
nn="$(active_namenode)"
if [[ -n "${nn}" ]]; then
  root_on "${nn}" "kill -9 $(daemon_pid "${nn}" namenode)"
  t0=$(date +%s)
  new=""
  while (($(date +%s) - t0 < 45)); do
    new="$(active_namenode)"
    [[ -n "${new}" && "${new}" != "${nn}" ]] && break
    sleep 1
  done
  took=$(($(date +%s) - t0))
  echo "NameNode failover ${nn} -> ${new:-none} in ${took} s"
  check "standby NameNode became active within 30 s of killing ${nn}" test -n "${new}" -a "${new}" != "${nn}" -a "${took}" -le 30
else
  fail "no active NameNode to kill"
fi
# The killed ResourceManager is started again by systemd within seconds and
# may win the election itself (its ZooKeeper lock outlives it by the session
# timeout): what must hold is an ACTIVE ResourceManager again within 30 s.
rm_active="$(active_resourcemanager)"
if [[ -n "${rm_active}" ]]; then
  old_pid="$(daemon_pid "${rm_active}" resourcemanager)"
  root_on "${rm_active}" "kill -9 ${old_pid}"
  t0=$(date +%s)
  new=""
  while (($(date +%s) - t0 < 45)); do
    new="$(active_resourcemanager)"
    # An answer from the killed process itself does not count.
    if [[ -n "${new}" && ( "${new}" != "${rm_active}" || "$(daemon_pid "${rm_active}" resourcemanager)" != "${old_pid}" ) ]]; then break; fi
    new=""
    sleep 1
  done
  took=$(($(date +%s) - t0))
  echo "ResourceManager failover: ${rm_active} killed, ${new:-none} ACTIVE after ${took} s"
  check "a ResourceManager is ACTIVE again within 30 s of killing the active one on ${rm_active}" test -n "${new}" -a "${took}" -le 30
else
  fail "no active ResourceManager to kill"
fi

# herd up repairs: the killed daemons are started again, the rest untouched.
herd up -i "${INV}" -q
check "herd up after the kills brings both back (exit 0)" test $? -eq 0
state="$(hdfs_on master1 haadmin -getAllServiceState 2>/dev/null)"
check "after repair: one active and one standby NameNode" test "$(grep -c ' active' <<<"${state}")" -eq 1 -a "$(grep -c ' standby' <<<"${state}")" -eq 1

summary bringup
