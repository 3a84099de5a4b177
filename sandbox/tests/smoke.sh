#!/usr/bin/env bash
# Smoke test of the sandbox WITHOUT herd: proves that the bare hosts answer
# on ssh and that the real software in the tarballs runs on them (a ZooKeeper
# ensemble, JournalNodes, NameNode format and its refusal, Mesos stand-in
# leader election). Leaves the hosts bare again. Needs `sandbox.sh up`.
set -euo pipefail

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=lib.sh
. "${SANDBOX_DIR}/tests/lib.sh"

REMOTE_OPT=/opt/smoke
REMOTE_DATA=/tmp/smoke
HADOOP_DIR="${REMOTE_OPT}/hadoop-${HADOOP_VERSION}"
ZK_DIR="${REMOTE_OPT}/apache-zookeeper-${ZK_VERSION}-bin"
MESOS_DIR="${REMOTE_OPT}/mesos-${MESOS_VERSION}"
HAVE_MESOS=false
[[ -f "${MESOS_TARBALL}" ]] && HAVE_MESOS=true

# Runs a script on a node as root (through admin's sudo on the systemd
# hosts); on failure names the node and the script. sudo does not read
# /etc/environment, so the script does, for JAVA_HOME.
on() {
  local node="$1" script="$2"
  if ! node_root "${node}" "bash -s" <<<"set -euo pipefail; set -a; . /etc/environment; set +a; ${script}"; then
    echo "  command failed on ${node}: ${script}" >&2
    return 1
  fi
}

