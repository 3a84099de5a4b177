#!/usr/bin/env bash
# Fidelity of the sandbox hosts to the production layout of issue 13 (spec
# operations.md section 13): systemd as PID 1 on master1-worker2 and tini on
# worker3; root login refused where systemd runs and allowed on worker3;
# admin with sudo without a password, ops with sudo behind the checkout's
# password; no service accounts in the image; a unit with User= restarts
# after kill -9 and, enabled, comes back after a reboot, which leaves /run
# empty. worker4 is not started by `up`; `sandbox.sh start worker4` makes it
# a host like worker1 (same checks, same memory limit), every host resolves
# it forward and reverse, and `stop` powers it off. Needs `sandbox.sh up`;
# leaves the hosts as it found them (worker4 removed).
set -euo pipefail

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=lib.sh
. "${SANDBOX_DIR}/tests/lib.sh"

SANDBOX="${SANDBOX_DIR}/sandbox.sh"
PROBE=herd-sandbox-probe
PROBE_HOSTS=(master1 worker1)
T="$(mktemp -d /tmp/herd-hosts-fidelity.XXXXXX)"

cleanup() {
  local node
  for node in "${PROBE_HOSTS[@]}"; do
    node_root "${node}" "systemctl disable --now ${PROBE}.service; rm -f /etc/systemd/system/${PROBE}.service /run/${PROBE}.marker; systemctl daemon-reload; systemctl reset-failed ${PROBE}.service" \
      >/dev/null 2>&1 || true
  done
  [[ -n "$(container_of worker4)" ]] && docker rm -f "$(container_of worker4)" >/dev/null 2>&1
  rm -rf "${T}"
}
trap cleanup EXIT

# container_of NODE: the id of the node's container, running or stopped.
container_of() {
  docker ps -aq --filter "label=com.docker.compose.project=${COMPOSE_PROJECT}" \
    --filter "label=com.docker.compose.service=$1"
}
# resolves_all NODE NAMES...: each name to its address and back, through the
# node's /etc/hosts, as Hadoop resolves (getent: forward and reverse).
resolves_all() {
  local node="$1" n script=""
  shift
  for n in "$@"; do
    script+="[ \"\$(getent hosts ${n} | awk '{print \$1; exit}')\" = $(node_ip "${n}") ] || { echo '${n} does not resolve forward'; exit 1; }; "
    script+="getent hosts $(node_ip "${n}") | awk '{for (i = 2; i <= NF; i++) print \$i}' | grep -qx ${n} || { echo '$(node_ip "${n}") does not resolve back to ${n}'; exit 1; }; "
  done
  node_ssh "${node}" "${script}"
}

# ssh_by_ip NODE: no HostKeyAlias, as herd addresses a host by IP.
ssh_by_ip() {
  local opts
  mapfile -t opts < <(ssh_opts)
  [[ "$(ssh "${opts[@]}" "$(node_login_user "$1")@$(node_ip "$1")" hostname)" == "$1" ]]
}

# run CMD...: sets RC, OUT (stdout) and ERR (stderr).
run() {
  RC=0
  "$@" >"${T}/stdout" 2>"${T}/stderr" || RC=$?
  OUT="$(cat "${T}/stdout")"
  ERR="$(cat "${T}/stderr")"
}

t0="$(now)"
for node in "${NODES[@]}"; do
  node_ssh "${node}" true 2>/dev/null || die "${node} does not answer on ssh; run sandbox/sandbox.sh up"
done

# --- worker4, the optional host --------------------------------------------------
if [[ -z "$(docker ps -q --filter "label=com.docker.compose.project=${COMPOSE_PROJECT}" --filter label=com.docker.compose.service=worker4)" ]]; then
  pass "worker4 is not running after sandbox.sh up (the default bring-up is six hosts)"
else
  fail "worker4 runs after sandbox.sh up"
fi
for node in "${NODES[@]}"; do
  run resolves_all "${node}" worker4
  if [[ ${RC} -eq 0 ]]; then
    pass "${node}: /etc/hosts resolves worker4 to 172.30.0.24 and back"
  else
    fail "${node}: ${OUT}"
  fi
done
run "${SANDBOX}" start worker4
if [[ ${RC} -eq 0 ]]; then
  pass "sandbox.sh start worker4: $(sed -n 's/.*start worker4: //p' <<<"${ERR}")"
  # From here on worker4 takes every check of a systemd host.
  SYSTEMD_NODES+=(worker4)
else
  fail "sandbox.sh start worker4: exit ${RC}: $(tail -n 3 <<<"${ERR}")"
fi
run resolves_all worker4 "${ALL_NODES[@]}"
check "worker4: /etc/hosts resolves all seven names forward and reverse, its own included" test "${RC}" -eq 0
run ssh_by_ip worker4
check "worker4: ssh by IP verifies strictly against .cache/sandbox/known_hosts" test "${RC}" -eq 0
mem() { docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}' "$(container_of "$1")"; }
check "worker4: memory limit as worker1's ($(mem worker1))" test "$(mem worker4)" = "$(mem worker1)"

