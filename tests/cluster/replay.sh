#!/usr/bin/env bash
# Replay on the sandbox:
#  1. on a healthy cluster, `herd replay --from namenode-format` skips the
#     format (guard) and verifies the rest: nothing reformatted;
#  2. herd killed with SIGKILL in the middle of `herd restart datanode`:
#     `herd replay` finishes the restart, every DataNode restarted once;
#  3. from bare hosts, a JournalNode host frozen (container paused) when the
#     bring-up reaches the JournalNodes: `herd up` fails at that stage naming
#     the host; after unpausing, `herd replay` completes the bring-up with
#     every earlier stage skipped (ZooKeeper not restarted, nothing
#     reformatted) and the cluster ends healthy.
# Expects a healthy cluster on entry; leaves one (with the JournalNode layout
# of part 3) on exit.
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version() { root_on master1 'grep -E "^(clusterID|namespaceID)=" /data/hadoop/hdfs/name/current/VERSION | sort'; }
task_lines() { grep '"event":"task_finished"' "$1/events.jsonl"; }

# 1. --from namenode-format on a healthy cluster.
up_run="$(grep -l '"kind":"up"' "${HERD_STATE_DIR}"/runs/*/events.jsonl | sort | tail -n 1 | xargs dirname)"
before="$(version)"
herd replay "$(basename "${up_run}")" --from namenode-format -i "${INV}" -q
check "replay --from namenode-format on a healthy cluster exits 0" test $? -eq 0
run="$(newest_run)"
check "the format was skipped by its guard" grep -q '"stage":"namenode-format".*"outcome":"skipped"' <(task_lines "${run}")
check "clusterID and namespaceID unchanged" test "$(version)" = "${before}"
check "the replay journal says which run it continues" grep -q "\"continues\":\"$(basename "${up_run}")\"" "${run}/events.jsonl"

# 2. SIGKILL during a rolling DataNode restart, then replay.
dn_pids() { local n; for n in worker1 worker2 worker3; do echo "$n $(daemon_pid "$n" datanode)"; done; }
pids0="$(dn_pids)"
"${HERD}" restart datanode -i "${INV}" -q &
herd_pid=$!
# Kill it once the first DataNode has been restarted and before the last.
for _ in $(seq 600); do
  r="$(newest_run)"
  if [[ -f "${r}/events.jsonl" ]] && grep -q '"kind":"restart"' "${r}/events.jsonl" &&
    [[ "$(grep -c '"event":"gate_passed"' "${r}/events.jsonl")" -ge 1 ]]; then
    break
  fi
  sleep 0.2
done
kill -9 "${herd_pid}" 2>/dev/null
wait "${herd_pid}" 2>/dev/null
killed_run="$(newest_run)"
check "the killed restart is listed as incomplete" grep -q "$(basename "${killed_run}").*incomplete" <(herd runs)
herd replay -i "${INV}" -q
check "herd replay finishes the restart (exit 0)" test $? -eq 0
pids1="$(dn_pids)"
changed=0
while read -r host pid; do
  old="$(awk -v h="${host}" '$1 == h { print $2 }' <<<"${pids0}")"
  [[ "${pid}" != "${old}" ]] && changed=$((changed + 1))
done <<<"${pids1}"
check "every DataNode runs a new process (3 of 3 restarted)" test "${changed}" -eq 3
# A restart task counts once it started on the host: a task cut off by the
# kill may still have finished there, which is what the restart's own guard
# (skip a daemon already restarted by this restart) is for.
starts_per_host=""
for h in worker1 worker2 worker3; do
  lines="$(cat "${killed_run}/events.jsonl" "$(newest_run)/events.jsonl" | grep '"event":"task_finished"' | grep '"stage":"datanode-batch-' | grep "\"host\":\"${h}\"")"
  n=$(($(grep -c '"outcome":"ok"' <<<"${lines}") + $(grep -c '"skip":"unless"' <<<"${lines}")))
  starts_per_host+="${h}=${n} "
