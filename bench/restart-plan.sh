#!/usr/bin/env bash
# restart-plan.sh [WORKERS [RACKS]]: the plan of a rack-by-rack restart at
# fleet scale, without a fleet. Writes an inventory of 3 masters and WORKERS
# workers (default 1000) in RACKS racks (default 25), every host at a
# loopback address where nothing listens, so no host can be read and the
# dry run plans with every daemon taken as running. Runs
# `herd restart datanode --batch rack --dry-run` (and `--batch 1`), checks
# the batch count (one per rack), and prints the expected wall time of each:
# batches x the time of one DataNode batch, next to hosts x the time of one
# DataNode on its own.
#   BATCH_SECONDS  one rack batch (default 5.5: measured on the sandbox by
#                  tests/cluster/rackrestart.sh, the /rack1 batch of two DataNodes)
#   HOST_SECONDS   one DataNode alone (default 4.1: that run's one-host /rack2 batch)
# A batch restarts its hosts at once and waits for every one of them, so its
# time grows with the slowest host, not with the hosts; the sandbox's batch
# of two stands for a rack's.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
workers="${1:-1000}"
racks="${2:-25}"
batch_s="${BATCH_SECONDS:-5.5}"
host_s="${HOST_SECONDS:-4.1}"
(( workers % racks == 0 )) || { echo "restart-plan: $workers workers do not divide into $racks racks" >&2; exit 2; }
per_rack=$((workers / racks))

(cd "$root" && cargo build --quiet)
herd="${HERD:-${CARGO_TARGET_DIR:-$root/target}/debug/herd}"
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
inv="$state/inventory.yaml"
: >"$state/known_hosts"
{
  echo "cluster: fleet"
  # Port 9 on loopback: refused at once, nothing to wait for.
  echo "defaults: { user: herd, port: 9 }"
  echo "ssh: { known_hosts: $state/known_hosts, use_ssh_config: false, connect_timeout: 2s }"
  echo "vars: { nameservice: fleet }"
  echo "hosts:"
  echo "  - { name: master1, address: 127.0.1.1, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }"
  echo "  - { name: master2, address: 127.0.1.2, roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager] }"
  echo "  - { name: master3, address: 127.0.1.3, roles: [zookeeper, journalnode, historyserver] }"
  for ((r = 1; r <= racks; r++)); do
    for ((i = 1; i <= per_rack; i++)); do
      printf '  - { name: r%02dw%03d, address: 127.2.%d.%d, roles: [datanode, nodemanager], vars: { rack: /rack%02d } }\n' \
        "$r" "$i" "$r" "$i" "$r"
    done
  done
} >"$inv"

# plan BATCH: the dry run's steps, and its time
plan() {
  local t0 t1
  t0=$(date +%s.%N)
  "$herd" restart datanode --batch "$1" --dry-run -i "$inv" >"$state/plan-$1.txt" 2>"$state/plan-$1.err"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}'
}
rack_s=$(plan rack)
one_s=$(plan 1)
batches=$(grep -cE '^ *[0-9]+\. datanode-batch-[0-9]+ ' "$state/plan-rack.txt" || true)
singles=$(grep -cE '^ *[0-9]+\. datanode-batch-[0-9]+ ' "$state/plan-1.txt" || true)
note=$(grep -c '^note: .* hosts could not be read' "$state/plan-rack.err" || true)

echo "herd restart datanode --dry-run on $((workers + 3)) hosts ($workers workers in $racks racks of $per_rack), none reachable:"
printf '  --batch rack: %d batches (dry run %s s)\n' "$batches" "$rack_s"
printf '  --batch 1:    %d batches (dry run %s s)\n' "$singles" "$one_s"
[[ $note -eq 1 ]] || { echo "restart-plan: the dry run did not say it assumed the unread hosts running" >&2; cat "$state/plan-rack.err" >&2; exit 1; }
[[ $batches -eq $racks ]] || { echo "restart-plan: expected $racks batches, got $batches" >&2; head -n 20 "$state/plan-rack.txt" "$state/plan-rack.err" >&2; exit 1; }
[[ $singles -eq $workers ]] || { echo "restart-plan: expected $workers one-host batches, got $singles" >&2; exit 1; }
awk -v b="$batches" -v bs="$batch_s" -v n="$singles" -v hs="$host_s" 'BEGIN {
  printf "expected wall time (per rack batch %.1f s, per DataNode alone %.1f s):\n", bs, hs
  printf "  rack by rack:   %4d x %5.1f s = %8.0f s (%5.1f min)\n", b, bs, b * bs, b * bs / 60
  printf "  one at a time:  %4d x %5.1f s = %8.0f s (%5.1f h)\n", n, hs, n * hs, n * hs / 3600
  printf "  %.0f times faster\n", (n * hs) / (b * bs)
}'