# ---------------------------------------------------------------- hosts
node_is_bare() {
  local node="$1" ip
  ip="$(node_ip "${node}")"
  on "${node}" "
    [[ \"\$(hostname)\" == ${node} ]] || { echo 'hostname is '\$(hostname); exit 1; }
    [[ \"\$(getent hosts ${node} | awk '{print \$1; exit}')\" == ${ip} ]] || { echo 'own name does not resolve to ${ip}'; exit 1; }
    for n in ${ALL_NODES[*]}; do getent hosts \"\$n\" >/dev/null || { echo \"cannot resolve \$n\"; exit 1; }; done
    [[ -n \"\${JAVA_HOME:-}\" ]] && \"\${JAVA_HOME}/bin/java\" -version 2>/dev/null
    ! pgrep -x java >/dev/null || { echo 'a java process is running'; exit 1; }
    [[ ! -e ${REMOTE_OPT} ]] || { echo '${REMOTE_OPT} exists'; exit 1; }
  "
}

# herd may address a host by IP without an alias: the known_hosts entry for
# the IP itself must verify strictly too.
ssh_by_ip() {
  local ip opts
  ip="$(node_ip "$1")"
  mapfile -t opts < <(ssh_opts)
  [[ "$(ssh "${opts[@]}" "$(node_login_user "$1")@${ip}" hostname)" == "$1" ]]
}

all_nodes_bare() {
  local node ok=0
  for node in "${NODES[@]}"; do
    node_is_bare "${node}" || { echo "  ${node} is not a bare host" >&2; ok=1; }
    ssh_by_ip "${node}" || { echo "  ${node}: ssh by IP with strict known_hosts failed" >&2; ok=1; }
  done
  return "${ok}"
}

distribute() {
  local node="$1" t
  local -a tarballs=("${HADOOP_TARBALL}" "${ZK_TARBALL}")
  ${HAVE_MESOS} && tarballs+=("${MESOS_TARBALL}")
  on "${node}" "mkdir -p ${REMOTE_OPT} ${REMOTE_DATA}" || return 1
  # Copied as the login user, unpacked as root.
  for t in "${tarballs[@]}"; do
    node_scp "${node}" "${t}" "/tmp/" || { echo "  scp $(basename "${t}") to ${node} failed" >&2; return 1; }
    on "${node}" "tar -C ${REMOTE_OPT} -xzf /tmp/$(basename "${t}") && rm /tmp/$(basename "${t}")" || return 1
  done
}

distribute_masters() {
  local node ok=0
  local -a pids=()
  for node in "${MASTERS[@]}"; do
    distribute "${node}" &
    pids+=($!)
  done
  for node in "${pids[@]}"; do wait "${node}" || ok=1; done
  return "${ok}"
}

# ---------------------------------------------------------------- ZooKeeper
zk_start() {
  local node="$1" id="$2"
  on "${node}" "
    mkdir -p ${REMOTE_DATA}/zk
    echo ${id} > ${REMOTE_DATA}/zk/myid
    cat > ${ZK_DIR}/conf/zoo.cfg <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=${REMOTE_DATA}/zk
clientPort=2181
4lw.commands.whitelist=srvr,mntr,ruok,stat
server.1=master1:2888:3888
server.2=master2:2888:3888
server.3=master3:2888:3888
CFG
    ZOO_LOG_DIR=${REMOTE_DATA}/zk-logs ${ZK_DIR}/bin/zkServer.sh start >/dev/null 2>&1
  "
}

zk_mode() {
  { echo srvr | nc -w 3 "$(node_ip "$1")" 2181 2>/dev/null || true; } | sed -n 's/^Mode: //p'
}

zk_one_leader_two_followers() {
  local node modes=""
  for node in "${MASTERS[@]}"; do
    modes+="$(zk_mode "${node}") "
  done
  ZK_MODES="${modes}"
  [[ "$(tr ' ' '\n' <<<"${modes}" | grep -c '^leader$')" -eq 1 &&
    "$(tr ' ' '\n' <<<"${modes}" | grep -c '^follower$')" -eq 2 ]]
}

# ---------------------------------------------------------------- HDFS
HDFS_ENV="export HADOOP_CONF_DIR=${REMOTE_DATA}/hadoop-conf HADOOP_PID_DIR=${REMOTE_DATA}/pid HADOOP_LOG_DIR=${REMOTE_DATA}/logs"

write_hdfs_conf() {
  local node="$1"
  on "${node}" "
    mkdir -p ${REMOTE_DATA}/hadoop-conf
    cp ${HADOOP_DIR}/etc/hadoop/* ${REMOTE_DATA}/hadoop-conf/
    cat > ${REMOTE_DATA}/hadoop-conf/core-site.xml <<XML
<configuration>
  <property><name>fs.defaultFS</name><value>hdfs://smoke</value></property>
  <property><name>ha.zookeeper.quorum</name><value>master1:2181,master2:2181,master3:2181</value></property>
</configuration>
XML
    cat > ${REMOTE_DATA}/hadoop-conf/hdfs-site.xml <<XML
<configuration>
  <property><name>dfs.nameservices</name><value>smoke</value></property>
  <property><name>dfs.ha.namenodes.smoke</name><value>nn1,nn2</value></property>
  <property><name>dfs.namenode.rpc-address.smoke.nn1</name><value>master1:8020</value></property>
  <property><name>dfs.namenode.rpc-address.smoke.nn2</name><value>master2:8020</value></property>
  <property><name>dfs.namenode.http-address.smoke.nn1</name><value>master1:9870</value></property>
  <property><name>dfs.namenode.http-address.smoke.nn2</name><value>master2:9870</value></property>
  <property><name>dfs.namenode.shared.edits.dir</name><value>qjournal://master1:8485;master2:8485;master3:8485/smoke</value></property>
  <property><name>dfs.namenode.name.dir</name><value>${REMOTE_DATA}/nn</value></property>
  <property><name>dfs.journalnode.edits.dir</name><value>${REMOTE_DATA}/jn</value></property>
  <property><name>dfs.client.failover.proxy.provider.smoke</name><value>org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider</value></property>
  <property><name>dfs.ha.fencing.methods</name><value>shell(/bin/true)</value></property>
</configuration>
XML
  "
}

jn_start() {
  on "$1" "${HDFS_ENV}; ${HADOOP_DIR}/bin/hdfs --daemon start journalnode && ${HADOOP_DIR}/bin/hdfs --daemon status journalnode"
}

jn_listening() {
  nc -z -w 2 "$(node_ip "$1")" 8485
}

all_jns_listening() {
  local node
  for node in "${MASTERS[@]}"; do jn_listening "${node}" || return 1; done
}

cluster_id_of() {
  # $1 node, $2 VERSION file
  on "$1" "sed -n 's/^clusterID=//p' $2"
}

# ---------------------------------------------------------------- Mesos
mesos_start() {
  local node="$1" ip
  ip="$(node_ip "${node}")"
  on "${node}" "
    mkdir -p ${REMOTE_DATA}/mesos
    nohup ${MESOS_DIR}/bin/mesos-master.sh --ip=${ip} --hostname=${node} --port=5050 \
      --work_dir=${REMOTE_DATA}/mesos/work --zk=zk://master1:2181,master2:2181,master3:2181/mesos \
      --quorum=1 >${REMOTE_DATA}/mesos/master.log 2>&1 </dev/null &
    echo \$! > ${REMOTE_DATA}/mesos/master.pid
  "
}

mesos_elected() {
  curl -s -m 3 "http://$(node_ip "$1"):5050/metrics/snapshot" 2>/dev/null |
    grep -o '"master\\\?/elected":[0-9.]*' | head -1 | sed 's/.*://; s/\..*//'
}

mesos_one_leader() {
  local node n=0 answered=0 v
  for node in master1 master2; do
    v="$(mesos_elected "${node}")"
    [[ -n "${v}" ]] && answered=$((answered + 1))
    [[ "${v}" == 1 ]] && n=$((n + 1))
  done
  MESOS_LEADERS="${n}"
  [[ "${answered}" -eq 2 && "${n}" -eq 1 ]]
}

# ---------------------------------------------------------------- cleanup
cleanup_node() {
  on "$1" "
    if [[ -x ${HADOOP_DIR}/bin/hdfs ]]; then ${HDFS_ENV}; ${HADOOP_DIR}/bin/hdfs --daemon stop journalnode || true; fi
    if [[ -f ${REMOTE_DATA}/mesos/master.pid ]]; then
      pkill -P \"\$(cat ${REMOTE_DATA}/mesos/master.pid)\" 2>/dev/null || true
      kill \"\$(cat ${REMOTE_DATA}/mesos/master.pid)\" 2>/dev/null || true
    fi
    if [[ -x ${ZK_DIR}/bin/zkServer.sh && -f ${ZK_DIR}/conf/zoo.cfg ]]; then
      ZOO_LOG_DIR=${REMOTE_DATA}/zk-logs ${ZK_DIR}/bin/zkServer.sh stop >/dev/null 2>&1 || true
    fi
    for i in \$(seq 1 20); do pgrep -x java >/dev/null || break; sleep 0.5; done
    pkill -9 -x java 2>/dev/null || true
    rm -rf ${REMOTE_OPT} ${REMOTE_DATA}
  " >/dev/null
}

cleanup_all() {
  local node
  for node in "${NODES[@]}"; do
    cleanup_node "${node}" &
  done
  wait
}

main() {
  local t0 node ok
  t0="$(now)"
  [[ -f "${HADOOP_TARBALL}" && -f "${ZK_TARBALL}" ]] || die "tarballs missing; run sandbox/sandbox.sh build"
  for node in "${NODES[@]}"; do
    node_ssh "${node}" true 2>/dev/null || die "${node} does not answer on ssh; run sandbox/sandbox.sh up"
  done
  # A previous interrupted run may have left software behind.
  cleanup_all

  check "six hosts answer on ssh (by name alias and by IP, as admin or root) with the test key and strict known_hosts, resolve all names, have Java, run nothing" all_nodes_bare
  check "tarballs copied and unpacked on master1-3" distribute_masters

  ok=0
  zk_start master1 1 && zk_start master2 2 && zk_start master3 3 || ok=1
  ZK_MODES=""
  if [[ ${ok} -eq 0 ]] && wait_for 60 zk_one_leader_two_followers; then
    pass "ZooKeeper ${ZK_VERSION} ensemble on master1-3: srvr shows one leader, two followers (${ZK_MODES% })"
  else
    fail "ZooKeeper ensemble: srvr modes '${ZK_MODES% }' (want one leader, two followers)"
  fi

  ok=0
  for node in "${MASTERS[@]}"; do write_hdfs_conf "${node}" || ok=1; done
  for node in "${MASTERS[@]}"; do jn_start "${node}" || { echo "  journalnode start/status failed on ${node}" >&2; ok=1; }; done
  if [[ ${ok} -eq 0 ]] && wait_for 60 all_jns_listening; then
    pass "JournalNodes started with 'hdfs --daemon start' on master1-3 and listen on 8485"
  else
    fail "JournalNodes on master1-3 did not all start and listen on 8485"
  fi

  local fmt_out cid1 cid_jn node_ok sum_before sum_after
  fmt_out="$(on master1 "${HDFS_ENV}; ${HADOOP_DIR}/bin/hdfs namenode -format -nonInteractive 2>&1")" && ok=0 || ok=1
  cid1="$(cluster_id_of master1 "${REMOTE_DATA}/nn/current/VERSION" 2>/dev/null || true)"
  node_ok=0
  for node in "${MASTERS[@]}"; do
    cid_jn="$(cluster_id_of "${node}" "${REMOTE_DATA}/jn/smoke/current/VERSION" 2>/dev/null || true)"
    [[ -n "${cid1}" && "${cid_jn}" == "${cid1}" ]] || { echo "  JN on ${node} has clusterID '${cid_jn}'" >&2; node_ok=1; }
  done
  if [[ ${ok} -eq 0 && "${cid1}" == CID-* && ${node_ok} -eq 0 ]]; then
    pass "hdfs namenode -format -nonInteractive on master1: exit 0, ${cid1} in the name dir and on all three JNs"
  else
    fail "hdfs namenode -format on master1 (clusterID '${cid1}'); output tail:"
    tail -n 15 <<<"${fmt_out}" | sed 's/^/    /'
  fi

  sum_before="$(on master1 "sha256sum ${REMOTE_DATA}/nn/current/VERSION" 2>/dev/null || true)"
  local rc=0
  fmt_out="$(on master1 "${HDFS_ENV}; ${HADOOP_DIR}/bin/hdfs namenode -format -nonInteractive 2>&1 || rc=\$?; echo rc=\${rc:-0}" 2>/dev/null || true)"
  [[ "${fmt_out}" =~ rc=([0-9]+)$ ]] && rc="${BASH_REMATCH[1]}" || rc=unknown
  sum_after="$(on master1 "sha256sum ${REMOTE_DATA}/nn/current/VERSION" 2>/dev/null || true)"
  if [[ "${rc}" == 1 && "${fmt_out}" == *"data appears to exist in Storage Directory root= ${REMOTE_DATA}/nn; location= null. Not formatting."* &&
    -n "${sum_before}" && "${sum_before}" == "${sum_after}" ]]; then
    pass "second -format -nonInteractive refused: exit 1, 'Not formatting.', name dir VERSION unchanged"
  else
    fail "second -format: exit ${rc}, VERSION before '${sum_before%% *}' after '${sum_after%% *}'; output tail:"
    tail -n 8 <<<"${fmt_out}" | sed 's/^/    /'
  fi

  if ${HAVE_MESOS}; then
    MESOS_LEADERS=""
    ok=0
    mesos_start master1 && mesos_start master2 || ok=1
    if [[ ${ok} -eq 0 ]] && wait_for 60 mesos_one_leader; then
      pass "two Mesos master stand-ins on master1-2 via ZooKeeper: exactly one elected leader"
    else
      fail "Mesos masters: ${MESOS_LEADERS:-?} elected (want exactly 1 of 2 answering)"
      on master1 "tail -n 5 ${REMOTE_DATA}/mesos/master.log" 2>/dev/null | sed 's/^/    /' || true
    fi
  else
    echo "SKIP Mesos leader election: ${MESOS_TARBALL} not built (sandbox/mesos/build.sh missing)"
  fi

  cleanup_all
  check "everything stopped, software removed: hosts bare again" all_nodes_bare

  echo "smoke: ${PASSED} passed, ${FAILED} failed ($(elapsed "${t0}")s)"
  [[ ${FAILED} -eq 0 ]]
}

main "$@"
