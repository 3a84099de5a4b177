#!/usr/bin/env bash
# shellcheck disable=SC2034  # constants for the scripts that source this file
# Shared paths and helpers for the sandbox scripts. Sourced, never executed.

SANDBOX_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "${SANDBOX_DIR}/.." && pwd)"
CACHE_DIR="${REPO_ROOT}/.cache"
SB_CACHE="${CACHE_DIR}/sandbox"
DIST_DIR="${CACHE_DIR}/dist"
M2_REPO="${CACHE_DIR}/m2"

HADOOP_VERSION="3.5.0"
ZK_VERSION="3.8.6"
# The older releases a rolling upgrade starts from (herd upgrade's tests):
# assembled exactly like the current ones, from the same poms.
HADOOP_OLD_VERSION="3.4.2"
ZK_OLD_VERSION="3.8.5"
MESOS_VERSION="1.11.0"
SPARK_VERSION="3.5.9"

HADOOP_TARBALL="${DIST_DIR}/hadoop-${HADOOP_VERSION}.tar.gz"
ZK_TARBALL="${DIST_DIR}/apache-zookeeper-${ZK_VERSION}-bin.tar.gz"
HADOOP_OLD_TARBALL="${DIST_DIR}/hadoop-${HADOOP_OLD_VERSION}.tar.gz"
ZK_OLD_TARBALL="${DIST_DIR}/apache-zookeeper-${ZK_OLD_VERSION}-bin.tar.gz"
MESOS_TARBALL="${DIST_DIR}/mesos-${MESOS_VERSION}.tar.gz"
SPARK_TARBALL="${DIST_DIR}/spark-${SPARK_VERSION}-bin-hadoop3.tgz"

SANDBOX_KEY="${SB_CACHE}/id_ed25519"
SANDBOX_KNOWN_HOSTS="${SB_CACHE}/known_hosts"
SANDBOX_SSH_CONFIG="${SB_CACHE}/ssh_config"

COMPOSE_FILE="${REPO_ROOT}/docker-compose.test.yml"
COMPOSE_PROJECT="herd-sandbox"

# The hosts `up` starts: every suite begins from these six.
NODES=(master1 master2 master3 worker1 worker2 worker3)
MASTERS=(master1 master2 master3)
# systemd is PID 1 on these; worker3 keeps the old layout (tini, root login)
# so that `supervisor: daemon` stays tested in the same cluster.
SYSTEMD_NODES=(master1 master2 master3 worker1 worker2)
LEGACY_NODES=(worker3)
# Hosts with keys, an address and a compose service that only
# `sandbox.sh start NODE` starts (scale-out scenarios); all boot systemd,
# exactly like worker1-2. `down` and `reset` remove them with the rest.
OPTIONAL_NODES=(worker4)
ALL_NODES=("${NODES[@]}" "${OPTIONAL_NODES[@]}")

# The operator accounts of the systemd hosts: admin has sudo without a
# password, ops needs the per-checkout password in OPS_PASSWORD_FILE.
ADMIN_USER="admin"
OPS_USER="ops"
OPS_PASSWORD_FILE="${SB_CACHE}/ops-password"
# The password of admin/admin in the sandbox KDC (sandbox.sh kdc).
KDC_ADMIN_PASSWORD_FILE="${SB_CACHE}/kdc-admin-password"

node_ip() {
  case "$1" in
    master1) echo 172.30.0.11 ;;
    master2) echo 172.30.0.12 ;;
    master3) echo 172.30.0.13 ;;
    worker1) echo 172.30.0.21 ;;
    worker2) echo 172.30.0.22 ;;
    worker3) echo 172.30.0.23 ;;
    worker4) echo 172.30.0.24 ;;
    *) echo "unknown sandbox node: $1" >&2; return 1 ;;
  esac
}

log() { printf '[sandbox %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[sandbox] ERROR: %s\n' "$*" >&2; exit 1; }

# Content hash of files and directories (names and bytes), used to tag images
# and artifacts so that unchanged inputs are reused instead of rebuilt.
inputs_hash() {
  local p
  for p in "$@"; do
    if [[ -d "$p" ]]; then
      # Build output (target/) of other tools is not an input.
      (cd "$p" && find . -type d -name target -prune -o -type f -print0 |
        LC_ALL=C sort -z | xargs -0 -r sha256sum)
    elif [[ -f "$p" ]]; then
      printf '%s  %s\n' "$(sha256sum <"$p" | cut -d' ' -f1)" "$(basename "$p")"
    else
      printf 'literal %s\n' "$p"
    fi
  done | sha256sum | cut -c1-12
}

node_is_optional() {
  local n
  for n in "${OPTIONAL_NODES[@]}"; do
    [[ "$n" == "$1" ]] && return 0
  done
  return 1
}

# Seconds since the epoch with sub-second precision, for timing reports.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

ssh_opts() {
  printf '%s\n' -i "${SANDBOX_KEY}" \
    -o "UserKnownHostsFile=${SANDBOX_KNOWN_HOSTS}" \
    -o StrictHostKeyChecking=yes \
    -o GlobalKnownHostsFile=/dev/null \
    -o IdentitiesOnly=yes \
    -o BatchMode=yes \
    -o ConnectTimeout=5 \
    -o LogLevel=ERROR
}

node_is_systemd() {
  local n
  for n in "${SYSTEMD_NODES[@]}" "${OPTIONAL_NODES[@]}"; do
    [[ "$n" == "$1" ]] && return 0
  done
  return 1
}

# The account the test key logs into by default: admin where root login is
# disabled, root on the legacy host.
node_login_user() {
  if node_is_systemd "$1"; then echo "${ADMIN_USER}"; else echo root; fi
}

# node_ssh_as USER NODE CMD...: the node is addressed by IP but checked
# against the known_hosts entry of its name, exactly as herd would.
node_ssh_as() {
  local user="$1" node="$2"
  shift 2
  local ip opts
  ip="$(node_ip "${node}")" || return 1
  mapfile -t opts < <(ssh_opts)
  ssh "${opts[@]}" -o "HostKeyAlias=${node}" "${user}@${ip}" "$@"
}

# Run a command on a node as its login user (admin or root).
node_ssh() {
  local node="$1"
  shift
  node_ssh_as "$(node_login_user "${node}")" "${node}" "$@"
}

# Run a command on a node as root: through admin's sudo where root cannot
# log in. The words are joined as ssh joins them and run by bash -c, so
# stdin reaches the command on both kinds of host.
node_root() {
  local node="$1"
  shift
  if node_is_systemd "${node}"; then
    node_ssh "${node}" "sudo -n bash -c $(printf '%q' "$*")"
  else
    node_ssh "${node}" "$@"
  fi
}

# Copies a file to a node as its login user.
node_scp() {
  local node="$1" src="$2" dst="$3"
  local ip opts
  ip="$(node_ip "${node}")" || return 1
  mapfile -t opts < <(ssh_opts)
  scp -q "${opts[@]}" -o "HostKeyAlias=${node}" "${src}" "$(node_login_user "${node}")@${ip}:${dst}"
}
