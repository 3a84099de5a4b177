#!/usr/bin/env bash
# What production identity gives the running cluster, on the sandbox the
# bring-up left (admin with sudo on the systemd hosts, root on worker3):
#  1. kill -9 of a DataNode and of the active NameNode: systemd starts each
#     again, and herd status is healthy again without herd doing anything;
#  2. a reboot (docker restart) of a worker, then of a master: every daemon
#     comes back by itself and the cluster is healthy (time to healthy);
#  3. a MapReduce job submitted by a user who is not root succeeds;
#  4. a host where admin may not use sudo: herd check says so, and herd up
#     stops before anything runs anywhere, naming host and stage;
#  5. an operator whose sudo asks for a password: --ask-become-pass reads
#     it once from stdin, and it reaches no journal.
# Ends "supervision: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

healthy() { timeout 60 "${HERD}" status -i "${INV}" -q >/dev/null 2>&1; }
# until_healthy SECONDS: waits for herd status to exit 0; prints the seconds taken.
until_healthy() {
  local t0=${SECONDS}
  while ((SECONDS - t0 < $1)); do
    healthy && { echo $((SECONDS - t0)); return 0; }
    sleep 2
  done
  echo $((SECONDS - t0))
  return 1
}
# new_pid NODE ROLE OLD SECONDS: waits for the daemon to run with a pid other
# than OLD; prints it.
new_pid() {
  local t0=${SECONDS} p
  while ((SECONDS - t0 < $4)); do
    p="$(daemon_pid "$1" "$2")"
    [[ -n "${p}" && "${p}" != "$3" ]] && { echo "${p}"; return 0; }
    sleep 0.5
  done
  return 1
}
container() { docker ps --format '{{.Names}}' | grep -E "(^|[-_])$1([-_]|\$)" | head -n 1; }

check "the cluster is healthy to begin with" healthy

# --- 1. kill -9: systemd restarts the daemon
for target in "worker1 datanode" "$(active_namenode) namenode"; do
  read -r node role <<<"${target}"
  [[ -n "${role}" ]] || { fail "no active NameNode to kill"; continue; }
  old="$(daemon_pid "${node}" "${role}")"
  t0=${SECONDS}
  root_on "${node}" "kill -9 ${old}"
  if pid="$(new_pid "${node}" "${role}" "${old}" 60)"; then
    pass "systemd started the ${role} on ${node} again after kill -9 (pid ${old} -> ${pid}, $((SECONDS - t0)) s)"
  else
    fail "the ${role} on ${node} did not come back within 60 s of kill -9 (was ${old})"
  fi
  took="$(until_healthy 180)"
  check "herd status healthy again ${took} s after killing the ${role} on ${node}, herd not run" test $? -eq 0
done
check "after the NameNode kill, one NameNode is active" test "$(active_namenode | wc -l)" -eq 1

# --- 2. reboots: everything comes back by itself
for node in worker1 master1; do
  t0=${SECONDS}
  sandbox/sandbox.sh reboot "${node}" | sed 's/^/  /'
  took="$(until_healthy 240)"
  ok=$?
  echo "time to healthy after rebooting ${node}: $((SECONDS - t0)) s (status polled for ${took} s after the host was up)"
  check "herd status healthy after rebooting ${node} ($((SECONDS - t0)) s), herd not run" test "${ok}" -eq 0
  gone="$(pids "${node}" | awk '{print $1}' | sort | tr '\n' ' ')"
  echo "  ${node} runs: ${gone}"
done

# --- 3. a MapReduce job as a user who is not root
jar="${ROOT}/.cache/test-jars/hadoop-mapreduce-examples.jar"
if [[ ! -f "${jar}" ]]; then
  mkdir -p "$(dirname "${jar}")"
  # 3.5.0's examples are not on Maven Central; 3.4.2's run on 3.5 unchanged.
  mvn -q -B dependency:copy -Dartifact=org.apache.hadoop:hadoop-mapreduce-examples:3.4.2 \
    -DoutputDirectory="$(dirname "${jar}")" >/dev/null 2>&1 &&
    mv "$(dirname "${jar}")/hadoop-mapreduce-examples-3.4.2.jar" "${jar}"
