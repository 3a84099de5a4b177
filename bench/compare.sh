#!/usr/bin/env bash
# compare.sh [-r RUNS] [-n "50 200"] [TOOL ...]: herd beside its peers on one
# loopback fleet, in one session, with the comparison harness in
# ../../shared/bench (Ansible, pyinfra, pdsh, ClusterShell, parallel-ssh,
# OpenSSH ControlMaster). The harness is copied to a temporary folder so its
# state and results stay out of both trees. Prints the harness's table, then
# herd's speed-up over each peer (median wall time ratio) and its peak RSS.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
harness="${BENCH_HARNESS:-$root/../shared/bench}"
[[ -x "$harness/bench.sh" ]] || { echo "compare: no harness at $harness (set BENCH_HARNESS)" >&2; exit 2; }
runs=3 sizes="50 200"
while getopts "r:n:" opt; do
  case $opt in
    r) runs=$OPTARG ;;
    n) sizes=$OPTARG ;;
    *) sed -n '2,8p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
max=0
for n in $sizes; do ((n > max)) && max=$n; done

(cd "$root" && cargo build --release --quiet)
work=$(mktemp -d)
cp -r "$harness/." "$work/"
cleanup() { "$work/fleet.sh" down >/dev/null 2>&1 || true; }
trap cleanup EXIT
export HERD_REPO="$root"
"$work/peers.sh" >/dev/null
"$work/fleet.sh" up "$max" >/dev/null
"$work/bench.sh" -n "$sizes" -r "$runs" "$@"
result=$(find "$work/results" -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1)
python3 - "$result/runs.tsv" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter="\t") if not r["run"].startswith("warmup") and r["rc"] == "0"]
by = {}
for r in rows:
    by.setdefault((int(r["n"]), r["tool"]), []).append(r)
for n in sorted({k[0] for k in by}):
    herd = by.get((n, "herd"))
    if not herd:
        continue
    h = statistics.median(float(r["wall_s"]) for r in herd)
    rss = max(int(r["maxrss_kb"]) for r in herd) / 1024
    print(f"\nN={n}: herd median {h:.2f} s, peak RSS {rss:.1f} MiB")
    for (m, tool), rs in sorted(by.items()):
        if m != n or tool == "herd":
            continue
        t = statistics.median(float(r["wall_s"]) for r in rs)
        print(f"  {tool:<14} {t:7.2f} s   herd is {t / h:5.2f}x faster")
PY
