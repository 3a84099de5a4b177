#!/usr/bin/env bash
# Host prerequisites and the Docker engine. CI starts from a fresh Debian
# machine, so anything missing is installed from the Debian mirror, and a
# dockerd is started only when none answers (and remembered, so that
# engine-stop never stops a daemon somebody else runs).

ENGINE_STATE="${SB_CACHE}/dockerd.started"
DOCKERD_LOG="${SB_CACHE}/dockerd.log"

ensure_host_tools() {
  local -a want=()
  command -v dockerd >/dev/null || want+=(docker.io)
  command -v docker-compose >/dev/null || want+=(docker-compose)
  command -v debootstrap >/dev/null || want+=(debootstrap)
  command -v ssh >/dev/null || want+=(openssh-client)
  command -v ssh-keygen >/dev/null || want+=(openssh-client)
  command -v mvn >/dev/null || want+=(maven)
  command -v java >/dev/null || want+=(openjdk-17-jre-headless)
  # The Spark smoke job is compiled and packed on the build machine.
  { command -v javac && command -v jar; } >/dev/null || want+=(openjdk-17-jdk-headless)
  command -v unzip >/dev/null || want+=(unzip)
  # Spark's launcher scripts come from the pyspark sdist on PyPI.
  python3 -m pip --version >/dev/null 2>&1 || want+=(python3-pip)
  command -v nc >/dev/null || want+=(netcat-openbsd)
  command -v curl >/dev/null || want+=(curl)
  # zkServer.sh and zkCli.sh are taken from Debian's packaging of ZooKeeper.
  [[ -f /usr/share/zookeeper/bin/zkServer.sh ]] || want+=(zookeeper)
  if ((${#want[@]} > 0)); then
    [[ "$(id -u)" -eq 0 ]] || die "missing host packages (${want[*]}) and not root to install them"
    log "installing host packages: ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${want[@]}" >/dev/null
  fi
}

ensure_engine() {
  ensure_host_tools
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  command -v dockerd >/dev/null || die "dockerd not found although docker.io is installed"
  mkdir -p "${SB_CACHE}"
  log "no Docker engine answers; starting dockerd (log: ${DOCKERD_LOG})"
  # setsid: the daemon must outlive this script and its process group. It
  # keeps no descriptor of ours open: a lock this script runs under (e.g.
  # `flock LOCK tests/cluster/run.sh`) would otherwise be held for as long
  # as the daemon lives.
  setsid dockerd >"${DOCKERD_LOG}" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  local pid=$!
  local i
  for ((i = 0; i < 60; i++)); do
    if docker info >/dev/null 2>&1; then
      echo "${pid}" >"${ENGINE_STATE}"
      log "dockerd started as process ${pid}"
      return 0
    fi
    kill -0 "${pid}" 2>/dev/null || die "dockerd exited at start; see ${DOCKERD_LOG}"
    sleep 1
  done
  die "dockerd did not answer within 60 s; see ${DOCKERD_LOG}"
}

engine_stop() {
  if [[ ! -f "${ENGINE_STATE}" ]]; then
    log "dockerd was not started by the sandbox; leaving it alone"
    return 0
  fi
  local pid
  pid="$(cat "${ENGINE_STATE}")"
  if kill -0 "${pid}" 2>/dev/null && [[ "$(ps -o comm= -p "${pid}")" == dockerd ]]; then
    log "stopping dockerd (process ${pid}) that the sandbox started"
    kill "${pid}"
    local i
    for ((i = 0; i < 30; i++)); do
      kill -0 "${pid}" 2>/dev/null || break
      sleep 1
    done
    kill -0 "${pid}" 2>/dev/null && die "dockerd (process ${pid}) did not stop within 30 s"
  else
    log "dockerd process ${pid} recorded as ours is no longer running"
  fi
  rm -f "${ENGINE_STATE}"
}
