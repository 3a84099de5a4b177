#!/usr/bin/env bash
# Fidelity of our bin/hdfs|yarn launchers to hadoop-functions.sh (spec
# section 2, section 9 item 1, section 13.1 and 13.5): --daemon
# status/start/stop exit codes and silence, messages, pid/.out/.log names,
# the -Dproc_ check, daemons that die at once or later, the foreground run a
# supervisor uses, and the <PROG>_<SUBCMD>_USER checks and re-exec. Runs
# real daemons from the built tarball on this machine (loopback ports only),
# in a temporary directory; the user cases, which create accounts, run in a
# throwaway container of the sandbox's legacy node image.
set -euo pipefail

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=lib.sh
. "${SANDBOX_DIR}/tests/lib.sh"
# shellcheck source=../lib/images.sh
. "${SANDBOX_DIR}/lib/images.sh"

[[ -f "${HADOOP_TARBALL}" ]] || die "${HADOOP_TARBALL} missing; run sandbox/sandbox.sh build"

T="$(mktemp -d /tmp/herd-launcher-fidelity.XXXXXX)"
FAKE_PIDS=()
cleanup() {
  local p
  for p in "${FAKE_PIDS[@]}"; do
    kill -9 "${p}" 2>/dev/null || true
  done
  # Daemons we started have pid files under our own pid dir only.
  for p in "${T}"/pid/*.pid; do
    if [[ -f "${p}" ]]; then kill -9 "$(cat "${p}")" 2>/dev/null || true; fi
  done
  rm -rf "${T}"
}
trap cleanup EXIT

tar -C "${T}" -xzf "${HADOOP_TARBALL}"
H="${T}/hadoop-${HADOOP_VERSION}"
HDFS="${H}/bin/hdfs"
YARN="${H}/bin/yarn"

JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}"
export JAVA_HOME
export HADOOP_CONF_DIR="${T}/conf" HADOOP_PID_DIR="${T}/pid" HADOOP_LOG_DIR="${T}/logs"
export HADOOP_IDENT_STRING=fidelity HADOOP_STOP_TIMEOUT=5
unset HADOOP_HOME HADOOP_OPTS HADOOP_ROOT_LOGGER HDFS_JOURNALNODE_OPTS HDFS_NAMENODE_OPTS
mkdir -p "${HADOOP_CONF_DIR}" "${HADOOP_PID_DIR}" "${HADOOP_LOG_DIR}"
cp "${H}/etc/hadoop/"* "${HADOOP_CONF_DIR}/"

# Loopback, high ports: the machine may run other things on the defaults.
cat >"${HADOOP_CONF_DIR}/hdfs-site.xml" <<XML
<configuration>
  <property><name>dfs.namenode.name.dir</name><value>${T}/nn</value></property>
  <property><name>dfs.namenode.rpc-address</name><value>127.0.0.1:38020</value></property>
  <property><name>dfs.namenode.http-address</name><value>127.0.0.1:39870</value></property>
  <property><name>dfs.journalnode.edits.dir</name><value>${T}/jn</value></property>
  <property><name>dfs.journalnode.rpc-address</name><value>127.0.0.1:38485</value></property>
  <property><name>dfs.journalnode.http-address</name><value>127.0.0.1:38480</value></property>
</configuration>
XML
cat >"${HADOOP_CONF_DIR}/yarn-site.xml" <<XML
<configuration>
  <property><name>yarn.resourcemanager.hostname</name><value>127.0.0.1</value></property>
  <property><name>yarn.resourcemanager.address</name><value>127.0.0.1:38032</value></property>
  <property><name>yarn.resourcemanager.scheduler.address</name><value>127.0.0.1:38030</value></property>
  <property><name>yarn.resourcemanager.resource-tracker.address</name><value>127.0.0.1:38031</value></property>
  <property><name>yarn.resourcemanager.admin.address</name><value>127.0.0.1:38033</value></property>
  <property><name>yarn.resourcemanager.webapp.address</name><value>127.0.0.1:38088</value></property>
</configuration>
XML

PIDFILE="${HADOOP_PID_DIR}/hadoop-fidelity-journalnode.pid"
OUTFILE="${HADOOP_LOG_DIR}/hadoop-fidelity-journalnode-${HOSTNAME}.out"
LOGFILE="${HADOOP_LOG_DIR}/hadoop-fidelity-journalnode-${HOSTNAME}.log"

# run CMD...: sets RC, OUT (stdout) and ERR (stderr).
run() {
  RC=0
  "$@" >"${T}/stdout" 2>"${T}/stderr" || RC=$?
  OUT="$(cat "${T}/stdout")"
  ERR="$(cat "${T}/stderr")"
}

expect() {
  # expect DESCRIPTION RC OUT ERR  (OUT/ERR compared exactly)
  local desc="$1" rc="$2" out="$3" err="$4"
  if [[ "${RC}" == "${rc}" && "${OUT}" == "${out}" && "${ERR}" == "${err}" ]]; then
    pass "${desc}"
  else
    fail "${desc}: exit ${RC} (want ${rc}), stdout '${OUT}' (want '${out}'), stderr '${ERR}' (want '${err}')"
  fi
}

alive() { kill -0 "$1" 2>/dev/null; }

t0="$(now)"

# --- nothing running -------------------------------------------------------
run "${HDFS}" --daemon status journalnode
expect "status without a pid file: exit 3, no output" 3 "" ""

run "${HDFS}" --daemon stop journalnode
expect "stop without a pid file: exit 0, no output" 0 "" ""

run "${HDFS}" --daemon restart journalnode
if [[ ${RC} -eq 1 && "${ERR}" == 'ERROR: --daemon must be followed by either "start", "stop", or "status".' && "${OUT}" == Usage:* ]]; then
  pass "bad --daemon mode: exit 1, the exact ERROR line on stderr, usage on stdout"
else
  fail "bad --daemon mode: exit ${RC}, stderr '${ERR}'"
fi

# --- start / status / refusal / stop ----------------------------------------
run "${HDFS}" --daemon start journalnode
expect "start journalnode: exit 0, silent" 0 "" ""

if [[ -f "${PIDFILE}" ]] && alive "$(cat "${PIDFILE}")"; then
  pass "pid file is \$HADOOP_PID_DIR/hadoop-\$HADOOP_IDENT_STRING-journalnode.pid and holds the live JVM"
else
  fail "pid file ${PIDFILE} missing or its process is dead ($(ls "${HADOOP_PID_DIR}"))"
fi

JN_PID="$(cat "${PIDFILE}" 2>/dev/null || echo 0)"
ARGS="$(ps -o args= -p "${JN_PID}" 2>/dev/null || true)"
if [[ "${ARGS}" == *" -Dproc_journalnode "* && "${ARGS}" == *"-Xmx256m"* &&
  "${ARGS}" == *"--add-opens=java.base/java.lang=ALL-UNNAMED"* &&
  "${ARGS}" == *"--add-opens=java.base/sun.security.x509=ALL-UNNAMED"* &&
  "${ARGS}" == *"-Dhadoop.log.file=hadoop-fidelity-journalnode-${HOSTNAME}.log"* &&
  "${ARGS}" == *" org.apache.hadoop.hdfs.qjournal.server.JournalNode" ]]; then
  pass "JVM command line: -Dproc_journalnode, heap from hadoop-env.sh, Java 17 add-opens, real JournalNode class"
else
  fail "JVM command line: ${ARGS}"
fi

if [[ -f "${OUTFILE}" ]] && grep -q 'open files' "${OUTFILE}"; then
  pass ".out file is \$HADOOP_LOG_DIR/hadoop-fidelity-journalnode-\$HOSTNAME.out with the ulimit -a listing"
else
  fail ".out file ${OUTFILE} missing or without ulimit output ($(ls "${HADOOP_LOG_DIR}"))"
fi

if wait_for 20 grep -q 'JournalNode' "${LOGFILE}" 2>/dev/null; then
  pass ".log file is \$HADOOP_LOG_DIR/hadoop-fidelity-journalnode-\$HOSTNAME.log, written by log4j"
else
  fail ".log file ${LOGFILE} missing ($(ls "${HADOOP_LOG_DIR}"))"
fi

run "${HDFS}" --daemon status journalnode
expect "status while running: exit 0, no output" 0 "" ""

run "${HDFS}" --daemon start journalnode
expect "second start refused with the two-space message, exit 1" 1 "" \
  "journalnode is running as process ${JN_PID}.  Stop it first."

run "${HDFS}" --daemon stop journalnode
if [[ ${RC} -eq 0 && -z "${OUT}${ERR}" && ! -f "${PIDFILE}" ]] && ! alive "${JN_PID}"; then
  pass "stop: exit 0, silent, JVM gone, pid file removed"
else
  fail "stop: exit ${RC}, output '${OUT}${ERR}', pid file present: $([[ -f "${PIDFILE}" ]] && echo yes || echo no)"
fi

run "${HDFS}" --daemon status journalnode
expect "status after stop: exit 3" 3 "" ""

run "${HDFS}" --daemon start journalnode
if [[ ${RC} -eq 0 && -f "${OUTFILE}.1" && -f "${OUTFILE}" ]]; then
  pass "restart rotates the .out file to .out.1"
else
  fail "restart: exit ${RC}; files: $(ls "${HADOOP_LOG_DIR}")"
fi
"${HDFS}" --daemon stop journalnode

# --- the -Dproc_ check ---------------------------------------------------------
sleep 300 &
disown
FAKE_PIDS+=($!)
echo "$!" >"${PIDFILE}"
run "${HDFS}" --daemon status journalnode
expect "pid file naming a live non-Hadoop process: status exit 1, no output" 1 "" ""

run "${HDFS}" --daemon start journalnode
NEW_PID="$(cat "${PIDFILE}" 2>/dev/null || echo 0)"
if [[ ${RC} -eq 0 && "${NEW_PID}" != "${FAKE_PIDS[-1]}" ]] && alive "${FAKE_PIDS[-1]}"; then
  pass "start over a stale pid file of another process: starts (exit 0), leaves that process alone"
else
  fail "start over a stale pid file: exit ${RC}, stderr '${ERR}'"
fi
"${HDFS}" --daemon stop journalnode

echo 999999 >"${PIDFILE}"
run "${HDFS}" --daemon status journalnode
expect "pid file naming a dead pid: status exit 1, no output" 1 "" ""
rm -f "${PIDFILE}"

# --- stop escalation --------------------------------------------------------
# A process that ignores SIGTERM stands in for a hung daemon.
bash -c 'trap "" TERM; while :; do sleep 0.2; done' -Dproc_journalnode &
STUCK=$!
disown
FAKE_PIDS+=("${STUCK}")
echo "${STUCK}" >"${PIDFILE}"
run env HADOOP_STOP_TIMEOUT=2 "${HDFS}" --daemon stop journalnode
if [[ ${RC} -eq 0 && "${ERR}" == "WARNING: journalnode did not stop gracefully after 2 seconds: Trying to kill with kill -9" && ! -f "${PIDFILE}" ]] && ! alive "${STUCK}"; then
  pass "stop of a process ignoring SIGTERM: exact kill -9 WARNING after HADOOP_STOP_TIMEOUT, exit 0"
else
  fail "stop escalation: exit ${RC}, stderr '${ERR}'"
fi

# --- start failures ----------------------------------------------------------
run env HDFS_JOURNALNODE_OPTS="-Xmx1k" "${HDFS}" --daemon start journalnode
if [[ ${RC} -eq 1 ]] && grep -q 'heap' "${OUTFILE}"; then
  pass "JVM that dies at once (HDFS_JOURNALNODE_OPTS=-Xmx1k): start exit 1, reason in .out"
else
  fail "JVM dying at once: exit ${RC} (want 1); .out: $(tail -n 3 "${OUTFILE}" 2>/dev/null)"
fi
run "${HDFS}" --daemon status journalnode
expect "after that failed start: status exit 1" 1 "" ""
rm -f "${PIDFILE}"

run env HADOOP_PID_DIR=/proc "${HDFS}" --daemon start journalnode
expect "unwritable HADOOP_PID_DIR: the exact ERROR, exit 1" 1 "" "ERROR: Unable to write in /proc. Aborting."

run env HADOOP_LOG_DIR=/proc "${HDFS}" --daemon start journalnode
expect "unwritable HADOOP_LOG_DIR: the exact ERROR, exit 1" 1 "" "ERROR: Unable to write in /proc. Aborting."

NN_PIDFILE="${HADOOP_PID_DIR}/hadoop-fidelity-namenode.pid"
NN_LOG="${HADOOP_LOG_DIR}/hadoop-fidelity-namenode-${HOSTNAME}.log"
# An empty name dir: what a host has before format (a missing one gives a
# different error, "inconsistent state").
mkdir -p "${T}/nn"
run "${HDFS}" --daemon start namenode
nn_dead() { ! "${HDFS}" --daemon status namenode; }
if [[ ${RC} -eq 0 ]] && wait_for 60 nn_dead && grep -q 'NameNode is not formatted.' "${NN_LOG}"; then
  pass "unformatted NameNode: start exit 0, then the JVM dies ('NameNode is not formatted.'), status exit 1"
else
  fail "unformatted NameNode: start exit ${RC}; log: $(grep -m2 'ERROR' "${NN_LOG}" 2>/dev/null)"
fi
rm -f "${NN_PIDFILE}"

# --- the pid-file race, on purpose -------------------------------------------
# hadoop-functions.sh's background child writes `$$` (the launcher's pid)
# and the parent `$!`; when the child is the later one the pid file names a
# dead process while the daemon runs. The knob makes it so every time.
run env HERD_SANDBOX_PID_RACE=1 "${HDFS}" --daemon start journalnode
RACE_JVM=""
race_jvm_up() {
  RACE_JVM="$(ps -eo pid=,args= | awk -v t="${T}" '$2 ~ /java$/ && / -Dproc_journalnode / && index($0, t) {print $1}')"
  [[ -n "${RACE_JVM}" ]]
}
if [[ ${RC} -eq 0 ]] && wait_for 20 race_jvm_up &&
  [[ "$(cat "${PIDFILE}")" != "${RACE_JVM}" ]] && ! alive "$(cat "${PIDFILE}")" &&
  ! "${HDFS}" --daemon status journalnode; then
  pass "pid-file race on purpose: start exit 0, the JVM runs, the pid file names the dead launcher, status exit 1 (as upstream)"
else
  fail "pid-file race: start exit ${RC}, JVM '${RACE_JVM}', pid file '$(cat "${PIDFILE}" 2>/dev/null)'"
fi
[[ -z "${RACE_JVM}" ]] || kill -9 "${RACE_JVM}" 2>/dev/null || true
rm -f "${PIDFILE}"

# --- client commands ----------------------------------------------------------
run "${HDFS}" getconf -confKey dfs.namenode.name.dir
expect "client command (getconf): value alone on stdout, nothing on stderr" 0 "${T}/nn" ""

run "${HDFS}" namenode -format -nonInteractive
if [[ ${RC} -eq 0 && -f "${T}/nn/current/VERSION" && -f "${NN_PIDFILE}" ]]; then
  pass "namenode -format runs in the foreground through the daemon path (its pid file left behind, as upstream)"
else
  fail "namenode -format: exit ${RC}; stderr tail: $(tail -n 2 <<<"${ERR}")"
fi

# --- foreground, as a supervisor runs it (section 13.5) -------------------------
"${HDFS}" namenode >"${T}/fg.out" 2>"${T}/fg.err" </dev/null &
FG=$!
FAKE_PIDS+=("${FG}")
fg_is_java() {
  [[ "$(cat "${NN_PIDFILE}" 2>/dev/null)" == "${FG}" &&
    "$(readlink "/proc/${FG}/exe" 2>/dev/null)" == */java ]]
}
nn_up() { curl -s -m 2 -o /dev/null http://127.0.0.1:39870/; }
if wait_for 20 fg_is_java && [[ "$(ps -o args= -p "${FG}")" == *" -Dproc_namenode "* ]]; then
  pass "hdfs namenode without --daemon: the pid file holds the launcher's own pid, which exec'd java (-Dproc_namenode)"
else
  fail "foreground namenode: pid file '$(cat "${NN_PIDFILE}" 2>/dev/null)', launcher ${FG}, exe '$(readlink "/proc/${FG}/exe" 2>/dev/null)'"
fi
wait_for 60 nn_up || true
kill -TERM "${FG}" 2>/dev/null || true
FG_RC=0
wait "${FG}" || FG_RC=$?
if [[ ${FG_RC} -eq 143 ]] && grep -q 'RECEIVED SIGNAL 15: SIGTERM' "${T}/fg.err" &&
  grep -q 'SHUTDOWN_MSG: Shutting down NameNode at' "${T}/fg.err"; then
  pass "SIGTERM to the foreground NameNode: 'RECEIVED SIGNAL 15: SIGTERM', SHUTDOWN_MSG, exit 143"
else
  fail "SIGTERM to the foreground NameNode: exit ${FG_RC} (want 143); stderr tail: $(tail -n 3 "${T}/fg.err")"
fi

# --- users (section 13.1), in a container ---------------------------------------
USERS_IMAGE="$(legacy_image_tag)"
if image_exists "${USERS_IMAGE}"; then
  users_rc=0
  # sudo wants its own host name resolvable.
  docker run --rm --network none -h fidelity --add-host fidelity:127.0.0.1 -m 900m \
    -v "${HADOOP_TARBALL}:/dist/hadoop.tar.gz:ro" -v "${SANDBOX_DIR}/tests:/fidelity:ro" \
    "${USERS_IMAGE}" bash /fidelity/launcher-users.sh >"${T}/users.log" 2>&1 || users_rc=$?
  grep -E '^(PASS|FAIL) ' "${T}/users.log" || true
  PASSED=$((PASSED + $(grep -c '^PASS ' "${T}/users.log" || true)))
  FAILED=$((FAILED + $(grep -c '^FAIL ' "${T}/users.log" || true)))
  if [[ ${users_rc} -ne 0 ]] && ! grep -q '^FAIL ' "${T}/users.log"; then
    fail "launcher-users.sh in ${USERS_IMAGE} exited ${users_rc}: $(tail -n 5 "${T}/users.log")"
  fi
else
  fail "user cases: image ${USERS_IMAGE} missing; run sandbox/sandbox.sh build"
fi

# --- ResourceManager on Java 17 ------------------------------------------------
run "${YARN}" --daemon start resourcemanager
rm_up() { curl -s -m 2 http://127.0.0.1:38088/ws/v1/cluster/info | grep -q '"state":"STARTED"'; }
if [[ ${RC} -eq 0 && -f "${HADOOP_PID_DIR}/hadoop-fidelity-resourcemanager.pid" ]] && wait_for 60 rm_up &&
  "${YARN}" --daemon status resourcemanager; then
  pass "ResourceManager starts on Java 17 (add-opens) and serves /ws/v1/cluster/info; pid file uses the hadoop- prefix"
else
  fail "ResourceManager: start exit ${RC}; log: $(grep -m2 'ERROR' "${HADOOP_LOG_DIR}"/hadoop-fidelity-resourcemanager-*.log 2>/dev/null)"
fi
run "${YARN}" --daemon stop resourcemanager
expect "yarn --daemon stop resourcemanager: exit 0, silent" 0 "" ""

echo "launcher: ${PASSED} passed, ${FAILED} failed ($(elapsed "${t0}")s)"
[[ ${FAILED} -eq 0 ]]
