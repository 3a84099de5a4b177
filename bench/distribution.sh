#!/usr/bin/env bash
# distribution.sh [RATE]: what the bring-up's install costs the controller,
# uploading every tarball to every host (the default) beside the relay
# (vars.dist_relay), on the sandbox with the controller's link to the hosts
# limited by tc to RATE (default 200mbit) and the host-to-host links not.
#
# For each mode: the sandbox reset to bare hosts, the limit put on the
# sandbox bridge's egress (what this machine sends into the network; frames
# between containers are switched past it), `herd up`, then the bytes the
# bridge sent (the controller's traffic to the hosts, SSH and all), the
# install's wall time (first *-dist stage started to last *-unpack ended,
# from the run's journal) and the whole bring-up's.
#
# Then the model the figures fit, at 1,000 hosts with a 700 MB tarball:
#   upload: hosts x size / controller rate
#   relay:  size / controller rate + levels x (fan-out x size / host rate
#           + one level's fixed cost), the fixed cost measured here
# HOST_RATE_MBIT (default 1000) is the host-to-host rate the model assumes.
# Leaves the sandbox up with the relay's cluster on it, the limit removed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
rate="${1:-200mbit}"
host_rate="${HOST_RATE_MBIT:-1000}"
cd "$root"
cargo build --quiet
herd="$root/target/debug/herd"
inv="$root/tests/sandbox/inventory.yaml"
relay_inv="$root/tests/sandbox/inventory-relay-bench.local.yaml"
sed 's/^vars:$/vars:\n  dist_relay: true/' "$inv" >"$relay_inv"
state=$(mktemp -d)
bridge=""
cleanup() {
  [[ -n "$bridge" ]] && tc qdisc del dev "$bridge" root 2>/dev/null || true
  rm -rf "$state" "$relay_inv"
}
trap cleanup EXIT
command -v tc >/dev/null || apt-get install -y -qq iproute2 >/dev/null

declare -A bytes install total relay_levels
for mode in upload relay; do
  sandbox/sandbox.sh reset >/dev/null
  bridge="br-$(docker network inspect herd-sandbox_cluster -f '{{.Id}}' | cut -c1-12)"
  tc qdisc replace dev "$bridge" root tbf rate "$rate" burst 256kb latency 400ms
  file="$inv"
  [[ $mode == relay ]] && file="$relay_inv"
  tx0=$(cat "/sys/class/net/$bridge/statistics/tx_bytes")
  t0=$(date +%s.%N)
  HERD_STATE_DIR="$state/$mode" "$herd" up -i "$file" >"$state/$mode.log" 2>&1 || {
    echo "distribution: herd up ($mode) failed:" >&2
    tail -20 "$state/$mode.log" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  tx1=$(cat "/sys/class/net/$bridge/statistics/tx_bytes")
  tc qdisc del dev "$bridge" root
  events=$(find "$state/$mode/runs" -name events.jsonl | head -n 1)
  read -r inst levels < <(python3 - "$events" <<'PY'
import json, sys
start, end, levels = None, None, set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    st = e.get("stage", "")
    if e["event"] == "stage_started" and st.endswith("-dist"):
        start = e["ts"] if start is None else min(start, e["ts"])
    if e["event"] == "stage_finished" and st.endswith("-unpack"):
        end = e["ts"] if end is None else max(end, e["ts"])
    if e["event"] == "task_finished" and st.startswith("dist-relay-") and st[11:].isdigit() and e["outcome"] == "ok":
        levels.add(int(st[11:]))
print(f"{end - start:.1f} {max(levels) if levels else 0}")
PY
)
  bytes[$mode]=$(( (tx1 - tx0) / 1000000 ))
  install[$mode]=$inst
  relay_levels[$mode]=$levels
  total[$mode]=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
done

sizes=$(du -cb .cache/dist/hadoop-3.5.0.tar.gz .cache/dist/apache-zookeeper-3.8.6-bin.tar.gz .cache/dist/mesos-1.11.0.tar.gz .cache/dist/spark-3.5.9-bin-hadoop3.tgz | tail -n 1 | cut -f1)
echo "controller link limited to $rate (tc tbf on $bridge), host-to-host links not; 6 hosts; tarballs $((sizes / 1000000)) MB"
printf '%-8s %14s %12s %12s\n' mode "sent (MB)" "install (s)" "herd up (s)"
for mode in upload relay; do
  printf '%-8s %14s %12s %12s\n' "$mode" "${bytes[$mode]}" "${install[$mode]}" "${total[$mode]}"
done
python3 - "$rate" "$host_rate" "${install[relay]}" "${relay_levels[relay]}" "${bytes[relay]}" <<'PY'
import math, sys
rate, host_rate, relay_install, levels, relay_mb = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
ctrl = float(rate.rstrip("mbit")) / 8  # MB/s
# One level's fixed cost here: the relay's install time less the time its
# bytes take (the seed's upload at the limit, each level's copy at the
# host rate, 98 MB of Hadoop being the largest relayed).
fixed = max(0.0, (relay_install - relay_mb / ctrl - levels * 98 / (host_rate / 8)) / max(levels, 1))
n, size = 1000, 700.0
def fanout(n, levels=8):
    c = 1
    while (1 + c) ** levels < n:
        c += 1
    return c
c = fanout(n)
lv = math.ceil(math.log(n) / math.log(1 + c))
up = n * size / ctrl
rl = size / ctrl + lv * (c * size / (host_rate / 8) + fixed)
print(f"relay here: {levels} levels, {fixed:.1f} s fixed cost a level (JVM start, stage gate)")
print(f"model at {n} hosts, one {size:.0f} MB tarball, controller {ctrl * 8:.0f} Mbit/s, hosts {host_rate:.0f} Mbit/s:")
print(f"  upload: {n * size / 1000:.0f} GB from the controller, {up / 60:.0f} min")
print(f"  relay:  {size / 1000:.1f} GB from the controller, {lv} levels of fan-out {c}, {rl / 60:.1f} min")
PY
