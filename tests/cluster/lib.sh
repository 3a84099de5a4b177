#!/usr/bin/env bash
# Shared by the cluster scenarios: PASS/FAIL bookkeeping, herd and ssh
# helpers, JSON reading. Sourced; expects the sandbox up with a cluster on it
# unless the scenario says otherwise.

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${CLUSTER_DIR}/../.." && pwd)"
INV="${ROOT}/tests/sandbox/inventory.yaml"
HERD="${HERD:-${ROOT}/target/debug/herd}"
export HERD_STATE_DIR="${HERD_STATE_DIR:-${ROOT}/.herd}"
# shellcheck source=../../sandbox/lib/common.sh
. "${ROOT}/sandbox/lib/common.sh"

PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); printf 'PASS %s\n' "$*"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$*"; }
check() {
  local desc="$1"
  shift
  if "$@"; then pass "${desc}"; else fail "${desc}"; fi
}
# summary NAME: the closing line and the exit status of a scenario.
summary() {
  echo "$1: ${PASSED} passed, ${FAILED} failed"
  [[ ${FAILED} -eq 0 ]]
}

herd() { "${HERD}" "$@"; }
on() { node_ssh "$@"; }
hdfs_on() { local n="$1"; shift; on "$n" "/opt/hadoop/bin/hdfs $*"; }
yarn_on() { local n="$1"; shift; on "$n" "/opt/hadoop/bin/yarn $*"; }

# newest_run: the journal directory of the newest run.
newest_run() { find "${HERD_STATE_DIR}/runs" -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1; }

# py EXPR < json: evaluate a Python expression over the JSON document `d`.
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# http NODE PORT PATH: GET through bash's /dev/tcp on the node (no curl there).
http() {
  on "$1" "exec 3<>/dev/tcp/$1/$2 && printf 'GET $3 HTTP/1.0\r\nHost: $1\r\n\r\n' >&3 && cat <&3" 2>/dev/null | tr -d '\r'
}
http_body() { http "$@" | sed '1,/^$/d'; }

# active_namenode: the host whose NameNode says active (empty if none).
active_namenode() {
  local n
  for n in master1 master2; do
    [[ "$(http_body "$n" 9870 '/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus' | py "d['beans'][0]['State'] if d['beans'] else ''" 2>/dev/null)" == active ]] && echo "$n"
  done
}
active_resourcemanager() {
  local n
  for n in master1 master2; do
    [[ "$(http_body "$n" 8088 /ws/v1/cluster/info | py "d['clusterInfo']['haState']" 2>/dev/null)" == ACTIVE ]] && echo "$n"
  done
}
# pids NODE: every daemon pid file on the node with its pid, sorted.
pids() { on "$1" 'for f in /var/run/hadoop/*.pid /data/zookeeper/zookeeper_server.pid; do [ -f "$f" ] && echo "$f $(cat "$f")"; done 2>/dev/null | sort'; }
all_pids() { local n; for n in master1 master2 master3 worker1 worker2 worker3; do pids "$n" | sed "s|^|$n |"; done; }
