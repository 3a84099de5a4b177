#!/usr/bin/env bash
# herd smoke on a running cluster (after bringup): an unknown --only check
# is refused before anything runs; every check passes (--json, whose times
# are printed) and leaves no znode, HDFS file or local copy behind; with
# every NodeManager stopped the yarn check fails at once naming the reason
# (exit 1, within a bounded time) and the JobHistory check, which has no
# job to look for, is skipped (the spark check fails the same way); with
# them started again every check passes. The spark check's number and the
# history server's entry for its job are printed.
# Ends "smoke: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

OUT="$(mktemp /tmp/herd-smoke.XXXXXX)"
NODEMANAGERS=(worker1 worker2 worker3)
CHECKS=(zookeeper hdfs yarn jobhistory spark mesos)
# smoke ARGS: herd smoke into OUT; sets RC and TOOK (seconds).
smoke() {
  local t0
  t0=$(date +%s)
  timeout 600 "${HERD}" smoke -i "${INV}" "$@" >"${OUT}" 2>&1
  RC=$?
  TOOK=$(($(date +%s) - t0))
}

# nodemanager stop|start NODE: as herd runs it there (its systemd unit, or
# the launcher's --daemon on the host without systemd).
nodemanager() {
  if node_is_systemd "$2"; then
    root_on "$2" "systemctl $1 $(unit_of nodemanager)"
  else
    root_on "$2" "runuser -u yarn -- /opt/hadoop/bin/yarn --daemon $1 nodemanager"
  fi
}
# active_nodemanagers: the active ResourceManager's count of active NodeManagers.
active_nodemanagers() {
  local rm
  rm="$(active_resourcemanager)"
  [[ -n "${rm}" ]] || { echo -1; return; }
  http_body "${rm}" 8088 /ws/v1/cluster/metrics | py "d['clusterMetrics']['activeNodes']" 2>/dev/null || echo -1
}
# answering: how many NodeManagers answer on their web port.
answering() {
  local n c=0
  for n in "${NODEMANAGERS[@]}"; do
    http "$n" 8042 /ws/v1/node/info 2>/dev/null | head -n 1 | grep -q ' 200 ' && c=$((c + 1))
  done
  echo "${c}"
}
none_answers() { [[ "$(answering)" == 0 ]]; }
all_back() { [[ "$(answering)" == 3 && "$(active_nodemanagers)" == 3 ]]; }
# wait_for SECONDS CMD...: polls CMD until it succeeds.
wait_for() {
  local i limit="$1"
  shift
  for ((i = 0; i < limit; i++)); do
    "$@" && return 0
    sleep 1
  done
  return 1
}
start_all() { local n; for n in "${NODEMANAGERS[@]}"; do nodemanager start "$n" >/dev/null 2>&1; done; }
# Whatever happens, the scenarios after this one get their NodeManagers back.
trap 'start_all; rm -f "${OUT}"' EXIT

# results_of FILE: "check result seconds" per check of a --json document.
results_of() {
  python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for c in d["checks"]:
    print(c["check"], c["result"], c["seconds"])' "$1"
}
result_of() { results_of "${OUT}" | awk -v c="$1" '$1 == c { print $2 }'; }
# times: the checks' wall times on one line, from a --json document.
times() { results_of "$1" | awk '{ printf "%s%s %s s", (NR > 1 ? ", " : ""), $1, $3 } END { print "" }'; }

# --- 1. refused before anything runs
smoke --only zookeeper,nosuch
check "--only nosuch: exit 2 naming the checks (exit ${RC})" \
  eval '[[ ${RC} -eq 2 ]] && grep -q "no check .nosuch. (checks: zookeeper, hdfs, yarn, jobhistory, spark, mesos)" "${OUT}"'

# --- 2. every check passes
smoke --json
check "herd smoke --json: exit 0 (${TOOK} s)" test "${RC}" -eq 0
check "--json parses, passed: true" eval '[[ "$(py "d[\"passed\"]" <"${OUT}")" == True ]]'
echo "  check wall times: $(times "${OUT}")"
for c in "${CHECKS[@]}"; do
  check "${c}: pass" eval '[[ "$(result_of "${c}")" == pass ]]'
done
check "the mesos verdict says it checks membership only" \
  eval 'py "[c[\"detail\"] for c in d[\"checks\"] if c[\"check\"] == \"mesos\"][0]" <"${OUT}" | grep -q "membership only"'
