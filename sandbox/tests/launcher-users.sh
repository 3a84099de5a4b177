#!/usr/bin/env bash
# The user handling of the launchers (operations.md section 13.1), as
# hadoop-functions.sh does it: <PROG>_<SUBCMD>_USER refuses other users,
# and root re-runs the command as that user with `sudo -u USER --`.
# Runs as root INSIDE a throwaway container of the sandbox's legacy node
# image (it creates accounts; the controller must not get them), started by
# launcher-fidelity.sh with the Hadoop tarball at /dist/hadoop.tar.gz and
# this directory at /fidelity. Prints PASS/FAIL lines.
set -euo pipefail

# shellcheck source=lib.sh
. /fidelity/lib.sh

T="$(mktemp -d)"
# The service and operator accounts read the conf dirs made below.
chmod 755 "${T}"
tar -C /opt -xzf /dist/hadoop.tar.gz
H="$(echo /opt/hadoop-*)"
HDFS="${H}/bin/hdfs" YARN="${H}/bin/yarn" MAPRED="${H}/bin/mapred"
JAVA_HOME="$(dirname "$(dirname "$(readlink -f /usr/bin/java)")")"
export JAVA_HOME
unset USER HADOOP_CONF_DIR HADOOP_PID_DIR HADOOP_LOG_DIR

# The default conf dir is what a re-executed launcher finds: sudo keeps none
# of the caller's environment. Directories default only when unset, so a
# value the caller passes would win, if it arrived.
PIDS=/var/run/hadoop-fidelity LOGS=/var/log/hadoop-fidelity
cat >>"${H}/etc/hadoop/hadoop-env.sh" <<ENV
export JAVA_HOME=${JAVA_HOME}
export HADOOP_PID_DIR=\${HADOOP_PID_DIR:-${PIDS}}
export HADOOP_LOG_DIR=\${HADOOP_LOG_DIR:-${LOGS}}
ENV
# A conf dir without JAVA_HOME, and one that names the zkfc user itself.
cp -a "${H}/etc/hadoop" "${T}/nojava"
sed -i '/^export JAVA_HOME=/d' "${T}/nojava/hadoop-env.sh"
cp -a "${H}/etc/hadoop" "${T}/zkfcuser"
echo 'export HDFS_ZKFC_USER=hdfs' >>"${T}/zkfcuser/hadoop-env.sh"

run() {
  RC=0
  "$@" >"${T}/stdout" 2>"${T}/stderr" </dev/null || RC=$?
  OUT="$(cat "${T}/stdout")"
  ERR="$(cat "${T}/stderr")"
}

expect() {
  local desc="$1" rc="$2" out="$3" err="$4"
  if [[ "${RC}" == "${rc}" && "${OUT}" == "${out}" && "${ERR}" == "${err}" ]]; then
    pass "${desc}"
  else
    fail "${desc}: exit ${RC} (want ${rc}), stdout '${OUT}' (want '${out}'), stderr '${ERR}' (want '${err}')"
  fi
}

# --- root, the account missing ------------------------------------------------
run env HDFS_NAMENODE_USER=hdfs "${HDFS}" --daemon start namenode
expect "root, HDFS_NAMENODE_USER=hdfs, no hdfs account: refused, exit 1" 1 "" \
  "ERROR: Refusing to run as root: hdfs account is not found. Aborting."
run env HDFS_NAMENODE_USER=hdfs "${HDFS}" namenode
expect "the same in the foreground (no --daemon)" 1 "" \
  "ERROR: Refusing to run as root: hdfs account is not found. Aborting."

# A service account as Bigtop and herd make it: no login shell, no password.
useradd --system --user-group --home-dir /var/lib/hdfs --shell /usr/sbin/nologin hdfs
useradd --create-home --shell /bin/bash alice
install -d -o hdfs -g hdfs "${PIDS}" "${LOGS}"

# --- not root -------------------------------------------------------------------
as_alice() { runuser -u alice -- env USER=alice "$@"; }

run as_alice env HDFS_NAMENODE_USER=hdfs "${HDFS}" --daemon start namenode
expect "alice, HDFS_NAMENODE_USER=hdfs: --daemon start refused, exit 1" 1 "" \
  "ERROR: namenode can only be executed by hdfs."
run as_alice env HDFS_NAMENODE_USER=hdfs "${HDFS}" namenode
expect "alice, HDFS_NAMENODE_USER=hdfs: foreground refused alike" 1 "" \
  "ERROR: namenode can only be executed by hdfs."
run as_alice env YARN_RESOURCEMANAGER_USER=yarn "${YARN}" --daemon start resourcemanager
expect "alice, YARN_RESOURCEMANAGER_USER=yarn: refused" 1 "" \
  "ERROR: resourcemanager can only be executed by yarn."
