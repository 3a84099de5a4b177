#!/usr/bin/env bash
# Shared by the cluster scenarios: PASS/FAIL bookkeeping, herd and ssh
# helpers, JSON reading. Sourced; expects the sandbox up with a cluster on it
# unless the scenario says otherwise.

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${CLUSTER_DIR}/../.." && pwd)"
INV="${ROOT}/tests/sandbox/inventory.yaml"
HERD="${HERD:-${ROOT}/target/debug/herd}"
export HERD_STATE_DIR="${HERD_STATE_DIR:-${ROOT}/.herd}"
# shellcheck source=../../sandbox/lib/common.sh
. "${ROOT}/sandbox/lib/common.sh"

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }
check() {
  local desc="$1"
  shift
  if "$@"; then pass "${desc}"; else fail "${desc}"; fi
}
# summary NAME: the closing line and the exit status of a scenario.
summary() {
  echo "$1: ${PASSED} passed, ${FAILED} failed"
  [[ ${FAILED} -eq 0 ]]
}

herd() { "${HERD}" "$@"; }
# on NODE CMD: as the node's login (admin, or root on the host without
# systemd); root_on NODE CMD: as root (admin's sudo there).
on() { node_ssh "$@"; }
root_on() { node_root "$@"; }
# The admin tools as the HDFS and YARN superusers (the accounts the
# daemons run as), as an operator runs them.
hdfs_on() { local n="$1"; shift; root_on "$n" "runuser -u hdfs -- /opt/hadoop/bin/hdfs $*"; }
yarn_on() { local n="$1"; shift; root_on "$n" "runuser -u yarn -- /opt/hadoop/bin/yarn $*"; }

# unit_of ROLE: the systemd unit herd renders for the role.
unit_of() {
  case "$1" in
    zookeeper) echo zookeeper-server.service ;;
    namenode | datanode | journalnode | zkfc) echo "hadoop-hdfs-$1.service" ;;
    resourcemanager | nodemanager) echo "hadoop-yarn-$1.service" ;;
    historyserver) echo hadoop-mapreduce-historyserver.service ;;
    *) echo "$1.service" ;;
  esac
}
# daemon_pid NODE ROLE: the running daemon's pid: its unit's main pid on a
# systemd host, its pid file's on the other.
daemon_pid() {
  local pidfile="/var/run/hadoop/hadoop-$(account_of "$2")-$2.pid"
  case "$2" in
    zookeeper) pidfile=/var/run/hadoop/zookeeper_server.pid ;;
    mesos-*) pidfile="/var/run/hadoop/$2.pid" ;;
  esac
  root_on "$1" "systemctl show -p MainPID --value $(unit_of "$2") 2>/dev/null | grep -v '^0\$' || cat ${pidfile} 2>/dev/null"
}
account_of() {
  case "$1" in
    resourcemanager | nodemanager) echo yarn ;;
    historyserver) echo mapred ;;
    zookeeper) echo zookeeper ;;
    mesos-*) echo mesos ;;
    spark-history) echo spark ;;
    *) echo hdfs ;;
  esac
}

# newest_run: the journal directory of the newest run.
newest_run() { find "${HERD_STATE_DIR}/runs" -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1; }

# py EXPR < json: evaluate a Python expression over the JSON document `d`.
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# http NODE PORT PATH: GET through bash's /dev/tcp on the node (no curl there).
http() {
  on "$1" "exec 3<>/dev/tcp/$1/$2 && printf 'GET $3 HTTP/1.0\r\nHost: $1\r\n\r\n' >&3 && cat <&3" 2>/dev/null | tr -d '\r'
}
http_body() { http "$@" | sed '1,/^$/d'; }

# active_namenode: the host whose NameNode says active (empty if none).
active_namenode() {
  local n
  for n in master1 master2; do
    [[ "$(http_body "$n" 9870 '/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus' | py "d['beans'][0]['State'] if d['beans'] else ''" 2>/dev/null)" == active ]] && echo "$n"
  done
}
active_resourcemanager() {
  local n
  for n in master1 master2; do
    [[ "$(http_body "$n" 8088 /ws/v1/cluster/info | py "d['clusterInfo']['haState']" 2>/dev/null)" == ACTIVE ]] && echo "$n"
  done
}
# pids NODE: "ROLE PID USER" of every daemon running on the node, sorted,
# from the JVMs' own command lines (-Dproc_<role>, ZooKeeper's main class,
# the Mesos stand-in's -Dmesos.daemon, Spark's history server main class).
pids() {
  on "$1" "ps -eo pid=,user:32=,args= | awk '{r=\"\"; for (i = 3; i <= NF; i++) { if (\$i ~ /^-Dproc_/) { r = substr(\$i, 8); break } if (\$i ~ /^-Dmesos[.]daemon=/) { r = substr(\$i, 16); break } if (\$i == \"org.apache.zookeeper.server.quorum.QuorumPeerMain\") { r = \"zookeeper\"; break } if (\$i == \"org.apache.spark.deploy.history.HistoryServer\") { r = \"spark-history\"; break } } if (r != \"\") print r, \$1, \$2 }' | sort"
}
all_pids() { local n; for n in master1 master2 master3 worker1 worker2 worker3; do pids "$n" | sed "s|^|$n |"; done; }

