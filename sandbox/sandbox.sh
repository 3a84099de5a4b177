#!/usr/bin/env bash
# Entry point for the sandbox cluster herd's tests run on: six bare Debian
# hosts (master1-3, worker1-3) with sshd and Java, plus the Hadoop, ZooKeeper,
# Mesos and Spark tarballs herd distributes to them. master1-worker2 boot systemd
# and take logins as admin (sudo); worker3 runs sshd under tini, root login.
#
#   sandbox/sandbox.sh build         images and tarballs (reused when unchanged)
#   sandbox/sandbox.sh up            build if needed, start the six hosts, wait for boot
#   sandbox/sandbox.sh down          remove containers (worker4 too) and network
#   sandbox/sandbox.sh reset         down + up: the six bare hosts again
#   sandbox/sandbox.sh start NODE    start one host (worker4, or a stopped one)
#   sandbox/sandbox.sh stop NODE     stop one host, its disk kept (powered off)
#   sandbox/sandbox.sh ssh [--user U] NODE [CMD]   as admin, or root on worker3
#   sandbox/sandbox.sh reboot NODE   docker restart, wait for sshd (and boot)
#   sandbox/sandbox.sh mirror        start the download mirror (http://172.30.0.30:8080/,
#                                    serving .cache/mirror); `down` removes it
#   sandbox/sandbox.sh kdc           start the KDC of realm HERD.TEST (host kdc, 172.30.0.5;
#                                    admin/admin, password in .cache/sandbox/kdc-admin-password)
#   sandbox/sandbox.sh env           shell exports for tests (eval "$(... env)")
#   sandbox/sandbox.sh status        what runs
#   sandbox/sandbox.sh engine-stop   stop dockerd, only if the sandbox started it
set -euo pipefail

# shellcheck source=lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=lib/engine.sh
. "${SANDBOX_DIR}/lib/engine.sh"
# shellcheck source=lib/keys.sh
. "${SANDBOX_DIR}/lib/keys.sh"
# shellcheck source=lib/images.sh
. "${SANDBOX_DIR}/lib/images.sh"
# shellcheck source=lib/dist.sh
. "${SANDBOX_DIR}/lib/dist.sh"
# shellcheck source=lib/spark-dist.sh
. "${SANDBOX_DIR}/lib/spark-dist.sh"

compose() {
  HERD_SANDBOX_IMAGE="$(node_image_tag)" HERD_SANDBOX_LEGACY_IMAGE="$(legacy_image_tag)" \
    docker-compose --ansi never -f "${COMPOSE_FILE}" -p "${COMPOSE_PROJECT}" "$@"
}

timed() {
  local label="$1" t0 result
  shift
  t0="$(now)"
  result="$("$@")"
  printf '  %-16s %-8s %6ss\n' "${label}" "${result}" "$(elapsed "${t0}")"
}

cmd_build() {
  local t0
  t0="$(now)"
  mkdir -p "${SB_CACHE}" "${DIST_DIR}" "${BUILD_DIR}"
  ensure_engine
  ensure_keys
  echo "sandbox build:"
  timed "base image" build_base_image
  timed "node image" build_node_image
  timed "hadoop ${HADOOP_VERSION}" build_hadoop_dist
  timed "zookeeper ${ZK_VERSION}" build_zk_dist
  # The releases a rolling upgrade starts from.
  timed "hadoop ${HADOOP_OLD_VERSION}" build_hadoop_dist "${HADOOP_OLD_VERSION}" "${HADOOP_OLD_TARBALL}"
  timed "zookeeper ${ZK_OLD_VERSION}" build_zk_dist "${ZK_OLD_VERSION}" "${ZK_OLD_TARBALL}"
  timed "mesos" build_mesos_dist
  timed "spark" build_spark_dist
  printf '  %-16s %-8s %6ss\n' total "" "$(elapsed "${t0}")"
}

ssh_ready() {
  local node="$1"
  node_ssh "${node}" true >/dev/null 2>&1
}

# Seconds a systemd host may take from start to the end of its boot.
BOOT_LIMIT=90

# wait_ssh NODE SECONDS: poll until sshd accepts the test key.
wait_ssh() {
  local node="$1" limit="$2" t0
  t0="$(now)"
  until ssh_ready "${node}"; do
    if awk -v a="${t0}" -v b="$(now)" -v l="${limit}" 'BEGIN { exit !(b - a > l) }'; then
      node_ssh "${node}" true || true
      compose logs --tail=20 "${node}" >&2 || true
      die "sshd on ${node} ($(node_ip "${node}")) did not accept the test key within ${limit} s"
    fi
    sleep 0.2
  done
}

