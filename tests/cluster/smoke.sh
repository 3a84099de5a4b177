#!/usr/bin/env bash
# herd smoke on a running cluster (after bringup): an unknown --only check
# is refused before anything runs; every check passes (--json, whose times
# are printed) and leaves no znode, HDFS file or local copy behind; with
# every NodeManager stopped the yarn check fails at once naming the reason
# (no NodeManager answers, though the ResourceManager still lists them:
# exit 1, within a bounded time) and the JobHistory check, which has no
# job to look for, is skipped; with them started again every check passes.
# Ends "smoke: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

OUT="$(mktemp /tmp/herd-smoke.XXXXXX)"
NODEMANAGERS=(worker1 worker2 worker3)
CHECKS=(zookeeper hdfs yarn jobhistory mesos)
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
    [[ -n "$(http "$n" 8042 /ws/v1/node/info)" ]] && c=$((c + 1))
  done
  echo "${c}"
}
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
none_answers() { [[ "$(answering)" == 0 ]]; }
all_back() { [[ "$(answering)" == 3 && "$(active_nodemanagers)" == 3 ]]; }
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
  eval '[[ ${RC} -eq 2 ]] && grep -q "no check .nosuch. (checks: zookeeper, hdfs, yarn, jobhistory, mesos)" "${OUT}"'

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
run_name="herd-smoke-$(py "d['run']" <"${OUT}")"
check "no znode left (/${run_name})" eval \
  '! root_on master1 "runuser -u zookeeper -- /opt/zookeeper/bin/zkCli.sh -server master1:2181 ls /" 2>/dev/null | grep -q "herd-smoke-"'
check "no HDFS file left under /tmp" eval '! hdfs_on master1 "dfs -ls /tmp" 2>/dev/null | grep -q "herd-smoke-"'
for n in master1 master3; do
  check "no local copy left on ${n}" eval '[[ -z "$(on "${n}" "ls /tmp/${run_name}* 2>/dev/null")" ]]'
done

# --- 3. every NodeManager stopped: the yarn check fails, fast and named
for n in "${NODEMANAGERS[@]}"; do nodemanager stop "$n" >/dev/null 2>&1; done
# Stopped with recovery supervised, they do not unregister: the
# ResourceManager lists them RUNNING until their liveness expires (10 min).
check "no NodeManager answers any more" wait_for 60 none_answers
smoke
check "herd smoke without NodeManagers: exit 1 (exit ${RC}, ${TOOK} s)" test "${RC}" -eq 1
check "the yarn check fails naming the reason" \
  grep -Eq "^yarn +FAIL +[0-9.]+ s +(no NodeManager answers \(worker1: nothing listens on worker1:8042; worker2: .*\)|the active ResourceManager rm[12] \(master[12]\) has no active NodeManager)" "${OUT}"
check "the closing line names the yarn check" grep -q "^smoke: 3 passed, 1 failed, 1 skipped .*(failed: yarn)$" "${OUT}"
check "the JobHistory check is skipped, not failed" grep -Eq "^jobhistory +skipped .*no MapReduce job to look for" "${OUT}"
check "the ResourceManager's log tail is shown" grep -q "hadoop-yarn-resourcemanager-master[12].log (last lines):" "${OUT}"
check "the failure comes within 60 s (${TOOK} s)" test "${TOOK}" -lt 60
grep -E "^(yarn|jobhistory) " "${OUT}" | sed 's/^/    /'
[[ ${RC} -eq 1 ]] || sed 's/^/    /' "${OUT}"

# --- 4. started again: every check passes
start_all
check "the three NodeManagers answer and are RUNNING again" wait_for 120 all_back
smoke
check "herd smoke with the NodeManagers back: exit 0 (${TOOK} s)" test "${RC}" -eq 0
for c in "${CHECKS[@]}"; do
  check "${c}: pass" grep -Eq "^${c} +pass +[0-9.]+ s " "${OUT}"
done
echo "  check wall times: $(awk '$2 == "pass" { printf "%s%s %s s", (n++ ? ", " : ""), $1, $3 } END { print "" }' "${OUT}")"
check "the closing line: 5 passed" grep -q "^smoke: 5 passed, 0 failed, 0 skipped" "${OUT}"
[[ ${RC} -eq 0 ]] || sed 's/^/    /' "${OUT}"

summary smoke