run as_alice env MAPRED_HISTORYSERVER_USER=mapred "${MAPRED}" --daemon start historyserver
expect "alice, MAPRED_HISTORYSERVER_USER=mapred: refused" 1 "" \
  "ERROR: historyserver can only be executed by mapred."
run as_alice env HDFS_DFSADMIN_USER=hdfs "${HDFS}" dfsadmin -report
expect "any sub-command has its variable: HDFS_DFSADMIN_USER=hdfs refuses dfsadmin" 1 "" \
  "ERROR: dfsadmin can only be executed by hdfs."
run as_alice "${HDFS}" --config "${T}/zkfcuser" --daemon start zkfc
expect "the variable set in hadoop-env.sh counts the same (HDFS_ZKFC_USER)" 1 "" \
  "ERROR: zkfc can only be executed by hdfs."
# The check reads $USER, not the euid.
run runuser -u alice -- env USER=hdfs HDFS_NAMENODE_USER=hdfs "${HDFS}" --daemon status namenode
expect "alice with USER=hdfs passes the check (status: exit 3, the hdfs pid file)" 3 "" ""
run as_alice "${HDFS}" --daemon status namenode
expect "alice, no variable: no check (status exit 3)" 3 "" ""

# --- root, the account present ------------------------------------------------------
run "${HDFS}" --daemon status namenode
expect "root, no variable: runs as root (bin/hdfs does not refuse; only sbin/start-*.sh does)" 3 "" ""
run env HDFS_NAMENODE_USER=root "${HDFS}" --daemon status namenode
expect "root, HDFS_NAMENODE_USER=root: no re-exec, runs" 3 "" ""
run "${HDFS}" --reexec --reexec version
expect "--reexec twice: the fork-bomb guard, exit 1" 1 "" \
  "ERROR: re-exec fork bomb prevention: --reexec already called"

run su -l hdfs -c true
if [[ ${RC} -ne 0 && "${OUT}${ERR}" == *"This account is currently not available."* ]]; then
  pass "hdfs has no login shell: su -l hdfs fails"
else
  fail "su -l hdfs: exit ${RC}, '${OUT}${ERR}' (want a nologin refusal)"
fi

JN_PIDFILE="${PIDS}/hadoop-hdfs-journalnode.pid"
# HADOOP_PID_DIR from the caller is dropped by sudo: the pid file lands in
# hadoop-env.sh's directory.
run env HDFS_JOURNALNODE_USER=hdfs HADOOP_PID_DIR="${T}/ignored" "${HDFS}" --daemon start journalnode
JN_PID="$(cat "${JN_PIDFILE}" 2>/dev/null || echo 0)"
JN_ARGS="$(ps -o user=,args= -p "${JN_PID}" 2>/dev/null || true)"
if [[ ${RC} -eq 0 && -z "${OUT}${ERR}" && "${JN_ARGS}" == "hdfs "*" -Dproc_journalnode "* && ! -e "${T}/ignored" ]]; then
  pass "root, HDFS_JOURNALNODE_USER=hdfs (nologin shell): re-run through sudo -u hdfs, the JVM runs as hdfs, pid file hadoop-hdfs-journalnode.pid in hadoop-env.sh's dir (the caller's HADOOP_PID_DIR is dropped)"
else
  fail "root start as hdfs: exit ${RC}, '${OUT}${ERR}', pid file ${JN_PIDFILE}: '${JN_ARGS}', ignored dir exists: $([[ -e "${T}/ignored" ]] && echo yes || echo no)"
fi
run env HDFS_JOURNALNODE_USER=hdfs "${HDFS}" --daemon status journalnode
expect "root, HDFS_JOURNALNODE_USER=hdfs: status through hdfs, exit 0" 0 "" ""
run "${HDFS}" --daemon status journalnode
expect "root without the variable looks at root's pid file: exit 3" 3 "" ""
run env HDFS_JOURNALNODE_USER=hdfs "${HDFS}" --daemon stop journalnode
if [[ ${RC} -eq 0 && -z "${OUT}${ERR}" && ! -f "${JN_PIDFILE}" ]] && ! kill -0 "${JN_PID}" 2>/dev/null; then
  pass "root, HDFS_JOURNALNODE_USER=hdfs: stop through hdfs, JVM gone, pid file removed"
else
  fail "root stop as hdfs: exit ${RC}, '${OUT}${ERR}'"
  kill -9 "${JN_PID}" 2>/dev/null || true
fi

run env HDFS_JOURNALNODE_USER=hdfs "${HDFS}" --config "${T}/nojava" --daemon start journalnode
expect "root with JAVA_HOME exported but not in hadoop-env.sh: the re-run launcher has none" 1 "" \
  "ERROR: JAVA_HOME is not set and could not be found."

echo "launcher users: ${PASSED} passed, ${FAILED} failed"
[[ ${FAILED} -eq 0 ]]