fi
if [[ -f "${jar}" ]]; then
  node_scp master3 "${jar}" /tmp/examples.jar
  hdfs_on master1 "dfs -mkdir -p /user/admin && runuser -u hdfs -- /opt/hadoop/bin/hdfs dfs -chown admin /user/admin" >/dev/null 2>&1
  job="$(on master3 '/opt/hadoop/bin/yarn jar /tmp/examples.jar pi 2 20' 2>&1)"
  rc=$?
  grep -E 'Job job_.* completed|Estimated value' <<<"${job}" | sed 's/^/  /'
  check "a MapReduce job submitted by admin succeeds" test "${rc}" -eq 0
  check "it computed pi" grep -q 'Estimated value of Pi is 3' <<<"${job}"
  apps="$(yarn_on master1 application -list -appStates FINISHED 2>/dev/null)"
  check "YARN ran it as admin" grep -qE 'QuasiMonteCarlo.*admin' <<<"${apps}"
else
  fail "no MapReduce examples jar (mvn dependency:copy failed)"
fi

# --- 4. a host where admin may not use sudo
w2="$(container worker2)"
# A restricted sudoer, as production sudoers often are: some commands only.
# (Without any rule at all, sudo -n answers "a password is required": it
# authenticates before it looks the user up.)
docker exec "${w2}" mv /etc/sudoers.d/admin /root/sudoers-admin
docker exec "${w2}" sh -c 'echo "admin ALL=(root) NOPASSWD: /usr/bin/systemctl status *" > /etc/sudoers.d/admin-limited && chmod 440 /etc/sudoers.d/admin-limited'
restore_sudo() { docker exec "${w2}" sh -c "rm -f /etc/sudoers.d/admin-limited; [ ! -f /root/sudoers-admin ] || mv /root/sudoers-admin /etc/sudoers.d/admin"; }
trap restore_sudo EXIT
out="$(herd check -i "${INV}" 2>&1)"
rc=$?
grep worker2 <<<"${out}" | sed 's/^/  /'
check "herd check fails when a host refuses sudo" test "${rc}" -ne 0
check "herd check says worker2's sudo is not allowed" grep -qE '^worker2 .* not allowed \(as root\)' <<<"${out}"
before="$(newest_run)"
out="$(herd up -i "${INV}" 2>&1)"
rc=$?
echo "${out}" | tail -n 4 | sed 's/^/  /'
check "herd up fails when a host refuses sudo" test "${rc}" -ne 0
check "the error names worker2, the stage and sudo's refusal" grep -qE "worker2.*preflight.*not allowed|preflight.*worker2.*not allowed" <<<"${out}"
run="$(newest_run)"
no_task() { [[ "${run}" == "${before}" ]] || ! grep -q '"event":"task_started"' "${run}/events.jsonl"; }
check "nothing ran on any host" no_task
restore_sudo
check "herd check passes once sudo is back" herd check -i "${INV}" -q

# --- 5. sudo with a password, read once
ops_inv="$(mktemp --suffix=.yaml)"
base="$(dirname "${INV}")"
sed -e "s|\.\./\.\./|${base}/../../|g" -e 's/user: admin/user: ops/' "${INV}" >"${ops_inv}"
password="$(cat "${ROOT}/.cache/sandbox/ops-password")"
out="$(herd check -i "${ops_inv}" 2>&1)"
check "without --ask-become-pass, ops's hosts need a password" grep -qE '^master1 .* needs a password \(as root\)' <<<"${out}"
out="$(herd check -i "${ops_inv}" --ask-become-pass <"${ROOT}/.cache/sandbox/ops-password" 2>&1)"
check "with --ask-become-pass, sudo: ok" grep -qE '^master1 .* ok \(as root\)' <<<"${out}"
out="$(herd exec -i "${ops_inv}" --hosts master1,master2 --become --ask-become-pass -- id -un <"${ROOT}/.cache/sandbox/ops-password" 2>&1)"
check "herd exec --become as ops runs as root" grep -q '^root' <<<"$(sed 's/^.*: //' <<<"${out}")"
check "the password is in no journal or output" eval '! grep -rqF "${password}" "${HERD_STATE_DIR}" && ! grep -qF "${password}" <<<"${out}"'
rm -f "${ops_inv}"

summary supervision