check "the yarn verdict names the SleepJob and its state" \
  eval 'py "[c[\"detail\"] for c in d[\"checks\"] if c[\"check\"] == \"yarn\"][0]" <"${OUT}" | grep -Eq "^SleepJob job_[0-9]+_[0-9]+ .* SUCCEEDED"'
spark_detail="$(py "[c[\"detail\"] for c in d[\"checks\"] if c[\"check\"] == \"spark\"][0]" <"${OUT}")"
echo "  spark: ${spark_detail}"
check "the Spark job's number is near pi" eval '[[ "${spark_detail}" =~ Pi\ is\ roughly\ 3\.1[0-9]*\ \(application_[0-9]+_[0-9]+ ]]'
check "the history server listed the Spark job as completed" eval '[[ "${spark_detail}" == *"listed completed by the history server on master3:18080"* ]]'
check "no Spark event log left" eval '! root_on master3 "runuser -u spark -- /opt/hadoop/bin/hdfs dfs -ls /spark-history" 2>/dev/null | grep -q application_'
run_name="herd-smoke-$(py "d['run']" <"${OUT}")"
check "no znode left (/${run_name})" eval \
  '! root_on master1 "runuser -u zookeeper -- /opt/zookeeper/bin/zkCli.sh -server master1:2181 ls /" 2>/dev/null | grep -q "herd-smoke-"'
check "no HDFS file left under /tmp" eval '! hdfs_on master1 "dfs -ls /tmp" 2>/dev/null | grep -q "herd-smoke-"'
for n in master1 master3; do
  check "no local copy left on ${n}" eval '[[ -z "$(on "${n}" "ls /tmp/${run_name}* 2>/dev/null")" ]]'
done

# --- 3. every NodeManager stopped: the yarn check fails, fast and named
for n in "${NODEMANAGERS[@]}"; do nodemanager stop "$n" >/dev/null 2>&1; done
# Stopped under systemd with recovery on, a NodeManager does not unregister:
# the ResourceManager keeps counting it for its liveness expiry (10 min).
# What counts is that none answers any more.
check "no NodeManager answers on 8042" wait_for 60 none_answers
smoke
check "herd smoke without NodeManagers: exit 1 (exit ${RC}, ${TOOK} s)" test "${RC}" -eq 1
check "the yarn check fails naming the reason" \
  grep -Eq "^yarn +FAIL .*(has no active NodeManager \(0 of 3 in service|none of the 3 NodeManagers in service answers)" "${OUT}"
check "the spark check fails too, naming the same reason" \
  grep -Eq "^spark +FAIL .*(has no active NodeManager \(0 of 3 in service|none of the 3 NodeManagers in service answers)" "${OUT}"
check "the closing line names the yarn and spark checks" grep -q "^smoke: 3 passed, 2 failed, 1 skipped .*(failed: yarn, spark)$" "${OUT}"
check "the JobHistory check is skipped, not failed" grep -Eq "^jobhistory +skipped .*no MapReduce job to look for" "${OUT}"
check "the ResourceManager's log tail is shown" grep -q "hadoop-yarn-resourcemanager-master[12].log (last lines):" "${OUT}"
check "the failure comes within 60 s (${TOOK} s)" test "${TOOK}" -lt 60
grep -E "^(yarn|spark|jobhistory) " "${OUT}" | sed 's/^/    /'
[[ ${RC} -eq 1 ]] || sed 's/^/    /' "${OUT}"

# --- 4. started again: every check passes
start_all
# Counted by the ResourceManager all along (recovery): each must answer too.
check "the three NodeManagers answer on 8042 and are counted again" wait_for 120 all_back
smoke
check "herd smoke with the NodeManagers back: exit 0 (${TOOK} s)" test "${RC}" -eq 0
for c in "${CHECKS[@]}"; do
  check "${c}: pass" grep -Eq "^${c} +pass +[0-9.]+ s " "${OUT}"
done
echo "  check wall times: $(awk '$2 == "pass" { printf "%s%s %s s", (n++ ? ", " : ""), $1, $3 } END { print "" }' "${OUT}")"
check "the closing line: 6 passed" grep -q "^smoke: 6 passed, 0 failed, 0 skipped" "${OUT}"
[[ ${RC} -eq 0 ]] || sed 's/^/    /' "${OUT}"

summary smoke