# wait_booted NODE: on a systemd host, until the boot job queue is empty;
# anything but "running" (a failed unit makes it "degraded") is an error.
wait_booted() {
  local node="$1" state
  node_is_systemd "${node}" || return 0
  state="$(node_ssh "${node}" "timeout ${BOOT_LIMIT} systemctl is-system-running --wait" 2>/dev/null)" || true
  if [[ "${state}" != running ]]; then
    node_ssh "${node}" "systemctl --failed --no-pager; systemctl list-jobs --no-pager" >&2 || true
    die "${node} booted to '${state:-no answer}', not 'running'"
  fi
}

cmd_up() {
  local t0 node
  t0="$(now)"
  cmd_build
  # Running hosts of the current image are kept (use reset for bare hosts);
  # containers of an older image or config are recreated. The services are
  # named: the optional hosts (worker4) are in the file but not started.
  compose up -d --remove-orphans "${NODES[@]}" >"${SB_CACHE}/compose-up.log" 2>&1 || {
    cat "${SB_CACHE}/compose-up.log" >&2
    die "docker-compose up failed (log: ${SB_CACHE}/compose-up.log)"
  }
  for node in "${NODES[@]}"; do
    wait_ssh "${node}" 60
    wait_booted "${node}"
  done
  log "sandbox up: ${NODES[*]} answer on ssh, systemd hosts booted (${SECONDS}s since start, up took $(elapsed "${t0}")s)"
}

