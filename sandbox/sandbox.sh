#!/usr/bin/env bash
# Entry point for the sandbox cluster herd's tests run on: six bare Debian
# hosts (master1-3, worker1-3) with sshd and Java, plus the Hadoop, ZooKeeper
# and Mesos tarballs herd distributes to them.
#
#   sandbox/sandbox.sh build         images and tarballs (reused when unchanged)
#   sandbox/sandbox.sh up            build if needed, start the hosts, wait for sshd
#   sandbox/sandbox.sh down          remove containers and network
#   sandbox/sandbox.sh reset         down + up: bare hosts again
#   sandbox/sandbox.sh ssh NODE [CMD]
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

compose() {
  HERD_SANDBOX_IMAGE="$(node_image_tag)" \
    docker-compose --ansi never -f "${COMPOSE_FILE}" -p "${COMPOSE_PROJECT}" "$@"
}

timed() {
  local label="$1" t0 result
  shift
  t0="$(now)"
  result="$("$@")"
  printf '  %-14s %-8s %6ss\n' "${label}" "${result}" "$(elapsed "${t0}")"
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
  timed "hadoop" build_hadoop_dist
  timed "zookeeper" build_zk_dist
  timed "mesos" build_mesos_dist
  printf '  %-14s %-8s %6ss\n' total "" "$(elapsed "${t0}")"
}

ssh_ready() {
  local node="$1"
  node_ssh "${node}" true >/dev/null 2>&1
}

cmd_up() {
  local t0 node ip i
  t0="$(now)"
  cmd_build
  # Running hosts of the current image are kept (use reset for bare hosts);
  # containers of an older image or config are recreated.
  compose up -d --remove-orphans >"${SB_CACHE}/compose-up.log" 2>&1 || {
    cat "${SB_CACHE}/compose-up.log" >&2
    die "docker-compose up failed (log: ${SB_CACHE}/compose-up.log)"
  }
  for node in "${NODES[@]}"; do
    ip="$(node_ip "${node}")"
    for ((i = 0; i < 60; i++)); do
      ssh_ready "${node}" && break
      sleep 1
    done
    if ! ssh_ready "${node}"; then
      node_ssh "${node}" true || true
      compose logs --tail=20 "${node}" >&2 || true
      die "sshd on ${node} (${ip}) did not accept the test key within 60 s"
    fi
  done
  log "sandbox up: ${NODES[*]} answer on ssh (${SECONDS}s since start, up took $(elapsed "${t0}")s)"
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
  [[ $# -ge 1 ]] || die "usage: sandbox.sh ssh NODE [CMD...]"
  local node="$1"
  shift
  node_ip "${node}" >/dev/null || die "no such node: ${node} (nodes: ${NODES[*]})"
  if [[ $# -eq 0 ]]; then
    local ip opts
    ip="$(node_ip "${node}")"
    mapfile -t opts < <(ssh_opts)
    exec ssh -t "${opts[@]}" -o "HostKeyAlias=${node}" "root@${ip}"
  fi
  node_ssh "${node}" "$@"
}

cmd_env() {
  printf 'export SANDBOX_KEY=%q\n' "${SANDBOX_KEY}"
  printf 'export SANDBOX_KNOWN_HOSTS=%q\n' "${SANDBOX_KNOWN_HOSTS}"
  printf 'export SANDBOX_SSH_CONFIG=%q\n' "${SANDBOX_SSH_CONFIG}"
  printf 'export SANDBOX_DIST=%q\n' "${DIST_DIR}"
  printf 'export HADOOP_TARBALL=%q\n' "${HADOOP_TARBALL}"
  printf 'export ZK_TARBALL=%q\n' "${ZK_TARBALL}"
  printf 'export MESOS_TARBALL=%q\n' "${MESOS_TARBALL}"
  printf 'export SANDBOX_HADOOP_VERSION=%q\n' "${HADOOP_VERSION}"
  printf 'export SANDBOX_ZK_VERSION=%q\n' "${ZK_VERSION}"
  printf 'export SANDBOX_NODES=%q\n' "${NODES[*]}"
  local node
  for node in "${NODES[@]}"; do
    printf 'export SANDBOX_IP_%s=%q\n' "${node^^}" "$(node_ip "${node}")"
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
    env) cmd_env ;;
    status) cmd_status ;;
    engine-stop) engine_stop ;;
    *)
      sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

main "$@"
