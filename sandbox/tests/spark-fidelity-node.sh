#!/usr/bin/env bash
# The Spark distribution as herd installs and runs it (operations.md
# section 16): unpacked to /opt/spark-<v>-bin-hadoop3, linked from
# /opt/spark, configured only through conf/spark-env.sh and
# conf/spark-defaults.conf. Runs as root INSIDE a throwaway container of the
# sandbox's node image (no network), started by spark-fidelity.sh with the
# tarball at /dist/spark.tgz and this directory at /fidelity. Prints
# PASS/FAIL lines.
set -euo pipefail

# shellcheck source=lib.sh
. /fidelity/lib.sh

V="${1:?usage: spark-fidelity-node.sh SPARK_VERSION}"
tar -C /opt -xzf /dist/spark.tgz
ln -s "spark-${V}-bin-hadoop3" /opt/spark
S=/opt/spark
JAVA_HOME="$(dirname "$(dirname "$(readlink -f /usr/bin/java)")")"
# A login shell has USER; `docker run` does not, and spark-daemon.sh names
# its pid and log files after it.
export JAVA_HOME USER=root
unset SPARK_HOME SPARK_CONF_DIR HADOOP_CONF_DIR
T="$(mktemp -d)"
EV=/tmp/ev
HS=org.apache.spark.deploy.history.HistoryServer
PIDFILE="/tmp/spark-root-${HS}-1.pid"
OUTFILE="${S}/logs/spark-root-${HS}-1-${HOSTNAME}.out"

# The configuration herd renders, in the default SPARK_CONF_DIR.
mkdir -p /etc/hadoop/conf "${EV}"
cat >"${S}/conf/spark-env.sh" <<ENV
JAVA_HOME=${JAVA_HOME}
HADOOP_CONF_DIR=/etc/hadoop/conf
SPARK_DAEMON_MEMORY=192m
ENV
cat >"${S}/conf/spark-defaults.conf" <<CONF
spark.history.fs.logDirectory    file:${EV}
CONF

# run CMD...: sets RC, OUT (stdout) and ERR (stderr).
run() {
  RC=0
  "$@" >"${T}/stdout" 2>"${T}/stderr" || RC=$?
  OUT="$(cat "${T}/stdout")"
  ERR="$(cat "${T}/stderr")"
}

hs_pid() { cat "${PIDFILE}" 2>/dev/null; }
hs_alive() { [[ "$(ps -o comm= -p "$(hs_pid)" 2>/dev/null)" == java ]]; }
hs_dead() { ! hs_alive; }

t0="$(date +%s)"

# --- version ------------------------------------------------------------------
run "${S}/bin/spark-submit" --version
if [[ ${RC} -eq 0 && "${ERR}" == *"version ${V}"* && "${ERR}" == *"Using Scala version 2.12."* ]]; then
  pass "bin/spark-submit --version: exit 0, names Spark ${V} and Scala 2.12"
else
  fail "spark-submit --version: exit ${RC}; stderr: $(tail -n 5 <<<"${ERR}")"
fi

# --- the smoke job, local, with event logging ------------------------------------
run "${S}/bin/spark-submit" --master 'local[1]' --driver-memory 512m \
  --conf spark.eventLog.enabled=true --conf "spark.eventLog.dir=file:${EV}" \
  --class herd.smoke.Pi "${S}/examples/jars/herd-smoke.jar" 2
PI="$(sed -n 's/^Pi is roughly \([0-9.]*\)$/\1/p' <<<"${OUT}")"
APP="$(sed -n 's/^Application id: \(local-[0-9]*\)$/\1/p' <<<"${OUT}")"
if [[ ${RC} -eq 0 && -n "${PI}" && -n "${APP}" && "$(wc -l <<<"${OUT}")" -eq 2 ]] &&
  awk -v p="${PI}" 'BEGIN { d = p - 3.14159265; exit !(d < 0.1 && d > -0.1) }'; then
  pass "spark-submit --master local[1] herd.smoke.Pi: exit 0, stdout is 'Pi is roughly ${PI}' and 'Application id: ${APP}', nothing else"
