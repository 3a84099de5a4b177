#!/usr/bin/env bash
# status-scale.sh [-r RUNS] [N]: `herd status` on an N-host cluster (default
# 1000) of the loopback fleet in ../../shared/bench: 3 masters (ZooKeeper,
# JournalNode, NameNode + ZKFC, ResourceManager, JobHistory), the rest
# workers (DataNode, NodeManager) in racks of 40. No daemon runs on the
# fleet, so this measures gathering (connect, the per-host script, the HA
# endpoints refused by the fleet's sshd) and the verdict, not Hadoop.
#
# Prints, for `herd status` and `herd status --json` (release build, RUNS
# runs each, default 3, after one warm-up run not counted): wall seconds
# (median, min, max), herd's and the fleet side's CPU seconds, peak RSS,
# the exit code and the human output's line count; then one run of each
# with -v for herd's own phase times (connect, gather, assess, render). The cluster is
# degraded (nothing runs), so status exits 1; the times are recorded all the
# same. The last human and JSON outputs are kept in the result folder.
#
# Knobs: BENCH_PORT (default 2422) and BENCH_STATE (default a temporary
# folder) keep this fleet apart from other fleets on the machine (a fleet
# of N or more hosts already up in BENCH_STATE is used and left up);
# BENCH_HARNESS the harness; CARGO_TARGET_DIR where the release build is
# (HERD_BIN: a herd binary to time instead of building one);
# BENCH_LOCK a file every timed run holds (flock) so timed runs on a shared
# machine never overlap (default /tmp/herd-bench.lock); SUPERVISOR the
# inventory's vars.supervisor (default systemd, herd's own default).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
harness="${BENCH_HARNESS:-$root/../shared/bench}"
[[ -x "$harness/fleet.sh" ]] || { echo "status-scale: no harness at $harness (set BENCH_HARNESS)" >&2; exit 2; }
runs=3
while getopts "r:" opt; do
  case $opt in
    r) runs=$OPTARG ;;
    *) sed -n '2,21p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
n=${1:-1000}
[[ "$n" =~ ^[0-9]+$ && "$n" -ge 4 ]] || { echo "status-scale: N must be at least 4 (3 masters and a worker)" >&2; exit 2; }
lock=${BENCH_LOCK:-/tmp/herd-bench.lock}
supervisor=${SUPERVISOR:-systemd}

if [[ -n "${HERD_BIN:-}" ]]; then
  herd=$HERD_BIN
else
  (cd "$root" && cargo build --release --quiet)
  herd="${CARGO_TARGET_DIR:-$root/target}/release/herd"
fi
work=$(mktemp -d)
cp -r "$harness/." "$work/harness/"
export BENCH_PORT="${BENCH_PORT:-2422}"
export BENCH_STATE="${BENCH_STATE:-$work/state}"
# shellcheck source=/dev/null
source "$work/harness/lib.sh"
if (($(fleet_size) >= n)); then
  # A fleet already up in BENCH_STATE is used as it is, and left up.
  echo "status-scale: using the fleet of $(fleet_size) hosts in $BENCH_STATE" >&2
else
  cleanup() { "$work/harness/fleet.sh" down >/dev/null 2>&1 || true; }
  trap cleanup EXIT
  "$work/harness/fleet.sh" up "$n" >/dev/null
fi