# A reboot as the tests need it: the container restarts (systemd hosts stop
# their units first, within the grace period), /run comes back empty, and
# the host counts as up once sshd answers and, with systemd, boot finished.
cmd_reboot() {
  [[ $# -eq 1 ]] || die "usage: sandbox.sh reboot NODE"
  local node="$1" id t0 t_ssh
  node_ip "${node}" >/dev/null || die "no such node: ${node} (nodes: ${NODES[*]})"
  id="$(compose ps -q "${node}")"
  [[ -n "${id}" ]] || die "${node} is not running; run sandbox/sandbox.sh up"
  t0="$(now)"
  docker restart -t 20 "${id}" >/dev/null
  wait_ssh "${node}" 60
  t_ssh="$(elapsed "${t0}")"
  if node_is_systemd "${node}"; then
    wait_booted "${node}"
    log "reboot ${node}: sshd answered after ${t_ssh}s, system running after $(elapsed "${t0}")s"
  else
    log "reboot ${node}: sshd answered after ${t_ssh}s"
  fi
}

# start NODE: the optional hosts are created on first start (bare, like the
# six after reset); a stopped host starts again with its disk as it was.
cmd_start() {
  [[ $# -eq 1 ]] || die "usage: sandbox.sh start NODE"
  local node="$1" t0
  node_ip "${node}" >/dev/null 2>&1 || die "no such node: ${node} (nodes: ${ALL_NODES[*]})"
  ensure_engine
  ensure_keys
  t0="$(now)"
  # --no-deps: one host, whatever else runs or not.
  compose up -d --no-deps "${node}" >"${SB_CACHE}/compose-start.log" 2>&1 || {
    cat "${SB_CACHE}/compose-start.log" >&2
    die "docker-compose up ${node} failed (log: ${SB_CACHE}/compose-start.log)"
  }
  wait_ssh "${node}" 60
  wait_booted "${node}"
  log "start ${node}: answers on ssh$(node_is_systemd "${node}" && echo ', booted') after $(elapsed "${t0}")s"
}

# stop NODE: as a host that is powered off: systemd stops its units within
# the grace period, the container and its filesystem stay for `start`.
cmd_stop() {
  [[ $# -eq 1 ]] || die "usage: sandbox.sh stop NODE"
  local node="$1" id
  node_ip "${node}" >/dev/null 2>&1 || die "no such node: ${node} (nodes: ${ALL_NODES[*]})"
  id="$(compose ps -q "${node}" 2>/dev/null)"
  if [[ -z "${id}" ]]; then
    log "stop ${node}: not created, nothing to stop"
    return 0
  fi
  docker stop -t 20 "${id}" >/dev/null
  log "stop ${node}: stopped"
}

cmd_mirror() {
  local n=0
  ensure_engine
  mkdir -p "${CACHE_DIR}/mirror"
  compose up -d --no-deps mirror >"${SB_CACHE}/compose-mirror.log" 2>&1 || {
    cat "${SB_CACHE}/compose-mirror.log" >&2
    die "docker-compose up mirror failed (log: ${SB_CACHE}/compose-mirror.log)"
  }
  until curl -s -o /dev/null http://172.30.0.30:8080/; do
    n=$((n + 1))
    [[ ${n} -lt 100 ]] || die "the mirror does not answer on http://172.30.0.30:8080/"
    sleep 0.1
  done
  log "mirror up: http://172.30.0.30:8080/ serves ${CACHE_DIR}/mirror"
}

cmd_kdc() {
  local n=0
  ensure_engine
  ensure_keys
  compose up -d --no-deps kdc >"${SB_CACHE}/compose-kdc.log" 2>&1 || {
    cat "${SB_CACHE}/compose-kdc.log" >&2
    die "docker-compose up kdc failed (log: ${SB_CACHE}/compose-kdc.log)"
  }
  # kadmind listens last, once the database exists.
  until (exec 3<>/dev/tcp/172.30.0.5/749) 2>/dev/null; do
    n=$((n + 1))
    [[ ${n} -lt 300 ]] || die "the KDC's kadmind does not answer on 172.30.0.5:749 (docker logs ${COMPOSE_PROJECT}_kdc_1)"
    sleep 0.1
  done
  log "kdc up: realm HERD.TEST on kdc (172.30.0.5), admin/admin"
}

cmd_down() {
  if docker info >/dev/null 2>&1; then
    compose down --remove-orphans --timeout 3 >"${SB_CACHE}/compose-down.log" 2>&1 || {
      cat "${SB_CACHE}/compose-down.log" >&2
      die "docker-compose down failed"
    }
  fi
  log "sandbox down"
}

cmd_ssh() {
  local user=""
  if [[ "${1:-}" == --user ]]; then
    [[ $# -ge 2 ]] || die "usage: sandbox.sh ssh [--user USER] NODE [CMD...]"
    user="$2"
    shift 2
  fi
  [[ $# -ge 1 ]] || die "usage: sandbox.sh ssh [--user USER] NODE [CMD...]"
  local node="$1"
  shift
  node_ip "${node}" >/dev/null || die "no such node: ${node} (nodes: ${NODES[*]})"
  [[ -n "${user}" ]] || user="$(node_login_user "${node}")"
  if [[ $# -eq 0 ]]; then
    local ip opts
    ip="$(node_ip "${node}")"
    mapfile -t opts < <(ssh_opts)
    exec ssh -t "${opts[@]}" -o "HostKeyAlias=${node}" "${user}@${ip}"
  fi
  node_ssh_as "${user}" "${node}" "$@"
}

cmd_env() {
  printf 'export SANDBOX_KEY=%q\n' "${SANDBOX_KEY}"
  printf 'export SANDBOX_KNOWN_HOSTS=%q\n' "${SANDBOX_KNOWN_HOSTS}"
  printf 'export SANDBOX_SSH_CONFIG=%q\n' "${SANDBOX_SSH_CONFIG}"
  printf 'export SANDBOX_DIST=%q\n' "${DIST_DIR}"
  printf 'export HADOOP_TARBALL=%q\n' "${HADOOP_TARBALL}"
  printf 'export ZK_TARBALL=%q\n' "${ZK_TARBALL}"
  printf 'export HADOOP_OLD_TARBALL=%q\n' "${HADOOP_OLD_TARBALL}"
  printf 'export ZK_OLD_TARBALL=%q\n' "${ZK_OLD_TARBALL}"
  printf 'export MESOS_TARBALL=%q\n' "${MESOS_TARBALL}"
  printf 'export SPARK_TARBALL=%q\n' "${SPARK_TARBALL}"
  printf 'export SANDBOX_HADOOP_VERSION=%q\n' "${HADOOP_VERSION}"
  printf 'export SANDBOX_ZK_VERSION=%q\n' "${ZK_VERSION}"
  printf 'export SANDBOX_HADOOP_OLD_VERSION=%q\n' "${HADOOP_OLD_VERSION}"
  printf 'export SANDBOX_ZK_OLD_VERSION=%q\n' "${ZK_OLD_VERSION}"
  printf 'export SANDBOX_SPARK_VERSION=%q\n' "${SPARK_VERSION}"
  printf 'export SANDBOX_NODES=%q\n' "${NODES[*]}"
  printf 'export SANDBOX_SYSTEMD_NODES=%q\n' "${SYSTEMD_NODES[*]}"
  printf 'export SANDBOX_LEGACY_NODES=%q\n' "${LEGACY_NODES[*]}"
  printf 'export SANDBOX_ADMIN_USER=%q\n' "${ADMIN_USER}"
  printf 'export SANDBOX_OPS_USER=%q\n' "${OPS_USER}"
  printf 'export SANDBOX_OPS_PASSWORD_FILE=%q\n' "${OPS_PASSWORD_FILE}"
  local node
  printf 'export SANDBOX_OPTIONAL_NODES=%q\n' "${OPTIONAL_NODES[*]}"
  for node in "${ALL_NODES[@]}"; do
    printf 'export SANDBOX_IP_%s=%q\n' "${node^^}" "$(node_ip "${node}")"
    printf 'export SANDBOX_USER_%s=%q\n' "${node^^}" "$(node_login_user "${node}")"
  done
}

cmd_status() {
  compose ps
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "${cmd}" in
    build) cmd_build ;;
    up) cmd_up ;;
    down) cmd_down ;;
    reset) cmd_down && cmd_up ;;
    ssh) cmd_ssh "$@" ;;
    reboot) cmd_reboot "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    mirror) cmd_mirror ;;
    kdc) cmd_kdc ;;
    env) cmd_env ;;
    status) cmd_status ;;
    engine-stop) engine_stop ;;
    *)
      sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

main "$@"