# The usual place for it: INV4 (git-ignored).
INV4="${ROOT}/tests/sandbox/inventory-4workers.local.yaml"
# inventory_with_worker4 [OUT]: writes the sandbox inventory plus worker4
# (datanode, nodemanager, mesos-agent; /rack2, as worker3) to OUT, which
# must be a name in tests/sandbox/ (its relative paths are relative to its
# own directory) and git-ignored: tests/sandbox/*.local.yaml. Needs
# `sandbox.sh start worker4` before herd reaches the host.
inventory_with_worker4() {
  local out="${1:-${INV4}}"
  # worker4's line is appended: hosts must stay the file's last section.
  [[ "$(awk '/^[a-z]/ { k = $1 } END { print k }' "${INV}")" == hosts: ]] || {
    echo "inventory_with_worker4: hosts: is not the last section of ${INV}" >&2
    return 2
  }
  [[ "$(cd "$(dirname "${out}")" 2>/dev/null && pwd)" == "$(dirname "${INV}")" ]] || {
    echo "inventory_with_worker4: ${out} is not in $(dirname "${INV}")" >&2
    return 2
  }
  { cat "${INV}"; echo '  - { name: worker4, address: 172.30.0.24, roles: [datanode, nodemanager, mesos-agent], vars: { rack: /rack2 } }'; } >"${out}"
}

# old_inventory [OUT]: writes the sandbox inventory with vars.dist's hadoop
# and zookeeper on the older releases a rolling upgrade starts from
# (HADOOP_OLD_VERSION, ZK_OLD_VERSION: `sandbox.sh build` assembles both)
# to OUT, by default tests/sandbox/inventory-old.local.yaml (git-ignored; it
# must be in tests/sandbox/, its relative paths are relative to its own
# directory), and prints its path.
old_inventory() {
  local out="${1:-${ROOT}/tests/sandbox/inventory-old.local.yaml}"
  local new_h new_z old_h old_z
  new_h="../../.cache/dist/$(basename "${HADOOP_TARBALL}")"
  new_z="../../.cache/dist/$(basename "${ZK_TARBALL}")"
  old_h="../../.cache/dist/$(basename "${HADOOP_OLD_TARBALL}")"
  old_z="../../.cache/dist/$(basename "${ZK_OLD_TARBALL}")"
  [[ "$(cd "$(dirname "${out}")" 2>/dev/null && pwd)" == "$(dirname "${INV}")" ]] || {
    echo "old_inventory: ${out} is not in $(dirname "${INV}")" >&2
    return 2
  }
  # Exactly one line each, or the inventory changed under us.
  [[ "$(grep -cxF "    hadoop: ${new_h}" "${INV}")" == 1 &&
    "$(grep -cxF "    zookeeper: ${new_z}" "${INV}")" == 1 ]] || {
    echo "old_inventory: ${INV} has no single 'hadoop: ${new_h}' and 'zookeeper: ${new_z}' under vars.dist" >&2
    return 2
  }
  awk -v nh="    hadoop: ${new_h}" -v oh="    hadoop: ${old_h}" \
    -v nz="    zookeeper: ${new_z}" -v oz="    zookeeper: ${old_z}" \
    '$0 == nh { print oh; next } $0 == nz { print oz; next } { print }' "${INV}" >"${out}" || return 1
  echo "${out}"
}

# sleepjob_jar: .cache/test-jars/sleepjob.jar, MapReduce's test programs
# (hadoop-mapreduce-client-jobclient's tests jar, HADOOP_OLD_VERSION, which
# runs on the newer release unchanged) without META-INF/MANIFEST.MF: with
# the manifest, `yarn jar` runs its Main-Class (MapredTestDriver, which
# wants a program name such as "sleep"); without it the class named after
# the jar runs: `yarn jar sleepjob.jar org.apache.hadoop.mapreduce.SleepJob
# -m 3 -r 1 -mt 30000`. Fetched once (into the sandbox's Maven repository),
# the manifest removed with python3's zipfile. Prints the path.
sleepjob_jar() {
  local dir="${CACHE_DIR}/test-jars" v="${HADOOP_OLD_VERSION}"
  local jar="${dir}/sleepjob.jar" tests="${dir}/hadoop-mapreduce-client-jobclient-${v}-tests.jar"
  if [[ ! -f "${jar}" ]]; then
    mkdir -p "${dir}"
    if [[ ! -f "${tests}" ]]; then
      mvn -q -B -Dmaven.repo.local="${M2_REPO}" dependency:copy \
        -Dartifact="org.apache.hadoop:hadoop-mapreduce-client-jobclient:${v}:jar:tests" \
        -DoutputDirectory="${dir}" >"${dir}/mvn.log" 2>&1
      if [[ ! -f "${tests}" ]]; then
        tail -n 20 "${dir}/mvn.log" >&2
        echo "sleepjob_jar: mvn dependency:copy failed (log: ${dir}/mvn.log)" >&2
        return 1
      fi
    fi
    python3 - "${tests}" "${jar}.tmp" <<'PY' || { echo "sleepjob_jar: could not rewrite ${tests}" >&2; return 1; }
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        if item.filename.upper() != "META-INF/MANIFEST.MF":
            zout.writestr(item, zin.read(item.filename))
    names = set(zout.namelist())
assert "org/apache/hadoop/mapreduce/SleepJob.class" in names, "no SleepJob class"
PY
    mv "${jar}.tmp" "${jar}"
  fi
  echo "${jar}"
}