done
echo "start tasks per host: ${starts_per_host}"
check "each DataNode was started exactly once across the run and its replay" test "$(grep -o '=[0-9]*' <<<"${starts_per_host}" | sort -u)" = "=1"

# 3. A JournalNode host frozen during a bring-up from bare hosts.
inv3="$(mktemp --suffix=.yaml)"
# Same cluster with the third JournalNode on worker3, so the frozen host runs
# no ZooKeeper: the failure lands on the JournalNode stage itself.
python3 - "${INV}" "${inv3}" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
base = sys.argv[1].rsplit("/", 1)[0]
# Relative paths in the copy must still point where the original's do.
text = text.replace("../../", base + "/../../")
text = re.sub(r"(name: master3,.*roles: \[zookeeper, )journalnode, ", r"\1", text)
text = text.replace("{ name: worker3, address: 172.30.0.23, user: root, roles: [datanode",
                    "{ name: worker3, address: 172.30.0.23, user: root, roles: [journalnode, datanode")
open(sys.argv[2], "w").write(text)
PY
grep -q 'worker3, address: 172.30.0.23, user: root, roles: \[journalnode' "${inv3}" || fail "could not write the JournalNode-on-worker3 inventory"
"${ROOT}/sandbox/sandbox.sh" reset >/dev/null 2>&1
"${HERD}" up -i "${inv3}" -q >"${inv3}.out" 2>&1 &
herd_pid=$!
for _ in $(seq 1500); do
  r="$(newest_run)"
  [[ -f "${r}/events.jsonl" ]] && grep -q '"event":"stage_finished","stage":"configs"' "${r}/events.jsonl" && break
  sleep 0.1
done
worker3="$(docker ps --format '{{.Names}}' | grep -E '(^|[-_])worker3([-_]|$)' | head -n 1)"
# The cgroup freezer gives up ("unable to freeze") when a task does not
# stop in time, as a JVM starting on a loaded machine can; try again.
paused=no
for _ in 1 2 3 4 5 6 7 8 9 10; do
  docker pause "${worker3}" >/dev/null 2>&1
  [[ "$(docker inspect -f '{{.State.Paused}}' "${worker3}")" == true ]] && { paused=yes; break; }
  sleep 0.3
done
check "worker3 is frozen (docker pause)" test "${paused}" = yes
wait "${herd_pid}"
rc=$?
[[ ${paused} == yes ]] && docker unpause "${worker3}" >/dev/null
cat "${inv3}.out" | tail -n 5
failed_run="$(newest_run)"
check "herd up with a frozen JournalNode host exits 1" test "${rc}" -eq 1
# The freeze lands either mid-command (the task fails) or just after it (the
# gate fails, listing worker3 on a line of its own): both name stage and host.
names_stage_and_host() { grep -q "stage 'journalnode'" "${inv3}.out" && grep -q worker3 "${inv3}.out"; }
check "the error names the journalnode stage and worker3" names_stage_and_host
zk_before="$(for n in master1 master2 master3; do daemon_pid "$n" zookeeper; done)"
herd replay -i "${inv3}" -q
check "herd replay completes the bring-up (exit 0)" test $? -eq 0
replay_run="$(newest_run)"
check "the replay continues the failed run" grep -q "\"continues\":\"$(basename "${failed_run}")\"" "${replay_run}/events.jsonl"
check "the replay skipped the stages the failed run finished (preflight replayed)" grep -q '"stage":"preflight".*"skip":"replayed"' <(task_lines "${replay_run}")
check "ZooKeeper was not restarted" test "$(for n in master1 master2 master3; do daemon_pid "$n" zookeeper; done)" = "${zk_before}"
check "the replay formatted the NameNode once (nothing existed before)" test "$(grep -c '"stage":"namenode-format".*"outcome":"ok"' <(task_lines "${replay_run}"))" -eq 1
herd status -i "${inv3}" >/dev/null
check "the cluster ends healthy (herd status exit 0)" test $? -eq 0
rm -f "${inv3}" "${inv3}.out"

summary replay