out="$root/bench/results/status-$(date -u +%Y%m%dT%H%M%SZ)-n$n"
mkdir -p "$out"
inv="$out/inventory.yaml"
{
  echo "cluster: scale"
  echo "defaults: { user: root, port: $PORT }"
  echo "ssh:"
  echo "  identity_files: [\"$CLIENT_KEY\"]"
  echo "  known_hosts: \"$KNOWN_HOSTS\""
  echo "  use_ssh_config: false"
  echo "  connect_timeout: 60s"
  echo "vars:"
  echo "  install_dir: /opt"
  echo "  java_home: /usr/lib/jvm/java-17-openjdk-amd64"
  echo "  supervisor: $supervisor"
  echo "hosts:"
  echo "  - { name: master1, address: $(host_addr 0), roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager], vars: { rack: /rack01 } }"
  echo "  - { name: master2, address: $(host_addr 1), roles: [zookeeper, journalnode, namenode, zkfc, resourcemanager], vars: { rack: /rack02 } }"
  echo "  - { name: master3, address: $(host_addr 2), roles: [zookeeper, journalnode, historyserver], vars: { rack: /rack03 } }"
  for ((i = 3; i < n; i++)); do
    printf '  - { name: worker%04d, address: %s, roles: [datanode, nodemanager], vars: { rack: /rack%02d } }\n' \
      $((i - 2)) "$(host_addr "$i")" $(((i - 3) / 40 + 1))
  done
} >"$inv"
export HERD_STATE_DIR="$work/herd-state"

# one KIND: a timed run of status (KIND human, json, warmup: human, not
# counted; human-v, json-v: with -v for herd's phase times, whose debug log
# costs a little, so reported apart); appends a line to runs.tsv: wall and
# herd's CPU seconds, the fleet side's CPU seconds (sshd sessions, shells,
# the host script), peak RSS, the load average before it.
one() {
  local kind=$1 args=(status -i "$inv") rc=0
  [[ $kind == json* ]] && args+=(--json)
  [[ $kind == *-v ]] && args=(-v "${args[@]}")
  "$work/harness/fleet.sh" idle >/dev/null 2>&1 || true
  local load fleet0 fleet1
  load=$(cut -d' ' -f1 /proc/loadavg)
  fleet0=$(fleet_cpu_ticks)
  flock "$lock" /usr/bin/time -v -o "$work/time" "$herd" "${args[@]}" >"$work/stdout" 2>"$work/stderr" || rc=$?
  "$work/harness/fleet.sh" idle >/dev/null 2>&1 || true
  fleet1=$(fleet_cpu_ticks)
  local wall cpu rss lines phases
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for (i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time")
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
  lines=$(wc -l <"$work/stdout")
  phases=$(grep -m1 '^status gathered' "$work/stderr" || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$wall" "$cpu" \
    "$(awk -v t=$((fleet1 - fleet0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t / hz}')" \
    "$rss" "$rc" "$lines" "$load" "$phases" >>"$out/runs.tsv"
  cp "$work/stdout" "$out/last-$kind.out"
  cp "$work/stderr" "$out/last-$kind.err"
}

printf 'kind\twall_s\therd_cpu_s\tfleet_cpu_s\tmaxrss_kb\trc\tlines\tload\tphases\n' >"$out/runs.tsv"
one warmup
for ((r = 1; r <= runs; r++)); do
  one human
  one json
done
one human-v
one json-v

echo "herd status at N=$n ($("$herd" --version), supervisor $supervisor, $runs runs each, $(nproc) cores)"
python3 - "$out/runs.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = lambda rs, k: statistics.median(float(r[k]) for r in rs)
for kind in ("human", "json"):
    rs = [r for r in rows if r["kind"] == kind]
    if not rs:
        continue
    w = sorted(float(r["wall_s"]) for r in rs)
    rss = max(int(r["maxrss_kb"]) for r in rs) / 1024
    print(f"  status{' --json' if kind == 'json' else '':7}  wall median {statistics.median(w):.2f} s"
          f" (min {w[0]:.2f}, max {w[-1]:.2f}), herd CPU {med(rs, 'herd_cpu_s'):.2f} s,"
          f" fleet CPU {med(rs, 'fleet_cpu_s'):.2f} s, peak RSS {rss:.1f} MiB,"
          f" exit {','.join(sorted({r['rc'] for r in rs}))}, {rs[-1]['lines']} lines of output")
    print(f"      load before each run: {', '.join(r['load'] for r in rs)}")
for r in rows:
    if r["kind"].endswith("-v"):
        print(f"  with -v ({r['kind'][:-2]}): wall {r['wall_s']} s; {r['phases']}")
PY
echo "  outputs and runs.tsv: $out"