else
  fail "herd.smoke.Pi: exit ${RC}; stdout '${OUT}'; stderr tail: $(grep -v '^\s*at ' <<<"${ERR}" | tail -n 5)"
fi
if [[ -n "${APP}" && -f "${EV}/${APP}" ]] && grep -q '"App Name":"herd smoke Pi"' "${EV}/${APP}"; then
  pass "event log ${EV}/${APP} written, with the app name 'herd smoke Pi'"
else
  fail "event log for '${APP}' missing in ${EV}: $(ls "${EV}")"
fi

# --- history server, missing log directory ------------------------------------------
# The JVM binds 18080 and logs "Bound HistoryServer" before it checks the log
# directory, then dies about a second later; whether spark-daemon.sh's one
# check (2 s after the JVM shows up) sees it die is a race either way, and
# the script exits 0 both ways.
run env SPARK_HISTORY_OPTS="-Dspark.history.fs.logDirectory=file:/tmp/no-such-dir" \
  "${S}/sbin/start-history-server.sh"
START_RC=${RC} START_OUT="${OUT}"
if [[ ${START_RC} -eq 0 && "${START_OUT}" == "starting ${HS}, logging to ${OUTFILE}"* ]] &&
  wait_for 20 hs_dead && [[ -f "${PIDFILE}" ]] &&
  grep -q 'Log directory specified does not exist: file:/tmp/no-such-dir' "${OUTFILE}"; then
  if [[ "${START_OUT}" == *"failed to launch: "* ]]; then seen="printed 'failed to launch'"; else seen="missed the death"; fi
  pass "start-history-server.sh, missing spark.history.fs.logDirectory: exit 0 (${seen}), JVM gone, pid file left, .out has 'Log directory specified does not exist: file:/tmp/no-such-dir'"
else
  fail "missing log dir: start exit ${START_RC}, output '${START_OUT}', alive: $(hs_alive && echo yes || echo no); .out: $(grep -v '^\s*at ' "${OUTFILE}" 2>/dev/null | tail -n 3)"
fi
if grep -q 'Bound HistoryServer to 0.0.0.0, and started at' "${OUTFILE}"; then
  pass "the dying history server logged 'Bound HistoryServer ... started at' first: the bind line is no proof of a healthy server"
else
  fail "the dying history server logged no bind line (the order changed?)"
fi
run "${S}/sbin/spark-daemon.sh" status "${HS}" 1
if [[ ${RC} -eq 1 && "${OUT}" == "${PIDFILE} file is present but ${HS} not running" ]]; then
  pass "spark-daemon.sh status after that: exit 1, 'file is present but ... not running'"
else
  fail "status after the failed start: exit ${RC}, '${OUT}'"
fi

