#!/usr/bin/env bash
# status-scale.sh [-r RUNS] [N]: `herd status` on an N-host cluster (default
# 1000) of the loopback fleet in ../../shared/bench: 3 masters (ZooKeeper,
# JournalNode, NameNode + ZKFC, ResourceManager, JobHistory), the rest
# workers (DataNode, NodeManager) in racks of 40. No daemon runs on the
# fleet, so this measures gathering (connect, the per-host script, the HA
# endpoints refused by the fleet's sshd) and the verdict, not Hadoop.
#
# Prints, for `herd status` and `herd status --json` (release build, RUNS
# runs each, default 3, after one untimed warm-up): wall seconds (median,
# min, max), peak RSS, herd's own phase times (-v: connect, gather, assess,
# render), the exit code and the human output's line count. The cluster is
# degraded (nothing runs), so status exits 1; the times are recorded all the
# same. The last human and JSON outputs are kept in the result folder.
#
# Knobs: BENCH_PORT (default 2422) and BENCH_STATE (default a temporary
# folder) keep this fleet apart from other fleets on the machine;
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
cleanup() { "$work/harness/fleet.sh" down >/dev/null 2>&1 || true; }
trap cleanup EXIT
"$work/harness/fleet.sh" up "$n" >/dev/null
# shellcheck source=/dev/null
source "$work/harness/lib.sh"

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

# one KIND: a timed run of status (KIND human, json, or warmup: human, not
# counted); appends a line to runs.tsv.
one() {
  local kind=$1 args=(-v status -i "$inv") rc=0
  [[ $kind == json ]] && args+=(--json)
  "$work/harness/fleet.sh" idle >/dev/null 2>&1 || true
  flock "$lock" /usr/bin/time -v -o "$work/time" "$herd" "${args[@]}" >"$work/stdout" 2>"$work/stderr" || rc=$?
  local wall rss lines phases
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for (i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
  lines=$(wc -l <"$work/stdout")
  phases=$(grep -m1 '^status gathered' "$work/stderr" || true)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$wall" "$rss" "$rc" "$lines" "$phases" >>"$out/runs.tsv"
  cp "$work/stdout" "$out/last-$kind.out"
  cp "$work/stderr" "$out/last-$kind.err"
}

printf 'kind\twall_s\tmaxrss_kb\trc\tlines\tphases\n' >"$out/runs.tsv"
one warmup # page cache, the fleet's first sessions; not counted
for ((r = 1; r <= runs; r++)); do
  one human
  one json
done

echo "herd status at N=$n ($("$herd" --version), supervisor $supervisor, $runs runs each, $(nproc) cores)"
python3 - "$out/runs.tsv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for kind in ("human", "json"):
    rs = [r for r in rows if r["kind"] == kind]
    if not rs:
        continue
    w = sorted(float(r["wall_s"]) for r in rs)
    rss = max(int(r["maxrss_kb"]) for r in rs) / 1024
    print(f"  status{' --json' if kind == 'json' else '':7}  wall median {statistics.median(w):.2f} s"
          f" (min {w[0]:.2f}, max {w[-1]:.2f}), peak RSS {rss:.1f} MiB,"
          f" exit {','.join(sorted({r['rc'] for r in rs}))}, {rs[-1]['lines']} lines of output")
    for r in rs:
        print(f"      {r['wall_s']:>6} s  {r['phases']}")
PY
echo "  outputs and runs.tsv: $out"