# --- PID 1 and boot state -----------------------------------------------------
for node in "${SYSTEMD_NODES[@]}"; do
  run node_ssh "${node}" 'cat /proc/1/comm; systemctl is-system-running'
  if [[ ${RC} -eq 0 && "${OUT}" == $'systemd\nrunning' ]]; then
    pass "${node}: PID 1 is systemd, is-system-running says running (no failed unit)"
  else
    fail "${node}: PID 1 / boot state '${OUT//$'\n'/ }' (want 'systemd running'), exit ${RC}"
  fi
done
for node in "${LEGACY_NODES[@]}"; do
  run node_ssh "${node}" 'cat /proc/1/comm; systemctl is-system-running 2>/dev/null || true'
  if [[ "${OUT}" == $'tini\noffline' ]]; then
    pass "${node}: PID 1 is tini, systemd is not running (systemctl says offline)"
  else
    fail "${node}: PID 1 / systemd state '${OUT//$'\n'/ }' (want 'tini offline')"
  fi
done

# --- logins ---------------------------------------------------------------------
for node in "${SYSTEMD_NODES[@]}"; do
  # root's authorized key is mounted here too: only PermitRootLogin refuses it.
  run node_ssh_as root "${node}" true
  if [[ ${RC} -eq 255 && "${ERR}" == *"Permission denied"* ]]; then
    pass "${node}: root login with the test key refused (PermitRootLogin no)"
  else
    fail "${node}: root login: exit ${RC}, stderr '${ERR}' (want 255, Permission denied)"
  fi
  run node_ssh_as "${ADMIN_USER}" "${node}" 'id -un; id -u; id -gn; getent passwd admin | cut -d: -f7; printenv JAVA_HOME'
  if [[ ${RC} -eq 0 && "${OUT}" == $'admin\n1000\nadmin\n/bin/bash\n'/usr/lib/jvm/* ]]; then
    pass "${node}: admin logs in with the test key (uid 1000, group admin, /bin/bash, JAVA_HOME from /etc/environment)"
  else
    fail "${node}: admin login: exit ${RC}, '${OUT//$'\n'/ }'"
  fi
  run node_ssh "${node}" 'getent passwd hdfs yarn mapred zookeeper mesos hadoop'
  if [[ ${RC} -eq 2 && -z "${OUT}" ]]; then
    pass "${node}: no service accounts (hdfs, yarn, mapred, zookeeper, mesos, hadoop) in the image"
  else
    fail "${node}: service accounts present: '${OUT//$'\n'/ }'"
  fi
done
for node in "${LEGACY_NODES[@]}"; do
  run node_ssh_as root "${node}" 'id -u'
  if [[ ${RC} -eq 0 && "${OUT}" == 0 ]]; then
    pass "${node}: root logs in with the test key"
  else
    fail "${node}: root login: exit ${RC}, '${OUT}' ${ERR}"
  fi
  run node_ssh_as "${ADMIN_USER}" "${node}" true
  if [[ ${RC} -eq 255 ]] && node_ssh "${node}" '! getent passwd admin ops' >/dev/null; then
    pass "${node}: no admin or ops account"
  else
    fail "${node}: admin login exit ${RC} (want 255) or admin/ops accounts exist"
  fi
done

# --- sudo -------------------------------------------------------------------------
for node in "${SYSTEMD_NODES[@]}"; do
  run node_ssh_as "${ADMIN_USER}" "${node}" 'sudo -n true && sudo -n id -u && stat -c %a /etc/sudoers.d/admin'
  if [[ ${RC} -eq 0 && "${OUT}" == $'0\n440' ]]; then
    pass "${node}: admin: sudo -n true works without a password (/etc/sudoers.d/admin mode 0440)"
  else
    fail "${node}: admin sudo: exit ${RC}, '${OUT//$'\n'/ }' ${ERR}"
  fi
  run node_ssh_as "${OPS_USER}" "${node}" 'sudo -n true'
  if [[ ${RC} -eq 1 && "${ERR}" == *"a password is required"* ]]; then
    pass "${node}: ops: sudo -n true fails with 'a password is required'"
  else
    fail "${node}: ops sudo -n: exit ${RC}, stderr '${ERR}'"
  fi
  # The password goes over ssh's stdin, never on a command line.
  run node_ssh_as "${OPS_USER}" "${node}" "sudo -S -p '' id -u" <"${OPS_PASSWORD_FILE}"
  if [[ ${RC} -eq 0 && "${OUT}" == 0 ]]; then
    pass "${node}: ops: sudo -S with the checkout's password works"
  else
    fail "${node}: ops sudo -S: exit ${RC}, '${OUT}', stderr '${ERR}'"
  fi
  # Debian's /etc/pam.d/sudo has no pam_env: /etc/environment stops at sudo.
  run node_ssh "${node}" 'sudo -n printenv JAVA_HOME'
  if [[ ${RC} -eq 1 && -z "${OUT}" ]]; then
    pass "${node}: sudo does not pass /etc/environment's JAVA_HOME on"
  else
    fail "${node}: sudo printenv JAVA_HOME: exit ${RC}, '${OUT}'"
  fi
done
run node_ssh_as "${OPS_USER}" master1 "sudo -S -p '' true" <<<"not-the-password"
if [[ ${RC} -eq 1 ]]; then
  pass "master1: ops: sudo -S with a wrong password is refused"
else
  fail "master1: ops sudo -S with a wrong password: exit ${RC}"
fi

# --- a supervised unit --------------------------------------------------------------
probe_install() {
  node_root "$1" "cat > /etc/systemd/system/${PROBE}.service <<'UNIT'
[Unit]
Description=sandbox fidelity probe

[Service]
User=nobody
ExecStart=/bin/sleep infinity
Restart=on-failure
RestartSec=1

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload && systemctl enable --now ${PROBE}.service 2>/dev/null"
}

# Prints "MAINPID USER \$USER-in-its-environment" once the unit is active.
probe_state() {
  node_root "$1" "[ \"\$(systemctl is-active ${PROBE}.service)\" = active ] || exit 1
    pid=\$(systemctl show -p MainPID --value ${PROBE}.service)
    [ \"\${pid}\" -gt 0 ] || exit 1
    user=\$(ps -o user= -p \"\${pid}\")
    # Root lacks CAP_SYS_PTRACE in the container: read it as its owner.
    env_user=\$(runuser -u \"\${user}\" -- cat /proc/\${pid}/environ | tr '\\0' '\\n' | sed -n 's/^USER=//p')
    printf '%s %s %s\n' \"\${pid}\" \"\${user}\" \"\${env_user}\""
}

# wait_new_pid NODE OLDPID SECONDS: sets STATE to the unit's state once its
# MainPID is another one than OLDPID.
wait_new_pid() {
  local node="$1" old="$2" limit="$3" t
  t="$(now)"
  STATE=""
  while awk -v a="${t}" -v b="$(now)" -v l="${limit}" 'BEGIN { exit !(b - a < l) }'; do
    STATE="$(probe_state "${node}" 2>/dev/null || true)"
    [[ -n "${STATE}" && "${STATE%% *}" != "${old}" ]] && return 0
    sleep 0.2
  done
  return 1
}

for node in "${PROBE_HOSTS[@]}"; do
  STATE=""
  if probe_install "${node}" && wait_new_pid "${node}" 0 10 && [[ "${STATE#* }" == "nobody nobody" ]]; then
    pass "${node}: unit with User=nobody runs as nobody, systemd sets \$USER=nobody for it"
  else
    fail "${node}: probe unit did not start as nobody (state '${STATE}')"
    continue
  fi
  pid1="${STATE%% *}"
  tk="$(now)"
  node_root "${node}" "kill -9 ${pid1}"
  if wait_new_pid "${node}" "${pid1}" 10; then
    pass "${node}: after kill -9 the unit is back with a new PID (${pid1} -> ${STATE%% *}) in $(elapsed "${tk}")s"
  else
    fail "${node}: unit not back within 10 s of kill -9 (state '${STATE}')"
  fi

  node_root "${node}" "touch /run/${PROBE}.marker"
  if "${SANDBOX}" reboot "${node}" 2>"${T}/reboot.log"; then
    pass "${node}: sandbox.sh reboot: $(sed -n 's/.*reboot [^:]*: //p' "${T}/reboot.log")"
  else
    fail "${node}: sandbox.sh reboot failed: $(tail -n 3 "${T}/reboot.log")"
    continue
  fi
  # A new PID namespace: any PID will do.
  if wait_new_pid "${node}" 0 10 && [[ "${STATE#* }" == "nobody nobody" ]]; then
    pass "${node}: the enabled unit is back after the reboot (PID ${STATE%% *}, as nobody)"
  else
    fail "${node}: enabled unit not back after the reboot (state '${STATE}')"
  fi
  run node_ssh "${node}" "findmnt -n -o FSTYPE /run; test ! -e /run/${PROBE}.marker && echo fresh"
  if [[ "${OUT}" == $'tmpfs\nfresh' ]]; then
    pass "${node}: /run is a fresh tmpfs after the reboot (a file left there is gone)"
  else
    fail "${node}: /run after the reboot: '${OUT//$'\n'/ }'"
  fi
done

# --- worker4 powered off ------------------------------------------------------
run "${SANDBOX}" stop worker4
if [[ ${RC} -eq 0 && "$(docker inspect -f '{{.State.Running}}' "$(container_of worker4)")" == false ]]; then
  pass "sandbox.sh stop worker4: the container is stopped, kept for a later start"
else
  fail "sandbox.sh stop worker4: exit ${RC}, ${ERR}"
fi
run node_ssh worker4 true
check "worker4 does not answer on ssh once stopped (exit ${RC})" test "${RC}" -eq 255

echo "hosts: ${PASSED} passed, ${FAILED} failed ($(elapsed "${t0}")s)"
[[ ${FAILED} -eq 0 ]]