# --- history server, the real log directory ------------------------------------------
run "${S}/sbin/start-history-server.sh"
hs_serves() { curl -sf -m 2 -o "${T}/apps.json" http://localhost:18080/api/v1/applications; }
if [[ ${RC} -eq 0 && "${OUT}" != *"failed to launch"* ]] && wait_for 60 hs_serves && sleep 3 && hs_alive; then
  pass "start-history-server.sh with conf/spark-defaults.conf's log dir: exit 0, serves :18080/api/v1, still alive"
else
  fail "history server: start exit ${RC}, '${OUT}'; .out: $(grep -v '^\s*at ' "${OUTFILE}" 2>/dev/null | tail -n 3)"
fi
ARGS="$(ps -o args= -p "$(hs_pid)" 2>/dev/null || true)"
if [[ "${ARGS}" == *" -cp ${S}/conf/:${S}/jars/*:/etc/hadoop/conf/ "* && "${ARGS}" == *" -Xmx192m "* &&
  "${ARGS}" == *" ${HS}" ]]; then
  pass "history server JVM: classpath conf/, jars/*, HADOOP_CONF_DIR from spark-env.sh; -Xmx from SPARK_DAEMON_MEMORY"
else
  fail "history server JVM command line: ${ARGS}"
fi
has_app() { hs_serves && grep -q "\"id\" : \"${APP}\"" "${T}/apps.json"; }
if [[ -n "${APP}" ]] && wait_for 30 has_app && grep -q '"name" : "herd smoke Pi"' "${T}/apps.json" &&
  grep -q '"completed" : true' "${T}/apps.json" && [[ "$(head -c 1 "${T}/apps.json")" == "[" ]]; then
  pass "GET /api/v1/applications: a JSON list with ${APP}, named 'herd smoke Pi', completed"
else
  fail "/api/v1/applications: $(tr -d '\n' <"${T}/apps.json" 2>/dev/null | head -c 400)"
fi
VERSION_JSON="$(curl -sf -m 2 http://localhost:18080/api/v1/version | tr -d ' \n' || true)"
if [[ "${VERSION_JSON}" == "{\"spark\":\"${V}\"}" ]]; then
  pass "GET /api/v1/version: {\"spark\" : \"${V}\"}"
else
  fail "/api/v1/version: '${VERSION_JSON}'"
fi

HS_PID="$(hs_pid)"
run "${S}/sbin/start-history-server.sh"
if [[ ${RC} -eq 1 && "${OUT}" == "${HS} running as process ${HS_PID}.  Stop it first." ]]; then
  pass "second start refused: exit 1, '${HS} running as process N.  Stop it first.'"
else
  fail "second start: exit ${RC}, '${OUT}'"
fi

run "${S}/sbin/stop-history-server.sh"
gone() { ! kill -0 "${HS_PID}" 2>/dev/null; }
if [[ ${RC} -eq 0 && "${OUT}" == "stopping ${HS}" && ! -f "${PIDFILE}" ]] && wait_for 20 gone; then
  pass "stop-history-server.sh: 'stopping ${HS}', pid file removed, JVM gone after SIGTERM"
else
  fail "stop: exit ${RC}, '${OUT}', pid file present: $([[ -f "${PIDFILE}" ]] && echo yes || echo no)"
fi

# --- foreground, as a supervisor runs it -------------------------------------------------
"${S}/bin/spark-class" "${HS}" >"${T}/fg.out" 2>"${T}/fg.err" </dev/null &
FG=$!
fg_serves() { curl -sf -m 2 -o /dev/null http://localhost:18080/api/v1/version; }
if wait_for 60 fg_serves && [[ "$(readlink "/proc/${FG}/exe" 2>/dev/null)" == */java && ! -f "${PIDFILE}" ]]; then
  pass "bin/spark-class ${HS} in the foreground: the launcher's own pid exec'd java, serves :18080, no pid file"
else
  fail "foreground history server: pid ${FG}, exe '$(readlink "/proc/${FG}/exe" 2>/dev/null)'; stderr: $(tail -n 3 "${T}/fg.err")"
fi
kill -TERM "${FG}" 2>/dev/null || true
FG_RC=0
wait "${FG}" || FG_RC=$?
if [[ ${FG_RC} -eq 143 ]] && grep -q 'RECEIVED SIGNAL TERM' "${T}/fg.err" && ! fg_serves; then
  pass "SIGTERM to the foreground history server: 'RECEIVED SIGNAL TERM', exit 143, port closed"
else
  fail "SIGTERM to the foreground history server: exit ${FG_RC}; stderr tail: $(tail -n 3 "${T}/fg.err")"
fi

# --- Mesos master without spark-mesos --------------------------------------------------
run "${S}/bin/spark-submit" --master mesos://zk://h:2181/mesos --driver-memory 512m \
  --class herd.smoke.Pi "${S}/examples/jars/herd-smoke.jar" 2
if [[ ${RC} -eq 1 && -z "${OUT}" && "${ERR}" == *"Exception in thread \"main\" org.apache.spark.SparkException: Could not parse Master URL: 'mesos://zk://h:2181/mesos'"* ]]; then
  pass "--master mesos://zk://h:2181/mesos: exit 1, SparkException 'Could not parse Master URL' (no spark-mesos in jars/)"
else
  fail "mesos master: exit ${RC}; stdout '${OUT}'; stderr: $(grep -v '^\s*at ' <<<"${ERR}" | grep -m 3 -i 'exception\|error')"
fi

echo "spark node cases: ${PASSED} passed, ${FAILED} failed ($(($(date +%s) - t0))s)"
[[ ${FAILED} -eq 0 ]]
